// The GPU JPEG path (src/gpu/jpeg_batch.c): nvJPEG's hardware decoder, batched across
// concurrent requests, then the resize kernels on the decoded image.
// - The decoded pixels against libjpeg-turbo's: the same request with fastShrinkOnLoad: false
//   on the CPU path (both decode at full size, the resize is bit-identical), per subsampling.
// - Progressive and restart markers (the hardware path does not take them:
//   libjpeg-turbo decodes, the GPU resizes), EXIF orientation.
// - 1000 concurrent requests of mixed images, sizes and formats: each result equals the result
//   of the same request run alone (batches never mix results up).
// - GPU_RESIZE_FAULT=nvjpeg:0.5 fails whole batches: every request still completes (on the CPU),
//   counted as a GPU failure.
// - JPEG output encoded on the GPU in the batch (nvJPEG's encoder, the crop region in place):
//   against the same request encoded by libjpeg-turbo; GPU_RESIZE_FAULT=encode hands the pixels
//   back to the CPU encoder.
'use strict';

const path = require('node:path');
const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  sharp, oracle, image, PHOTO, RESTART, requireGpu, withEnv, maxAbsDiff, counters, countersDelta, mixedKinds,
  decodeStats: stats
} = require('./helpers');

// The GPU JPEG path is on by default (GPU_RESIZE_GPU_DECODE=0 turns it off); set in case the caller's environment has 0.
process.env.GPU_RESIZE_GPU_DECODE = '1';
process.env.GPU_RESIZE_GPU_ENCODE = '1'; // on by default; set in case the caller's environment has 0
// Made with libjpeg-turbo's tools from the photo: cjpeg -sample 2x1.
const SUB422 = path.join(__dirname, '..', 'fixtures', 'subsampling-422.jpg');

function decoderOf () {
  return sharp.backends().gpu.decoder || '';
}

const run = (input, build, backend) => withEnv({ GPU_RESIZE_BACKEND: backend },
  () => build(sharp(input)).toBuffer({ resolveWithObject: true }));

test('the GPU backend decodes JPEG with the nvJPEG hardware decoder', () => {
  requireGpu();
  assert.equal(decoderOf(), 'nvjpeg-hardware', `backends().gpu.decoder: ${decoderOf()}`);
});

async function sample (subsampling) {
  const src = image(PHOTO);
  if (subsampling === '4:2:2') return SUB422;
  if (subsampling === 'grey') return oracle(src).resize(1600).greyscale().jpeg({ quality: 90 }).toBuffer();
  return oracle(src).resize(1600).jpeg({ quality: 90, chromaSubsampling: subsampling }).toBuffer();
}

for (const subsampling of ['4:2:0', '4:2:2', '4:4:4']) {
  test(`GPU-decoded ${subsampling} JPEG matches libjpeg-turbo's decode (99% within 2, PSNR >= 45 dB, after the same resize)`, async () => {
    requireGpu();
    const input = await sample(subsampling);
    const build = (img) => img.resize(900, 700, { fit: 'fill', fastShrinkOnLoad: false }).raw();
    const gpu = await run(input, build, 'gpu');
    const cpu = await run(input, build, 'cpu');
    assert.equal(gpu.info.backend, 'gpu');
    assert.equal(gpu.info.gpuDecoded, true, 'decoded on the GPU');
    assert.equal(cpu.info.backend, 'cpu');
    assert.deepEqual([gpu.info.width, gpu.info.height, gpu.info.channels], [900, 700, 3]);
    const s = stats(gpu.data, cpu.data);
    console.log(`  ${subsampling}: max ${s.max}, mean ${s.mean.toFixed(4)}, >2: ${(100 * s.over2).toFixed(4)}%, PSNR ${s.psnr.toFixed(2)} dB`);
    // nvJPEG upsamples chroma its own way: a few values near colour edges differ by more than 2.
    assert.ok(s.over2 <= 0.01, `more than 1% of values differ by more than 2: ${(100 * s.over2).toFixed(3)}%`);
    assert.ok(s.psnr >= 45, `PSNR ${s.psnr}`);
  });
}

