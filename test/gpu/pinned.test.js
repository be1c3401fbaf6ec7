// sharp.pinnedBuffer: raw input in page-locked memory goes up to the GPU straight from the
// caller's Buffer (no staging copy). Checks that the direct path runs (pinnedMemory().
// directUploads), gives the pixels of the same input in a plain Buffer, survives a GPU fault (the
// CPU reads the pinned Buffer) and concurrency, and that collected buffers are reused.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const { sharp, requireGpu, withEnv, synth, rawOptions } = require('./helpers');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

function pinnedCopy (data) {
  const b = sharp.pinnedBuffer(data.length);
  data.copy(b);
  return b;
}

const resize = (input, w, h, c, ow, oh) => sharp(input, rawOptions(w, h, c)).resize(ow, oh, { fit: 'fill' }).raw()
  .toBuffer({ resolveWithObject: true });

test('pinned: a pinned Buffer is page-locked, zero-filled and counted', () => {
  requireGpu();
  const before = sharp.pinnedMemory();
  const b = sharp.pinnedBuffer(1000003);
  assert.ok(Buffer.isBuffer(b));
  assert.equal(b.length, 1000003);
  assert.ok(b.every((v) => v === 0));
  const after = sharp.pinnedMemory();
  assert.equal(after.buffers, before.buffers + 1, JSON.stringify({ before, after }));
  assert.ok(after.bytes >= before.bytes + 1000003);
});

test('pinned: raw input goes up straight from the pinned Buffer, with the plain Buffer\'s pixels', async () => {
  requireGpu();
  for (const [w, h, c, ow, oh] of [[3840, 2160, 3, 1920, 1080], [1001, 657, 4, 333, 500], [640, 480, 1, 1280, 960]]) {
    const plain = synth(w, h, c, w);
    const pinned = pinnedCopy(plain);
    await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined }, async () => {
      const before = sharp.pinnedMemory().directUploads;
      const a = await resize(pinned, w, h, c, ow, oh);
      assert.equal(sharp.pinnedMemory().directUploads, before + 1, `${w}x${h}x${c}: not a direct upload`);
      const b = await resize(plain, w, h, c, ow, oh);
      assert.equal(sharp.pinnedMemory().directUploads, before + 1, 'a plain Buffer counted as direct');
      assert.equal(a.info.backend, 'gpu');
      assert.equal(b.info.backend, 'gpu');
      assert.ok(a.data.equals(b.data), `${w}x${h}x${c}: pinned and plain inputs differ`);
    });
  }
});

test('pinned: a view into a pinned Buffer (subarray) is direct too, and equals the plain copy', async () => {
  requireGpu();
  const w = 777, h = 555, c = 3;
  const plain = synth(w, h, c, 5);
  const big = sharp.pinnedBuffer(plain.length + 4096);
  plain.copy(big, 123);
  const view = big.subarray(123, 123 + plain.length);
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined }, async () => {
    const before = sharp.pinnedMemory().directUploads;
    const a = await resize(view, w, h, c, 300, 200);
    const b = await resize(plain, w, h, c, 300, 200);
    assert.equal(sharp.pinnedMemory().directUploads, before + 1);
    assert.ok(a.data.equals(b.data));
  });
});

test('pinned: a GPU fault falls back to the CPU, which reads the pinned Buffer', async () => {
  requireGpu();
  const w = 1200, h = 800, c = 3;
  const plain = synth(w, h, c, 9);
  const pinned = pinnedCopy(plain);
  const cpu = await withEnv({ GPU_RESIZE_BACKEND: 'cpu', GPU_RESIZE_FAULT: undefined }, () => resize(plain, w, h, c, 600, 400));
  for (const fault of ['launch', 'copy', 'alloc']) {
    const got = await withEnv({ GPU_RESIZE_BACKEND: undefined, GPU_RESIZE_GPU_MIN_PIXELS: undefined, GPU_RESIZE_FAULT: fault },
      () => resize(pinned, w, h, c, 600, 400));
    assert.equal(got.info.backend, 'cpu', `${fault}: ran on ${got.info.backend}`);
    assert.ok(got.data.equals(cpu.data), `${fault}: the fallback's pixels differ from the CPU's`);
  }
});

test('pinned: 32 concurrent requests on 8 pinned Buffers each give their plain input\'s pixels', async () => {
  requireGpu();
  const w = 1920, h = 1080, c = 3;
  const plains = Array.from({ length: 8 }, (_, i) => synth(w, h, c, 100 + i));
  const pinneds = plains.map(pinnedCopy);
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined }, async () => {
    const refs = await Promise.all(plains.map((p) => resize(p, w, h, c, 960, 540)));
    const before = sharp.pinnedMemory().directUploads;
    const got = await Promise.all(Array.from({ length: 32 }, (_, i) => resize(pinneds[i % 8], w, h, c, 960, 540)));
    assert.equal(sharp.pinnedMemory().directUploads, before + 32);
    got.forEach((g, i) => assert.ok(g.data.equals(refs[i % 8].data), `request ${i} differs`));
  });
});

test('pinned: a collected pinned Buffer is kept and handed out again', async () => {
  requireGpu();
  const size = 7 * 1024 * 1024 + 5;
  for (let i = 0; i < 3; i++) { // the earlier tests' buffers first
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  let b = sharp.pinnedBuffer(size);
  b[0] = 1;
  const live = sharp.pinnedMemory();
  b = null;
  for (let i = 0; i < 10 && sharp.pinnedMemory().buffers >= live.buffers; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const freed = sharp.pinnedMemory();
  assert.ok(freed.buffers <= live.buffers - 1, `not collected: ${JSON.stringify({ live, freed })}`);
  assert.ok(freed.cachedBuffers >= 1);
  const again = sharp.pinnedBuffer(size);
  const reused = sharp.pinnedMemory();
  assert.equal(reused.cachedBuffers, freed.cachedBuffers - 1, 'the cached block was not reused');
  assert.equal(again[0], 0, 'a reused block is zero-filled again');
});
