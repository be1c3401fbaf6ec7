// The GPU hybrid decoders beside the hardware JPEG engines (src/gpu/jpeg_batch.c): with
// GPU_RESIZE_HYBRID_DECODERS=force every GPU JPEG decode in this process goes to them (node
// --test runs each file in its own process; the batchers read the variable once). Their pixels
// against libjpeg-turbo's, as for the hardware decoder in jpeg.test.js, and concurrent requests
// each equal to their lone run.
'use strict';

process.env.GPU_RESIZE_HYBRID_DECODERS = 'force';
process.env.GPU_RESIZE_GPU_DECODE = '1';

const path = require('node:path');
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { sharp, oracle, image, PHOTO, requireGpu, withEnv, mixedKinds, decodeStats: stats } = require('./helpers');
const native = require('../../js/native');

const SUB422 = path.join(__dirname, '..', 'fixtures', 'subsampling-422.jpg');

const run = (input, build, backend) => withEnv({ GPU_RESIZE_BACKEND: backend },
  () => build(sharp(input)).toBuffer({ resolveWithObject: true }));

for (const subsampling of ['4:2:0', '4:2:2', '4:4:4']) {
  test(`hybrid-decoded ${subsampling} JPEG matches libjpeg-turbo's decode (99% within 2, PSNR >= 45 dB)`, async () => {
    requireGpu();
    const input = subsampling === '4:2:2'
      ? SUB422
      : await oracle(image(PHOTO)).resize(1600).jpeg({ quality: 90, chromaSubsampling: subsampling }).toBuffer();
    const build = (img) => img.resize(900, 700, { fit: 'fill', fastShrinkOnLoad: false }).raw();
    const before = native.jpegBatches().hybrid;
    const gpu = await run(input, build, 'gpu');
    const hybrid = native.jpegBatches().hybrid - before;
    const cpu = await run(input, build, 'cpu');
    assert.equal(gpu.info.gpuDecoded, true, `decoded on the GPU (${gpu.info.fallbackReason})`);
    assert.equal(hybrid, 1, 'by a hybrid decoder');
    const s = stats(gpu.data, cpu.data);
    console.log(`  ${subsampling}: max ${s.max}, >2: ${(100 * s.over2).toFixed(4)}%, PSNR ${s.psnr.toFixed(2)} dB`);
    assert.ok(s.over2 <= 0.01, `more than 1% of values differ by more than 2: ${(100 * s.over2).toFixed(3)}%`);
    assert.ok(s.psnr >= 45, `PSNR ${s.psnr}`);
  });
}

test('300 concurrent mixed requests on the hybrid decoders: each matches its lone run', async () => {
  requireGpu();
  const kinds = await mixedKinds();
  const expected = [];
  for (const [input, build] of kinds) expected.push(await run(input, build, 'gpu'));
  const order = Array.from({ length: 300 }, (_, i) => (i * 7919) % kinds.length);
  const before = native.jpegBatches().hybrid;
  const results = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_DECODE_QUEUE: '1000' },
    () => Promise.all(order.map((k) => kinds[k][1](sharp(kinds[k][0])).toBuffer({ resolveWithObject: true }))));
  const hybrid = native.jpegBatches().hybrid - before;
  const rawOf = async (x) => x.info.format === 'raw' ? x.data : (await oracle(x.data).raw().toBuffer());
  const wrong = [];
  let gpuDecoded = 0;
  for (const [i, r] of results.entries()) {
    const e = expected[order[i]];
    if (r.info.gpuDecoded) gpuDecoded++;
    if (r.info.width !== e.info.width || r.info.height !== e.info.height || r.info.format !== e.info.format) {
      wrong.push(`request ${i}: ${r.info.width}x${r.info.height} ${r.info.format}`);
      continue;
    }
    const s = stats(await rawOf(r), await rawOf(e));
    if (s.psnr < 38) wrong.push(`request ${i} (kind ${order[i]}): ${s.psnr.toFixed(2)} dB`);
  }
  console.log(`  300 requests: ${gpuDecoded} decoded on the GPU, ${hybrid} by the hybrid decoders`);
  assert.deepEqual(wrong, []);
  assert.ok(hybrid >= 200, `only ${hybrid} hybrid decodes`);
});

test('a toBuffers set on a hybrid decoder: one decode, every output on the GPU, each as its separate call', async () => {
  requireGpu();
  const input = require('node:fs').readFileSync(image(PHOTO));
  const outputs = [1280, 640, 320].map((width) => ({ width, format: 'raw' }))
    .concat([{ width: 800, format: 'jpeg', quality: 80 }]);
  const before = native.jpegBatches();
  const set = await withEnv({ GPU_RESIZE_BACKEND: 'gpu' }, () => sharp(input).toBuffers(outputs));
  const after = native.jpegBatches();
  assert.equal(after.hybrid - before.hybrid, 1, 'one decode, by a hybrid decoder');
  assert.equal(after.outputs - before.outputs, outputs.length);
  for (const [i, { data, info }] of set.entries()) {
    assert.equal(info.backend, 'gpu', `output ${i}: ${info.fallbackReason || ''}`);
    assert.equal(info.gpuDecoded, true);
    const { format, quality, ...resize } = outputs[i];
    const one = await run(input, (img) => img.resize(resize).toFormat(format, { quality }), 'gpu');
    const [a, b] = format === 'raw' ? [data, one.data] : await Promise.all([data, one.data].map((d) => oracle(d).raw().toBuffer()));
    const s = stats(a, b);
    const floor = info.resizedFrom.chained ? 40 : 60;
    assert.ok(s.psnr >= floor, `output ${i} (${info.width}x${info.height}, chained ${info.resizedFrom.chained}): ${s.psnr.toFixed(2)} dB against its separate call`);
  }
});
