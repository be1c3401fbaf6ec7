// sharp.pinnedBuffer / pinnedMemory where no GPU is usable (CI): sharp-style validation, a plain
// zero-filled Buffer that works as any other input, and figures that stay at zero. The GPU side
// (direct uploads, reuse) is test/gpu/pinned.test.js.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { gpu: sharp } = require('./helpers');

const gpuAvailable = () => sharp.backends().gpu.available;

test('pinnedBuffer: size is validated as sharp validates', () => {
  for (const bad of [0, -1, 1.5, '10', null, undefined, NaN, 2 ** 53]) {
    assert.throws(() => sharp.pinnedBuffer(bad), /^Error: Expected integer between 1 and \d+ for size but received /, String(bad));
  }
});

test('pinnedBuffer: without a GPU, a plain zero-filled Buffer that resizes like any other', { skip: gpuAvailable() && 'a GPU is present: see test/gpu/pinned.test.js' }, async () => {
  const b = sharp.pinnedBuffer(64 * 48 * 3);
  assert.ok(Buffer.isBuffer(b));
  assert.equal(b.length, 64 * 48 * 3);
  assert.ok(b.every((v) => v === 0));
  for (let i = 0; i < b.length; i++) b[i] = (i * 7) & 255;
  const raw = { raw: { width: 64, height: 48, channels: 3 } };
  const a = await sharp(b, raw).resize(20, 15).raw().toBuffer();
  const plain = await sharp(Buffer.from(b), raw).resize(20, 15).raw().toBuffer();
  assert.ok(a.equals(plain));
  assert.deepEqual(sharp.pinnedMemory(), { buffers: 0, bytes: 0, cachedBuffers: 0, cachedBytes: 0, directUploads: 0 });
});