test('progressive JPEG: libjpeg-turbo decodes, the GPU resizes, same pixels as the CPU path', async () => {
  requireGpu();
  const input = await oracle(image(PHOTO)).resize(1600).jpeg({ quality: 90, progressive: true }).toBuffer();
  const build = (img) => img.resize(640, 480).raw();
  const gpu = await run(input, build, 'gpu');
  const cpu = await run(input, build, 'cpu');
  assert.equal(gpu.info.backend, 'gpu');
  assert.notEqual(gpu.info.gpuDecoded, true);
  const { max } = maxAbsDiff(gpu.data, cpu.data);
  assert.ok(max <= 1, `max diff ${max}`);
});

for (const [label, input, note] of [
  ['restart markers', () => RESTART, /restart|not a plain|CPU/],
]) {
  test(`JPEG with ${label}: libjpeg-turbo decodes, the GPU resizes, same pixels as the CPU path`, async () => {
    requireGpu();
    const src = await input();
    const build = (img) => img.resize(600, 490, { fastShrinkOnLoad: false }).raw();
    const gpu = await run(src, build, 'gpu');
    const cpu = await run(src, build, 'cpu');
    assert.equal(gpu.info.backend, 'gpu', gpu.info.fallbackReason);
    assert.notEqual(gpu.info.gpuDecoded, true);
    const { max } = maxAbsDiff(gpu.data, cpu.data);
    assert.ok(max <= 1, `max diff ${max}`);
    if (note) assert.ok(!gpu.info.fallbackReason || note.test(gpu.info.fallbackReason), gpu.info.fallbackReason);
  });
}

test('EXIF orientation is applied after a GPU decode', async () => {
  requireGpu();
  for (const name of ['Landscape_1.jpg', 'Portrait_8.jpg']) {
    const build = (img) => img.rotate().resize(200, 150, { fastShrinkOnLoad: false }).raw();
    const gpu = await run(image(name), build, 'gpu');
    const cpu = await run(image(name), build, 'cpu');
    assert.deepEqual([gpu.info.width, gpu.info.height], [cpu.info.width, cpu.info.height], name);
    const s = stats(gpu.data, cpu.data);
    assert.ok(s.psnr >= 40, `${name}: ${JSON.stringify(s)} (backend ${gpu.info.backend}, gpuDecoded ${gpu.info.gpuDecoded})`);
  }
});

test('truncated JPEG is not decoded on the GPU: it fails as on the CPU path', async () => {
  requireGpu();
  const whole = await sample('4:2:0');
  assert.ok(Buffer.isBuffer(whole));
  const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
  await assert.rejects(run(truncated, (img) => img.resize(300, 200).jpeg(), 'gpu'));
});

// nvJPEG may decode a lone image on another path than a batch (last bits differ), so a result is
// compared with its lone run by PSNR: a result handed to the wrong caller has another size or
// another picture and fails by far.
async function closeTo (r, e, label) {
  assert.deepEqual([r.info.width, r.info.height, r.info.format], [e.info.width, e.info.height, e.info.format], label);
  const rawOf = async (x) => x.info.format === 'raw' ? x.data : (await oracle(x.data).raw().toBuffer());
  const s = stats(await rawOf(r), await rawOf(e));
  // A request the GPU decoder handed to the CPU (busy, or an image it would not decode) decodes
  // with shrink-on-load: a little further from the lone run, still far above a mix-up.
  const min = Boolean(r.info.gpuDecoded) === Boolean(e.info.gpuDecoded) ? 38 : 30;
  assert.ok(s.psnr >= min, `${label}: PSNR ${s.psnr.toFixed(2)} dB against its lone run (gpuDecoded ${r.info.gpuDecoded}, ${r.info.fallbackReason})`);
}

