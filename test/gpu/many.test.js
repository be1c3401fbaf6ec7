// Many sizes from one decode on the GPU (toBuffers, src/pipeline/multi.c): every output and
// every chained step resizes on the GPU, the set equals the same set on the CPU within 1 per
// channel (same chaining decisions), matches separate GPU calls, and a GPU fault falls back to
// the CPU per output without losing one.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  sharp, readImage, PHOTO, PNG_RGBA, requireGpu, withEnv, compare, assertNoProblems, counters,
  countersDelta, maxAbsDiff
} = require('./helpers');
const { psnr } = require('../js/helpers');

const SET = [1600, 800, 400, 200, 100].map((width) => ({ width, format: 'raw' }))
  .concat([{ width: 300, height: 300, fit: 'fill', kernel: 'mitchell', format: 'raw' }]);
const ALPHA_SET = [1024, 512, 256].map((width) => ({ width, format: 'raw' }));

function toBuffers (input, outputs, backend, env = {}) {
  return withEnv({ GPU_RESIZE_BACKEND: backend, ...env }, () => sharp(input).toBuffers(outputs));
}

function describe (outputs) {
  return outputs.map((o) => `${o.width}${o.height ? 'x' + o.height : ''}${o.kernel ? ' ' + o.kernel : ''}`);
}

test('many on the GPU: the photo set and the alpha set equal the CPU set within 1, chains included', async () => {
  requireGpu();
  for (const [name, outputs] of [[PHOTO, SET], [PNG_RGBA, ALPHA_SET]]) {
    const input = readImage(name);
    const before = counters();
    const onGpu = await toBuffers(input, outputs, 'gpu');
    const delta = countersDelta(before, counters());
    const onCpu = await toBuffers(input, outputs, 'cpu');
    const labels = describe(outputs);
    const problems = [];
    onGpu.forEach((result, i) => {
      const { problem } = compare(`${name} ${labels[i]}`, result, onCpu[i]);
      if (problem) {
        problems.push(problem);
      }
      assert.deepEqual(result.info.resizedFrom, onCpu[i].info.resizedFrom, `${labels[i]}: same source as on the CPU`);
    });
    assertNoProblems(problems, outputs.length);
    // Every output and every area-averaged shrink-on-load image is a GPU request
    assert.ok(delta.gpu.requests >= outputs.length, `gpu requests ${delta.gpu.requests} for ${outputs.length} outputs`);
    assert.equal(delta.gpu.failures, 0);
    if (name === PHOTO) {
      // Some outputs chain from a larger one on the device path as on the CPU (100 from 200)
      assert.equal(onGpu[4].info.resizedFrom.chained, true);
    } else {
      // Alpha never chains (an 8-bit intermediate loses the colour under low alpha)
      assert.ok(onGpu.every(({ info }) => info.resizedFrom.chained === false));
    }
  }
});

// The separate calls decode on the CPU as the set's shared decode does (with shrink-on-load); a
// separate call decoded by nvJPEG at full size lands at 39 dB for the 800 output.
test('many on the GPU: against separate GPU calls that decode on the CPU (same sizes, >= 40 dB)', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const outputs = SET.concat([{ width: 320, height: 320, format: 'jpeg', quality: 90 }]);
  const many = await toBuffers(input, outputs, 'gpu');
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_GPU_DECODE: '0' }, async () => {
    for (let i = 0; i < outputs.length; i++) {
      const { format, quality, ...resize } = outputs[i];
      const one = await sharp(input).resize(resize).toFormat(format, quality ? { quality } : {}).toBuffer({ resolveWithObject: true });
      const { info } = many[i];
      assert.equal(info.backend, 'gpu', `output ${i}: ${info.fallbackReason || ''}`);
      assert.deepEqual([info.format, info.width, info.height, info.channels], [one.info.format, one.info.width, one.info.height, one.info.channels]);
      const [a, b] = format === 'raw'
        ? [many[i].data, one.data]
        : await Promise.all([many[i].data, one.data].map((d) => sharp(d).raw().toBuffer()));
      const db = psnr(a, b);
      assert.ok(db >= 40, `output ${i} (${info.width}x${info.height} ${format}): ${db.toFixed(2)} dB against a separate call`);
    }
  });
});

test('many on the GPU: an injected fault falls back to the CPU per output, nothing lost', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const reference = await toBuffers(input, SET, 'cpu');
  for (const step of ['alloc', 'copy', 'launch']) {
    const faulty = await toBuffers(input, SET, 'gpu', { GPU_RESIZE_FAULT: step });
    faulty.forEach(({ data, info }, i) => {
      assert.equal(info.backend, 'cpu', `${step} output ${i}`);
      assert.match(info.fallbackReason, new RegExp(`injected fault: ${step}`));
      assert.deepEqual(data, reference[i].data, `${step} output ${i}: the CPU's pixels`);
    });
  }
  // Half the GPU steps failing: every output still comes back, from either backend, within 1
  const mixed = await toBuffers(input, SET, 'gpu', { GPU_RESIZE_FAULT: 'launch:0.5' });
  mixed.forEach(({ data }, i) => {
    const { max } = maxAbsDiff(data, reference[i].data);
    assert.ok(max <= 1, `launch:0.5 output ${i}: max diff ${max}`);
  });
  const after = await toBuffers(input, SET, 'gpu');
  assert.ok(after.every(({ info }) => info.backend === 'gpu'), 'GPU again once the fault is gone');
});
