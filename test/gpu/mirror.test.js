// Mirrors after the resize folded into the GPU resize (native.c fold_post_mirrors): flip, flop
// and 180-degree rotations reverse the filter tables, so the GPU writes the mirror image and no
// host pass follows. Crops (fit cover) and extracts after the resize slice the tables
// (fold_post_crop): the GPU computes only what is kept. The pixels must be the CPU path's byte for byte (it mirrors after the
// resize); a 90-degree turn is not folded and must still be right; a GPU-decoded JPEG with a
// mirror is still encoded on the GPU.
'use strict';

// Byte-for-byte checks need the bit-exact kernels: the tensor-core kernel (RGB and grey
// reductions, test/gpu/tensor.test.js) is within 1 of the CPU, not equal to it.
process.env.GPU_RESIZE_TENSOR = '0';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { sharp, oracle, requireGpu, withEnv, synth, rawOptions, readImage, PHOTO } = require('./helpers');
const { psnr } = require('../js/helpers');

const OPS = {
  flip: (i) => i.flip(),
  flop: (i) => i.flop(),
  'flip+flop': (i) => i.flip().flop(),
  'rotate 180': (i) => i.rotate(180),
  'rotate 180 + flop': (i) => i.rotate(180).flop(),
  'flip + rotate 90 (not folded)': (i) => i.flip().rotate(90),
  'flop + extract': (i) => i.flop().extract({ left: 3, top: 5, width: 40, height: 30 }),
  extract: (i) => i.extract({ left: 7, top: 2, width: 33, height: 41 })
};

const CASES = [
  ['RGB down, fused', 1200, 800, 3, 300, 200],
  ['RGBA up, two-pass', 200, 150, 4, 500, 301],
  ['grey down', 640, 480, 1, 161, 121],
  ['RGB 4K -> 1080p', 3840, 2160, 3, 1920, 1080]
];

for (const [name, w, h, c, ow, oh] of CASES) {
  test(`mirror: ${name}: GPU with folded mirrors equals the CPU byte for byte`, async () => {
    requireGpu();
    const input = synth(w, h, c, w + h);
    for (const [opName, op] of Object.entries(OPS)) {
      const run = (backend) => withEnv({ GPU_RESIZE_BACKEND: backend, GPU_RESIZE_FAULT: undefined }, () =>
        op(sharp(input, rawOptions(w, h, c)).resize(ow, oh, { fit: 'fill' })).raw().toBuffer({ resolveWithObject: true }));
      const gpu = await run('gpu');
      const cpu = await run('cpu');
      assert.equal(gpu.info.backend, 'gpu', `${opName}: ran on ${gpu.info.backend}: ${gpu.info.fallbackReason}`);
      assert.equal(cpu.info.backend, 'cpu');
      assert.deepEqual([gpu.info.width, gpu.info.height], [cpu.info.width, cpu.info.height], opName);
      assert.ok(gpu.data.equals(cpu.data), `${name}, ${opName}: GPU and CPU differ`);
    }
  });
}

test('mirror: crops (fit cover, every position) and mirrors together: GPU equals the CPU byte for byte', async () => {
  requireGpu();
  const w = 1200, h = 800, c = 3;
  const input = synth(w, h, c, 77);
  for (const [ow, oh] of [[300, 300], [500, 200]]) {
    for (const position of ['centre', 'left', 'right top', 'south']) {
      for (const [opName, op] of [['', (i) => i], ['flop', (i) => i.flop()], ['rotate 180', (i) => i.rotate(180)],
        ['extract', (i) => i.extract({ left: 1, top: 2, width: 50, height: 60 })]]) {
        const run = (backend) => withEnv({ GPU_RESIZE_BACKEND: backend, GPU_RESIZE_FAULT: undefined }, () =>
          op(sharp(input, rawOptions(w, h, c)).resize(ow, oh, { fit: 'cover', position })).raw().toBuffer({ resolveWithObject: true }));
        const gpu = await run('gpu');
        const cpu = await run('cpu');
        const label = `${ow}x${oh} ${position} ${opName}`;
        assert.equal(gpu.info.backend, 'gpu', label);
        assert.deepEqual([gpu.info.width, gpu.info.height], [cpu.info.width, cpu.info.height], label);
        assert.ok(gpu.data.equals(cpu.data), `${label}: GPU and CPU differ`);
      }
    }
  }
});

