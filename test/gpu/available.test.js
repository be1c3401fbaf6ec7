// The GPU suite needs a usable GPU: without one it FAILS (never skips) with the reason from
// backends().gpu.reason. Prints the device name and memory, and checks that a forced GPU request
// really runs on the GPU.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { sharp, requireGpu, withEnv, synth, rawOptions, counters, countersDelta } = require('./helpers');

test('gpu: backends().gpu.available is true', (t) => {
  const gpu = requireGpu();
  const gib = (gpu.memory / 2 ** 30).toFixed(1);
  const line = `GPU device: ${gpu.device} (${gib} GiB)`;
  console.log(line);
  t.diagnostic(line);
  assert.equal(typeof gpu.device, 'string');
  assert.ok(gpu.device.length > 0, 'backends().gpu.device is empty');
  assert.ok(gpu.memory > 0, `backends().gpu.memory is ${gpu.memory}`);
  assert.equal(gpu.reason, '', `an available GPU reports reason '${gpu.reason}'`);
});

test('gpu: a forced GPU request runs on the GPU and is counted', async () => {
  requireGpu();
  const before = counters();
  const { data, info } = await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined }, () =>
    sharp(synth(301, 207, 3), rawOptions(301, 207, 3)).resize(97, 55, { fit: 'fill' }).raw()
      .toBuffer({ resolveWithObject: true }));
  assert.equal(info.backend, 'gpu', `ran on ${info.backend}: ${info.fallbackReason}`);
  assert.equal(info.fallbackReason, undefined);
  assert.deepEqual([info.width, info.height, info.channels], [97, 55, 3]);
  assert.equal(data.length, 97 * 55 * 3);
  const delta = countersDelta(before, counters());
  assert.equal(delta.gpu.requests, 1, `gpu.requests delta ${JSON.stringify(delta)}`);
  assert.equal(delta.gpu.failures, 0);
  assert.equal(delta.cpu.requests, 0);
});

test('gpu: auto mode sends a large image to the GPU', async () => {
  requireGpu();
  const { info } = await withEnv({ GPU_RESIZE_BACKEND: undefined, GPU_RESIZE_GPU_MIN_PIXELS: undefined, GPU_RESIZE_FAULT: undefined }, () =>
    sharp(synth(640, 480, 3), rawOptions(640, 480, 3)).resize(200, 150).raw()
      .toBuffer({ resolveWithObject: true }));
  assert.equal(info.backend, 'gpu', `auto ran a 640x480 image on ${info.backend}: ${info.fallbackReason}`);
});
