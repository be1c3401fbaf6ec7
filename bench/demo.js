#!/usr/bin/env node
// The main job: resize real images through the sharp-compatible API and print which backend ran
// and how fast. Usage: npm run demo [-- --images DIR] (default ../shared/images beside the repo).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const sharp = require('..');

let reference = null; // sharp itself, when installed (a devDependency), for the comparison column
try {
  reference = require('sharp');
  reference.cache(false);
} catch {
  reference = null;
}

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const imagesDir = path.resolve(arg('--images', path.join(__dirname, '..', '..', 'shared', 'images')));
const outDir = path.resolve(arg('--out', path.join(__dirname, 'out')));
fs.mkdirSync(outDir, { recursive: true });

const jobs = [
  { file: '2569067123_aca715a2ee_o.jpg', run: (s) => s.resize(720, 588, { kernel: 'lanczos3' }).jpeg({ quality: 80 }), out: 'photo-720x588.jpg' },
  { file: '2569067123_aca715a2ee_o.jpg', run: (s) => s.resize(800, 600, { fit: 'cover' }).jpeg({ quality: 80 }), out: 'photo-cover-800x600.jpg' },
  { file: '2569067123_aca715a2ee_o.jpg', run: (s) => s.resize(300, 300, { fit: 'contain', background: '#ffffff' }).png(), out: 'photo-contain-300.png' },
  { file: 'alpha-premultiply-2048x1536-paper.png', run: (s) => s.resize(720, 540).png(), out: 'paper-720x540.png' },
  { file: '4.webp', run: (s) => s.resize(275, 184).webp(), out: 'webp-275x184.webp' },
  { file: 'Landscape_6.jpg', run: (s) => s.rotate().resize(200).jpeg(), out: 'landscape6-oriented.jpg' },
  { file: 'Crash_test.gif', run: (s) => s.resize(100).png(), out: 'gif-100.png' },
];

async function main() {
  const b = sharp.backends();
  for (const [name, info] of Object.entries(b)) {
    console.log(`backend ${name}: ${info.available ? `available (${info.device}${info.memory ? `, ${(info.memory / 2 ** 30).toFixed(1)} GiB` : ''})` : `unavailable: ${info.reason}`}`);
  }
  for (const job of jobs) {
    const input = fs.readFileSync(path.join(imagesDir, job.file));
    const time = async (lib) => {
      await job.run(lib(input)).toBuffer(); // warm-up
      const runs = 5;
      const t0 = performance.now();
      let result;
      for (let i = 0; i < runs; i++) result = await job.run(lib(input)).toBuffer({ resolveWithObject: true });
      return { ms: (performance.now() - t0) / runs, result };
    };
    const { ms, result } = await time(sharp);
    fs.writeFileSync(path.join(outDir, job.out), result.data);
    const { info } = result;
    const versus = reference ? `, sharp ${(await time(reference)).ms.toFixed(1)} ms` : '';
    console.log(`${job.file} -> ${job.out}: ${info.width}x${info.height} ${info.format} ${info.size} bytes, backend ${info.backend}${info.fallbackReason ? ` (fell back: ${info.fallbackReason})` : ''}, ${ms.toFixed(1)} ms${versus}`);
  }
  console.log(`outputs in ${outDir}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
