#!/usr/bin/env node
// Where does the GPU start to beat the CPU? Times the same resize forced onto each backend for
// a range of input sizes, at 1 and 16 requests in flight, and prints the smallest input (in
// pixels) from which the GPU is faster at both: the value for GPU_RESIZE_GPU_MIN_PIXELS.
// Usage: node bench/threshold.js [--seconds 1] [--out DIR]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

if (!process.env.UV_THREADPOOL_SIZE) {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(os.cpus().length) }
  });
  process.exit(r.status ?? 1);
}

const sharp = require('..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg('--seconds', '1'));
const outDir = arg('--out', null);
const SIZES = [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048];
const INFLIGHT = [1, 16];

function pattern (w, h) {
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      data[i] = (x * 255) / w;
      data[i + 1] = (y * 255) / h;
      data[i + 2] = ((x ^ y) * 7) & 255;
    }
  }
  return data;
}

async function rate (backend, make, inflight) {
  process.env.GPU_RESIZE_BACKEND = backend;
  const first = await make().toBuffer({ resolveWithObject: true }); // warm-up, and which ran
  let ops = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await make().toBuffer();
      ops++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, worker));
  return { opsPerSec: ops / ((performance.now() - t0) / 1000), ran: first.info.backend };
}

async function main () {
  const gpu = sharp.backends().gpu;
  if (!gpu.available) {
    console.log(`GPU not available (${gpu.reason}): nothing to compare`);
    return;
  }
  const rows = [];
  for (const kind of ['raw', 'jpeg']) {
    for (const s of SIZES) {
      const raw = pattern(s, s);
      const input = kind === 'raw'
        ? raw
        : await sharp(raw, { raw: { width: s, height: s, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
      const make = () => {
        const img = kind === 'raw' ? sharp(input, { raw: { width: s, height: s, channels: 3 } }) : sharp(input);
        const out = img.resize(Math.max(1, Math.round(s / 2)), Math.max(1, Math.round(s / 2 * 0.75)), { fit: 'fill' });
        return kind === 'raw' ? out.raw() : out.jpeg();
      };
      const row = { kind, size: s, pixels: s * s };
      for (const n of INFLIGHT) {
        const c = await rate('cpu', make, n);
        const g = await rate('gpu', make, n);
        row[`cpu@${n}`] = c.opsPerSec;
        row[`gpu@${n}`] = g.opsPerSec;
        row.gpuRan = g.ran;
      }
      rows.push(row);
      console.log(`${kind} ${s}x${s}: ` + INFLIGHT.map((n) =>
        `@${n} cpu ${row[`cpu@${n}`].toFixed(0)}/s gpu ${row[`gpu@${n}`].toFixed(0)}/s`).join(', ') + ` (gpu ran: ${row.gpuRan})`);
    }
  }
  delete process.env.GPU_RESIZE_BACKEND;
  // The smallest size from which the GPU wins at every inflight level, for each kind.
  const crossover = {};
  for (const kind of ['raw', 'jpeg']) {
    const list = rows.filter((r) => r.kind === kind);
    let from = null;
    for (let i = list.length - 1; i >= 0; i--) {
      const wins = INFLIGHT.every((n) => list[i][`gpu@${n}`] > list[i][`cpu@${n}`]);
      if (!wins) break;
      from = list[i].pixels;
    }
    crossover[kind] = from;
  }
  console.log(`GPU faster at every inflight level from: raw ${crossover.raw} px, jpeg ${crossover.jpeg} px`);
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    const machine = { cpu: os.cpus()[0].model, cores: os.cpus().length, gpu: gpu.device };
    fs.writeFileSync(path.join(outDir, 'threshold.json'), JSON.stringify({ machine, seconds, rows, crossover }, null, 2));
    const md = ['| input | pixels | ' + INFLIGHT.map((n) => `cpu @${n} | gpu @${n}`).join(' | ') + ' |',
      '|---|---:|' + INFLIGHT.map(() => '---:|---:').join('|') + '|',
      ...rows.map((r) => `| ${r.kind} ${r.size}x${r.size} | ${r.pixels} | ` +
        INFLIGHT.map((n) => `${r[`cpu@${n}`].toFixed(0)} | ${r[`gpu@${n}`].toFixed(0)}`).join(' | ') + ' |'),
      '', `GPU faster at every inflight level from: raw ${crossover.raw} px, jpeg ${crossover.jpeg} px (${machine.cpu}, ${machine.cores} cores, ${machine.gpu})`];
    fs.writeFileSync(path.join(outDir, 'threshold.md'), md.join('\n') + '\n');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