test('1000 concurrent requests of mixed images, sizes and formats: each matches its lone run', async () => {
  requireGpu();
  const kinds = await mixedKinds();
  const expected = [];
  for (const [input, build] of kinds) expected.push(await run(input, build, 'gpu'));
  const order = Array.from({ length: 1000 }, (_, i) => (i * 7919) % kinds.length);
  // Two rounds: the first makes most of the batches' GPU encoders, the second reuses them (an
  // encoder whose first settings were lost spoiled every image it encoded).
  for (const round of [1, 2]) {
    const before = counters();
    // Every request waits for the GPU decoder and every JPEG output is encoded there (by default
    // the 257th waiting request decodes on the CPU, and small outputs past the 4th of a batch are
    // encoded on the CPU): the batches are as mixed as they can be.
    const results = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_DECODE_QUEUE: '1000', GPU_RESIZE_GPU_ENCODE_SMALL: '1000' },
      () => Promise.all(order.map((k) => kinds[k][1](sharp(kinds[k][0])).toBuffer({ resolveWithObject: true }))));
    const delta = countersDelta(before, counters());
    let gpuDecoded = 0; let gpuEncoded = 0;
    const wrong = [];
    for (const [i, r] of results.entries()) {
      await closeTo(r, expected[order[i]], `round ${round} request ${i} (kind ${order[i]}, gpuEncoded ${r.info.gpuEncoded})`)
        .catch((e) => wrong.push(e.message));
      if (r.info.gpuDecoded) gpuDecoded++;
      if (r.info.gpuEncoded) gpuEncoded++;
    }
    assert.deepEqual(wrong, [], `round ${round}: ${wrong.length} of 1000 results differ from their lone runs`);
    console.log(`  round ${round}, 1000 requests: ${gpuDecoded} decoded on the GPU, ${gpuEncoded} encoded there; counters ${JSON.stringify(delta)}`);
    assert.ok(gpuEncoded >= 100, `only ${gpuEncoded} GPU encodes`);
    assert.ok(gpuDecoded >= 700, `only ${gpuDecoded} GPU decodes`);
    assert.equal(delta.gpu.failures, 0);
  }
});

test('injected nvJPEG failures lose no request: they complete on the CPU and are counted', async () => {
  requireGpu();
  const photo = image(PHOTO);
  const build = (i) => i.resize(720, 588).jpeg();
  const before = counters();
  const results = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: 'nvjpeg:0.5' },
    () => Promise.all(Array.from({ length: 300 }, () => build(sharp(photo)).toBuffer({ resolveWithObject: true }))));
  const delta = countersDelta(before, counters());
  const onCpu = results.filter((r) => r.info.backend === 'cpu');
  const onGpu = results.filter((r) => r.info.backend === 'gpu');
  console.log(`  300 requests with nvjpeg:0.5: ${onGpu.length} gpu, ${onCpu.length} cpu; counters ${JSON.stringify(delta)}`);
  assert.equal(onCpu.length + onGpu.length, 300);
  assert.ok(onCpu.length > 0 && onGpu.length > 0);
  for (const r of onCpu) {
    assert.match(r.info.fallbackReason, /injected fault: nvjpeg/);
    assert.deepEqual([r.info.width, r.info.height], [720, 588]);
  }
  assert.equal(delta.gpu.failures, onCpu.length);
  // Health is untouched by injected faults: the next request decodes on the GPU again.
  const after = await run(photo, build, 'gpu');
  assert.equal(after.info.gpuDecoded, true);
});

