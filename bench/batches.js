// The GPU JPEG scheduler, one contender at a time (bench/results/h100-16core-encode/README.md):
//   node bench/batches.js LABEL TASK INFLIGHT[,INFLIGHT..] SECONDS      TASK: 1, 2, 6, 1r or 1n
// (1r: task 1 with raw output, no encode; 1n: task 1 with optimiseCoding: false)
// One JSON line per in-flight level: ops/s, p50 ms, CPU ms per op, share decoded (dec) and
// encoded (enc) on the GPU, and the batchers' figures (native jpegBatches()): mean batch, ms per
// batch and of that the decode, time blocked on readers, requests sent to the CPU decoder (busy),
// decoder resets, refused and skipped decodes.
// Settings come from the environment (GPU_RESIZE_GPU_ENCODE, GPU_RESIZE_DECODE_QUEUE, ...).
const path = require('path');
const sharp = require('..');
const native = require('../js/native');
const { defineTasks } = require('./tasks');
const [label, task, inflights, secs] = process.argv.slice(2);
const images = process.env.GPU_RESIZE_IMAGES || path.resolve(__dirname, '..', '..', 'shared', 'images');
// The bench's own task (bench/tasks.js), or a variant of task 1.
const variants = {
  '1r': (lib, input) => lib(input).resize(720, 588).raw(),
  '1n': (lib, input) => lib(input).resize(720, 588).jpeg({ quality: 80, optimiseCoding: false })
};
const def = defineTasks(images).find((t) => t.id === Number(variants[task] ? 1 : task));
const makeInput = def.prepare;
const call = variants[task] || def.call;
let input;
async function level(inflight, seconds) {
  const lat = [];
  let ops = 0, dec = 0, enc = 0; const why = {};
  const b0 = native.jpegBatches(); const c0 = process.cpuUsage();
  const t0 = performance.now(); const end = t0 + seconds * 1000;
  async function loop() {
    while (performance.now() < end) {
      const s = performance.now();
      const r = await call(sharp, input).toBuffer({ resolveWithObject: true });
      lat.push(performance.now() - s); ops++;
      if (r.info.gpuDecoded) dec++;
      if (r.info.gpuEncoded) enc++;
      const w = (r.info.fallbackReason || '').slice(0, 60); if (w) why[w] = (why[w] || 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: inflight }, loop));
  const wall = (performance.now() - t0) / 1000; const c = process.cpuUsage(c0); const b1 = native.jpegBatches();
  lat.sort((a, b) => a - b);
  const d = {}; for (const k of Object.keys(b1)) d[k] = +(b1[k] - b0[k]).toFixed(1);
  if (seconds < 1) return;
  console.log(JSON.stringify({ label, task: variants[task] ? task : +task, inflight, ops: +(ops / wall).toFixed(1), p50: +lat[lat.length >> 1].toFixed(2),
    cpuMsOp: +((c.user + c.system) / 1000 / ops).toFixed(2), dec: +(dec / ops).toFixed(2), enc: +(enc / ops).toFixed(2),
    meanBatch: d.batches ? +(d.images / d.batches).toFixed(1) : 0, batchMsPer: d.batches ? +(d.batchMs / d.batches).toFixed(2) : 0,
    decodeMsPer: d.batches ? +(d.decodeMs / d.batches).toFixed(2) : 0, blockedMs: d.blockedMs, busy: d.busy,
    hybrid: d.images ? +(d.hybrid / d.images).toFixed(2) : 0, resets: d.resets, refused: d.refused, skipped: d.skipped, why }));
}
(async () => {
  input = await makeInput();
  await level(4, 0.5); // warm up (not reported)
  for (const n of inflights.split(',').map(Number)) await level(n, +secs);
})();
