// Where a lone toBuffers set's time goes on the GPU, against the same outputs as separate calls.
'use strict';
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const gr = require('../../..');
const native = require('../../../js/native');
const input = fs.readFileSync('/work/shared/images/2569067123_aca715a2ee_o.jpg');
const W = [1920, 1280, 960, 640, 320];
const kinds = {
  'set jpeg': () => gr(input).toBuffers(W.map((width) => ({ width, format: 'jpeg', quality: 80 }))),
  'set raw': () => gr(input).toBuffers(W.map((width) => ({ width, format: 'raw' }))),
  'set jpeg 1920 only': () => gr(input).toBuffers([{ width: 1920, format: 'jpeg', quality: 80 }]),
  'set jpeg 320 only': () => gr(input).toBuffers([{ width: 320, format: 'jpeg', quality: 80 }]),
  'separate jpeg': () => Promise.all(W.map((width) => gr(input).resize(width).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true }))),
  'one 1920 jpeg': () => gr(input).resize(1920).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true }).then((r) => [r]),
  'one 320 jpeg': () => gr(input).resize(320).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true }).then((r) => [r])
};
(async () => {
  for (const [name, run] of Object.entries(kinds)) {
    for (let i = 0; i < 3; i++) await run();
    const n = 20;
    const b0 = native.jpegBatches();
    const c0 = process.cpuUsage();
    const lat = [];
    let enc = 0; let outs = 0;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await run();
      lat.push(performance.now() - t);
      for (const x of r) { outs++; if (x.info.gpuEncoded) enc++; }
    }
    const c = process.cpuUsage(c0);
    const b = native.jpegBatches();
    lat.sort((x, y) => x - y);
    console.log(JSON.stringify({
      name, p50: +lat[n >> 1].toFixed(2), min: +lat[0].toFixed(2), cpuMs: +((c.user + c.system) / 1000 / n).toFixed(2),
      batches: (b.batches - b0.batches) / n, batchMs: +((b.batchMs - b0.batchMs) / n).toFixed(2),
      decodeMs: +((b.decodeMs - b0.decodeMs) / n).toFixed(2), gpuEncoded: `${enc}/${outs}`
    }));
  }
})().catch((e) => { console.error(e); process.exit(1); });
