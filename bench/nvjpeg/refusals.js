// Which JPEGs nvJPEG's hardware decoder refuses or skips, and how many fresh decoders that
// costs: each image lone three times, 32 at once, then 96 mixed ROUNDS times (default 3; GPU
// machine):
//   node bench/nvjpeg/refusals.js
// Before the fix (reused decode parameters): bench/results/h100-16core-encode/refusals.txt and
// bench/results/h100-16core-decodefix/refusals-mode0.txt; after: refusals-mode4.txt there.
const path = require('path');
const fs = require('fs');
process.env.GPU_RESIZE_BACKEND = 'gpu';
const sharp = require('../..');
const native = require('../../js/native');
const { defineTasks } = require('../tasks');
const images = process.env.GPU_RESIZE_IMAGES || path.resolve(__dirname, '..', '..', '..', 'shared', 'images');
const img = (f) => fs.readFileSync(path.join(images, f));
const inputs = {
  valid: fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'badinput', 'corpus', 'valid.jpg')),
  '320x240': img('320x240.jpg'), concert: img('concert.jpg'), flowers: img('flowers.jpeg'),
  photo: img('2569067123_aca715a2ee_o.jpg'), l1: img('Landscape_1.jpg'),
  t2: null, t6: null // the bench's task 2 and 6 inputs (bench/tasks.js), made below
};
const go = (buf) => sharp(buf).resize(300, 200).raw().toBuffer({ resolveWithObject: true });
const why = (r) => r.info.gpuDecoded ? 'gpu' : (r.info.fallbackReason || '').replace(/.*CPU: /, '').slice(0, 40);
(async () => {
  const tasks = defineTasks(images);
  inputs.t2 = await tasks.find((t) => t.id === 2).prepare();
  inputs.t6 = await tasks.find((t) => t.id === 6).prepare();
  const sizes = {};
  for (const [k, b] of Object.entries(inputs)) { const m = await sharp(b).metadata(); sizes[k] = `${m.width}x${m.height} ${m.chromaSubsampling}`; }
  console.log(JSON.stringify(sizes));
  const b0 = native.jpegBatches();
  for (const [k, b] of Object.entries(inputs)) {
    const out = [];
    for (let i = 0; i < 3; i++) out.push(why(await go(b)));
    console.log('lone', k, out.join(' | '));
  }
  console.log('resets after lone', native.jpegBatches().resets - b0.resets);
  for (const [k, b] of Object.entries(inputs)) {
    const r0 = native.jpegBatches().resets;
    const rs = await Promise.all(Array.from({ length: 32 }, () => go(b)));
    const c = {}; rs.forEach((r) => { const w = why(r); c[w] = (c[w] || 0) + 1; });
    console.log('x32', k, JSON.stringify(c), 'resets', native.jpegBatches().resets - r0);
  }
  for (let round = 0; round < Number(process.env.ROUNDS || 3); round++) {
    const r0 = native.jpegBatches().resets;
    const keys = Object.keys(inputs);
    const order = Array.from({ length: 96 }, (_, i) => keys[i % keys.length]);
    const rs = await Promise.all(order.map((k) => go(inputs[k])));
    const c = {}; rs.forEach((r, i) => { const w = order[i] + ':' + why(r); c[w] = (c[w] || 0) + 1; });
    console.log('mixed', JSON.stringify(c), 'resets', native.jpegBatches().resets - r0);
  }
  const b1 = native.jpegBatches();
  console.log('reset ms each', ((b1.resetMs - b0.resetMs) / Math.max(1, b1.resets - b0.resets)).toFixed(1));
  console.log('totals', JSON.stringify({ batches: b1.batches - b0.batches, images: b1.images - b0.images,
    refused: b1.refused - b0.refused, skipped: b1.skipped - b0.skipped, resets: b1.resets - b0.resets }));
})();
