#!/usr/bin/env node
// A short run of every GPU path, for compute-sanitizer (which slows each launch a hundredfold):
// batched nvJPEG decode + resize + nvJPEG encode, decode + resize with a CPU encode, the raw
// resize, PNG with alpha, and a fault-injected batch. Each output is checked for its size and
// decodes with sharp; exit status 1 when one is wrong or a request did not run on the GPU.
//   compute-sanitizer --tool memcheck node bench/gpu-smoke.js [--requests 24]
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const gpu = require('../js');

const images = process.env.GPU_RESIZE_IMAGES || path.resolve(__dirname, '..', '..', 'shared', 'images');
const requests = Number((process.argv.find((a) => a.startsWith('--requests=')) || '--requests=24').split('=')[1]);
let sharp = null;
try { sharp = require('sharp'); } catch { /* sizes only */ }

async function main () {
  const photo = fs.readFileSync(path.join(images, '2569067123_aca715a2ee_o.jpg'));
  const png = fs.readFileSync(path.join(images, 'alpha-premultiply-2048x1536-paper.png'));
  const raw = { data: Buffer.alloc(3840 * 2160 * 3, 77), raw: { width: 3840, height: 2160, channels: 3 } };
  const kinds = [
    ['jpeg -> 720x588 jpeg, GPU encode', () => gpu(photo).resize(720, 588).jpeg(), { GPU_RESIZE_GPU_ENCODE: '1' }, [720, 588]],
    ['jpeg -> 500x500 jpeg, CPU encode', () => gpu(photo).resize(500, 500).jpeg(), { GPU_RESIZE_GPU_ENCODE: '0' }, [500, 500]],
    ['jpeg -> 1280x1045 raw', () => gpu(photo).resize(1280).raw(), {}, [1280, 1045]],
    ['raw 4K -> 1080p raw', () => gpu(raw.data, { raw: raw.raw }).resize(1920, 1080).raw(), {}, [1920, 1080]],
    ['png rgba -> 800x600 png', () => gpu(png).resize(800, 600).png(), {}, [800, 600]],
    ['jpeg with nvjpeg faults', () => gpu(photo).resize(640, 480).jpeg(), { GPU_RESIZE_FAULT: 'nvjpeg:0.5', GPU_RESIZE_GPU_ENCODE: '1' }, [640, 480]]
  ];
  let bad = 0;
  process.env.GPU_RESIZE_BACKEND = 'gpu';
  for (const [label, build, env, size] of kinds) {
    const saved = {};
    for (const [k, v] of Object.entries(env)) { saved[k] = process.env[k]; process.env[k] = v; }
    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: requests }, () => build().toBuffer({ resolveWithObject: true })));
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    const ran = {};
    for (const r of results) {
      if (r.status === 'rejected') { bad++; console.log(`  ${label}: rejected: ${r.reason && r.reason.message}`); continue; }
      const { data, info } = r.value;
      const key = `${info.backend}${info.gpuDecoded ? '+dec' : ''}${info.gpuEncoded ? '+enc' : ''}`;
      ran[key] = (ran[key] || 0) + 1;
      let ok = info.width === size[0] && info.height === size[1];
      if (ok && sharp && info.format !== 'raw') {
        const m = await sharp(data).metadata();
        ok = m.width === size[0] && m.height === size[1];
      }
      if (!ok || (!env.GPU_RESIZE_FAULT && info.backend !== 'gpu')) {
        bad++;
        console.log(`  ${label}: ${info.backend} ${info.width}x${info.height} ${info.fallbackReason || ''}`);
      }
    }
    console.log(`${label}: ${requests} requests in ${Date.now() - t0} ms, ran as ${JSON.stringify(ran)}`);
  }
  console.log(`gpu-smoke: ${bad === 0 ? 'OK' : `${bad} wrong`}; gpu backend ${JSON.stringify((({ requests, failures, skipped }) => ({ requests, failures, skipped }))(gpu.backends().gpu))}`);
  process.exitCode = bad === 0 ? 0 : 1;
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