test("sharp-made JPEGs (the benchmark's 3840x2160 and 720x588 inputs) resize on the GPU, decoded there or on the CPU", async () => {
  requireGpu();
  const photo = image(PHOTO);
  const inputs = [
    [await oracle(photo).resize(3840, 2160, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer(), (i) => i.resize(1920, 1080).raw()],
    [await oracle(photo).resize(720, 588).jpeg({ quality: 90 }).toBuffer(), (i) => i.resize(2880, 2352).raw()]
  ];
  for (const [input, build] of inputs) {
    const gpu = await run(input, build, 'gpu');
    const cpu = await run(input, build, 'cpu');
    console.log(`  ${gpu.info.width}x${gpu.info.height}: backend ${gpu.info.backend}, gpuDecoded ${gpu.info.gpuDecoded}, ${gpu.info.fallbackReason || ''}`);
    assert.equal(gpu.info.backend, 'gpu', gpu.info.fallbackReason);
    const s = stats(gpu.data, cpu.data);
    assert.ok(s.psnr >= 40, `PSNR ${s.psnr} against the CPU path`);
  }
});

test('a busy GPU decoder hands new requests to the CPU decoder (GPU_RESIZE_DECODE_QUEUE), results still right', async () => {
  requireGpu();
  const photo = image(PHOTO);
  const build = (i) => i.resize(720, 588).raw();
  const lone = await run(photo, build, 'gpu');
  const results = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_DECODE_QUEUE: '0' },
    () => Promise.all(Array.from({ length: 200 }, () => build(sharp(photo)).toBuffer({ resolveWithObject: true }))));
  const busy = results.filter((r) => /GPU decoder busy/.test(r.info.fallbackReason || ''));
  const decoded = results.filter((r) => r.info.gpuDecoded);
  console.log(`  200 requests, queue 0: ${decoded.length} decoded on the GPU, ${busy.length} on the CPU (busy)`);
  assert.ok(busy.length > 0 && decoded.length > 0);
  for (const r of results) {
    assert.equal(r.info.backend, 'gpu');
    assert.equal(Boolean(r.info.gpuDecoded), !busy.includes(r));
    // CPU decodes with shrink-on-load, so not the same pixels as a full-size GPU decode; a result
    // mixed up with another request's would be far below this.
    const s = stats(r.data, lone.data);
    assert.ok(s.psnr >= 30, `PSNR ${s.psnr} against the lone run`);
  }
});

// The same request with the CPU encoder (GPU_RESIZE_GPU_ENCODE=0: GPU decode and resize, then
// libjpeg-turbo), both decoded by sharp.
async function againstCpuEncode (input, build, label) {
  const gpu = await run(input, build, 'gpu');
  const cpu = await withEnv({ GPU_RESIZE_GPU_ENCODE: '0' }, () => run(input, build, 'gpu'));
  assert.equal(gpu.info.gpuEncoded, true, `${label}: not encoded on the GPU (${gpu.info.fallbackReason})`);
  assert.notEqual(cpu.info.gpuEncoded, true);
  assert.deepEqual([gpu.info.format, gpu.info.width, gpu.info.height, gpu.info.channels, gpu.info.size],
    ['jpeg', cpu.info.width, cpu.info.height, 3, gpu.data.length], label);
  const [gm, cm] = [await oracle(gpu.data).metadata(), await oracle(cpu.data).metadata()];
  assert.deepEqual([gm.width, gm.height, gm.chromaSubsampling, gm.isProgressive],
    [cm.width, cm.height, cm.chromaSubsampling, cm.isProgressive], `${label}: JPEG headers`);
  const s = stats(await oracle(gpu.data).raw().toBuffer(), await oracle(cpu.data).raw().toBuffer());
  const ratio = gpu.data.length / cpu.data.length;
  console.log(`  ${label}: PSNR ${s.psnr.toFixed(2)} dB against libjpeg-turbo's encode, size x${ratio.toFixed(3)}`);
  assert.ok(s.psnr >= 40, `${label}: PSNR ${s.psnr}`);
  assert.ok(ratio > 0.8 && ratio < 1.25, `${label}: ${gpu.data.length} bytes against ${cpu.data.length}`);
}