/** Mirrors packed pixels (width x height x channels) up-down and/or left-right. */
function mirror (data, width, height, channels, flip, flop) {
  const out = Buffer.alloc(data.length);
  for (let y = 0; y < height; y++) {
    const sy = flip ? height - 1 - y : y;
    for (let x = 0; x < width; x++) {
      const sx = flop ? width - 1 - x : x;
      data.copy(out, (y * width + x) * channels, (sy * width + sx) * channels, (sy * width + sx + 1) * channels);
    }
  }
  return out;
}

test('mirror: a GPU-decoded JPEG with flip/flop is the mirror of the same call without, byte for byte', async () => {
  requireGpu();
  const photo = readImage(PHOTO);
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined, GPU_RESIZE_GPU_DECODE: undefined }, async () => {
    const plain = await sharp(photo).resize(720).raw().toBuffer({ resolveWithObject: true });
    assert.equal(plain.info.gpuDecoded, true, `not GPU-decoded: ${plain.info.fallbackReason}`);
    const { width, height, channels } = plain.info;
    for (const [flip, flop] of [[1, 0], [0, 1], [1, 1]]) {
      let img = sharp(photo).resize(720);
      if (flip) img = img.flip();
      if (flop) img = img.flop();
      const got = await img.raw().toBuffer({ resolveWithObject: true });
      assert.equal(got.info.gpuDecoded, true);
      assert.ok(got.data.equals(mirror(plain.data, width, height, channels, flip, flop)), `flip ${flip} flop ${flop}`);
    }
  });
});

test('mirror: a GPU-decoded JPEG with flop or rotate(180) is still encoded on the GPU, close to sharp', async () => {
  requireGpu();
  const photo = readImage(PHOTO);
  for (const [opName, op] of [['flop', (i) => i.flop()], ['rotate 180', (i) => i.rotate(180)], ['flip', (i) => i.flip()]]) {
    const got = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined, GPU_RESIZE_GPU_ENCODE: undefined }, () =>
      op(sharp(photo).resize(720, 588)).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true }));
    assert.equal(got.info.gpuEncoded, true, `${opName}: not GPU-encoded: ${got.info.fallbackReason}`);
    const ref = await op(oracle(photo).resize(720, 588)).jpeg({ quality: 80 }).toBuffer();
    const a = await oracle(got.data).raw().toBuffer();
    const b = await oracle(ref).raw().toBuffer();
    const db = psnr(a, b);
    assert.ok(db >= 35, `${opName}: PSNR ${db.toFixed(2)} dB against sharp`);
  }
});

test('mirror: EXIF orientation 3 (a 180-degree turn) with rotate() is folded too', async () => {
  requireGpu();
  const tagged = await oracle(readImage(PHOTO)).resize(1600).jpeg({ quality: 90 }).withMetadata({ orientation: 3 }).toBuffer();
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined, GPU_RESIZE_GPU_DECODE: undefined }, async () => {
    const plain = await sharp(tagged).resize(500).raw().toBuffer({ resolveWithObject: true });
    const turned = await sharp(tagged).rotate().resize(500).raw().toBuffer({ resolveWithObject: true });
    assert.equal(turned.info.gpuDecoded, true, `not GPU-decoded: ${turned.info.fallbackReason}`);
    const { width, height, channels } = plain.info;
    assert.deepEqual([turned.info.width, turned.info.height], [width, height]);
    assert.ok(turned.data.equals(mirror(plain.data, width, height, channels, 1, 1)));
  });
});
