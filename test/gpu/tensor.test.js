// The tensor-core kernels serve reductions of images without alpha (grey and RGB) on sm_80 and
// later: kernels/resize_i8.cu (8-bit products, exact integer sums, weights and intermediate
// rounded) where its planner admits the filter, else kernels/resize_tc.cu (fp16 products, fp32
// sums). Both are held to the CPU within 1 per channel, not byte for byte; the bit-exact kernels
// they replace equal the CPU byte for byte (test/gpu/mirror.test.js, with GPU_RESIZE_TENSOR=0), so
// a large reduction that differs from the CPU in some bytes shows that a tensor-core kernel ran.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { sharp, requireGpu, withEnv, synth, rawOptions, maxAbsDiff, photoRgb, KERNELS } = require('./helpers');

async function both (input, w, h, c, build) {
  const run = (backend) => withEnv({ GPU_RESIZE_BACKEND: backend, GPU_RESIZE_FAULT: undefined }, () =>
    build(sharp(input, rawOptions(w, h, c))).raw().toBuffer({ resolveWithObject: true }));
  const gpu = await run('gpu');
  const cpu = await run('cpu');
  assert.equal(gpu.info.backend, 'gpu', `ran on ${gpu.info.backend}: ${gpu.info.fallbackReason}`);
  assert.equal(cpu.info.backend, 'cpu');
  assert.deepEqual([gpu.info.width, gpu.info.height, gpu.info.channels], [cpu.info.width, cpu.info.height, cpu.info.channels]);
  let differ = 0;
  for (let i = 0; i < gpu.data.length; i++) differ += gpu.data[i] !== cpu.data[i];
  return { max: maxAbsDiff(gpu.data, cpu.data).max, differ, bytes: gpu.data.length };
}

test('tensor cores: 4K RGB and grey -> 1080p within 1 of the CPU, under 1% of bytes off (the kernel ran)', async () => {
  requireGpu();
  for (const c of [3, 1]) {
    const input = synth(3840, 2160, c, 5);
    const r = await both(input, 3840, 2160, c, (i) => i.resize(1920, 1080, { fit: 'fill' }));
    assert.ok(r.max <= 1, `${c} channels: max diff ${r.max}`);
    assert.ok(r.differ > 0, `${c} channels: identical to the CPU: the tensor-core kernel did not run`);
    assert.ok(r.differ < r.bytes / 100, `${c} channels: ${r.differ} of ${r.bytes} bytes differ`);
  }
});

test('tensor cores: every kernel, odd sizes and strides, within 1 of the CPU', async () => {
  requireGpu();
  const sizes = [[1200, 800, 300, 200], [1001, 777, 333, 259], [641, 479, 160, 121], [97, 31, 17, 5], [3000, 40, 1500, 20]];
  for (const c of [1, 3]) {
    for (const [w, h, ow, oh] of sizes) {
      const input = synth(w, h, c, w + c);
      for (const kernel of KERNELS) {
        const r = await both(input, w, h, c, (i) => i.resize(ow, oh, { fit: 'fill', kernel }));
        assert.ok(r.max <= 1, `${w}x${h}x${c} -> ${ow}x${oh} ${kernel}: max diff ${r.max}`);
      }
    }
  }
});

test('tensor cores: mirrors and crops folded into the tables, within 1 of the CPU', async () => {
  requireGpu();
  const w = 1600, h = 1200, c = 3;
  const input = synth(w, h, c, 11);
  const ops = {
    flip: (i) => i.resize(400, 300, { fit: 'fill' }).flip(),
    flop: (i) => i.resize(400, 300, { fit: 'fill' }).flop(),
    'rotate 180': (i) => i.resize(400, 300, { fit: 'fill' }).rotate(180),
    'cover left': (i) => i.resize(500, 200, { fit: 'cover', position: 'left' }),
    'cover south + flop': (i) => i.resize(300, 300, { fit: 'cover', position: 'south' }).flop(),
    extract: (i) => i.resize(400, 300, { fit: 'fill' }).extract({ left: 7, top: 3, width: 101, height: 77 })
  };
  for (const [name, op] of Object.entries(ops)) {
    const r = await both(input, w, h, c, op);
    assert.ok(r.max <= 1, `${name}: max diff ${r.max}`);
  }
});

test('tensor cores: the photo, as sharp users resize it, within 1 of the CPU', async () => {
  requireGpu();
  const { data, width, height } = await photoRgb();
  for (const [ow, oh] of [[1362, 1112], [1000, 800], [800, 600]]) {
    const r = await both(data, width, height, 3, (i) => i.resize(ow, oh));
    assert.ok(r.max <= 1, `${ow}x${oh}: max diff ${r.max}`);
  }
});