test('JPEG output is encoded on the GPU in the batch: crops and extracts in place, options honoured', async () => {
  requireGpu();
  const photo = image(PHOTO);
  const cases = [
    ['720x588 cover q80', (i) => i.resize(720, 588).jpeg({ quality: 80 })],
    ['400x400 cover left', (i) => i.resize(400, 400, { position: 'left' }).jpeg()],
    ['600 wide, extract after', (i) => i.resize(600).extract({ left: 33, top: 17, width: 301, height: 203 }).jpeg({ quality: 90 })],
    ['4:4:4 q95', (i) => i.resize(1000, 800, { fit: 'inside' }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' })],
    ['progressive', (i) => i.resize(800, 600).jpeg({ progressive: true })],
    ['odd size', (i) => i.resize(333, 111, { fit: 'fill' }).jpeg({ optimiseCoding: false })]
  ];
  for (const [label, build] of cases) await againstCpuEncode(photo, build, label);
});

test('GPU encode faults and CPU-only outputs hand the pixels to the CPU encoder, losing nothing', async () => {
  requireGpu();
  const photo = image(PHOTO);
  const build = (i) => i.resize(720, 588).jpeg();
  const before = counters();
  const results = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: 'encode:0.5', GPU_RESIZE_GPU_ENCODE_SMALL: '1000' },
    () => Promise.all(Array.from({ length: 100 }, () => build(sharp(photo)).toBuffer({ resolveWithObject: true }))));
  const delta = countersDelta(before, counters());
  const cpuEncoded = results.filter((r) => !r.info.gpuEncoded);
  console.log(`  100 requests with encode:0.5: ${100 - cpuEncoded.length} GPU encodes, ${cpuEncoded.length} CPU encodes`);
  assert.ok(cpuEncoded.length > 0 && cpuEncoded.length < 100);
  for (const r of results) {
    assert.equal(r.info.backend, 'gpu');
    assert.deepEqual([r.info.width, r.info.height, r.info.format], [720, 588, 'jpeg']);
    assert.equal((await oracle(r.data).metadata()).width, 720);
  }
  for (const r of cpuEncoded) assert.match(r.info.fallbackReason, /JPEG encoded on the CPU: injected fault: encode/);
  assert.equal(delta.gpu.failures, 0, 'an encode the CPU took over is not a GPU failure');
  // Steps after the resize that the encoder cannot do in place (a flip can: it is folded into
  // the resize, test/gpu/mirror.test.js): the CPU encodes.
  for (const b of [(i) => i.resize(400, 300, { fit: 'contain' }).jpeg(), (i) => i.resize(400, 300).rotate(90).jpeg()]) {
    const r = await run(photo, b, 'gpu');
    assert.equal(r.info.backend, 'gpu');
    assert.notEqual(r.info.gpuEncoded, true);
  }
});

test('a batch encodes small JPEG outputs on the GPU up to GPU_RESIZE_GPU_ENCODE_SMALL, large ones always', async () => {
  requireGpu();
  const photo = image(PHOTO);
  const small = (i) => i.resize(720, 588).jpeg();
  const large = (i) => i.resize(1400, 1143).jpeg(); // 1.6 MP: always on the GPU
  const lone = await run(photo, small, 'gpu');
  assert.equal(lone.info.gpuEncoded, true, 'a lone small output is encoded on the GPU (latency)');
  const [s0, l0] = await withEnv({ GPU_RESIZE_GPU_ENCODE_SMALL: '0' },
    () => Promise.all([run(photo, small, 'gpu'), run(photo, large, 'gpu')]));
  assert.notEqual(s0.info.gpuEncoded, true, 'no GPU encode for small outputs');
  assert.equal(s0.info.gpuDecoded, true);
  assert.equal(s0.info.fallbackReason, undefined, 'a scheduling choice, not a fallback');
  assert.equal(l0.info.gpuEncoded, true, 'a large output is encoded on the GPU');
  // Both encoders give the same image.
  const a = await oracle(lone.data).raw().toBuffer();
  const b = await oracle(s0.data).raw().toBuffer();
  const p = stats(a, b).psnr;
  assert.ok(p >= 40, `GPU against CPU encode: ${p.toFixed(2)} dB`);
  // 64 at once with the default: the first 4 small ones of each batch on the GPU, the rest on the CPU.
  const many = await withEnv({ GPU_RESIZE_BACKEND: 'gpu' },
    () => Promise.all(Array.from({ length: 64 }, () => small(sharp(photo)).toBuffer({ resolveWithObject: true }))));
  const gpuEncoded = many.filter((r) => r.info.gpuEncoded).length;
  console.log(`  64 concurrent 720x588 outputs: ${gpuEncoded} encoded on the GPU`);
  assert.ok(gpuEncoded > 0 && gpuEncoded < 64, `${gpuEncoded} of 64 GPU encodes`);
  for (const r of many) assert.equal(r.info.fallbackReason, undefined);
});
