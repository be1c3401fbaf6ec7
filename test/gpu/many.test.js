// Many sizes from one decode on the GPU (toBuffers, src/pipeline/multi.c):
// - JPEG input: the GPU set. One nvJPEG decode for the whole set, every output resized on the
//   device from it or chained from a larger output there, JPEG outputs encoded there. Against
//   separate GPU calls (which decode the same way): unchained outputs within 1, chained ones
//   >= 40 dB; against the CPU set >= 35 dB. Outputs that are no plain resize take the CPU's
//   shared decode beside it. A fault in the set's batch falls back per output, nothing lost.
// - Other input (the alpha PNG), or GPU_RESIZE_GPU_DECODE=0: one CPU decode, every resize on
//   the GPU, equal to the CPU set within 1 with the same chaining decisions.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  sharp, oracle, readImage, PHOTO, PNG_RGBA, requireGpu, withEnv, compare, assertNoProblems, counters,
  countersDelta, maxAbsDiff
} = require('./helpers');
const { psnr } = require('../js/helpers');
const native = require('../../js/native');

process.env.GPU_RESIZE_GPU_DECODE = '1'; // on by default; set in case the caller's environment has 0
process.env.GPU_RESIZE_GPU_ENCODE = '1';

const SET = [1600, 800, 400, 200, 100].map((width) => ({ width, format: 'raw' }))
  .concat([{ width: 300, height: 300, fit: 'fill', kernel: 'mitchell', format: 'raw' }]);
const ALPHA_SET = [1024, 512, 256].map((width) => ({ width, format: 'raw' }));

function toBuffers (input, outputs, backend, env = {}) {
  return withEnv({ GPU_RESIZE_BACKEND: backend, ...env }, () => sharp(input).toBuffers(outputs));
}

function describe (outputs) {
  return outputs.map((o) => `${o.width}${o.height ? 'x' + o.height : ''}${o.kernel ? ' ' + o.kernel : ''}${o.format ? ' ' + o.format : ''}`);
}

// One output as a separate call: the same resize and format.
function separate (input, output) {
  const { format, quality, ...resize } = output;
  return sharp(input).resize(resize).toFormat(format, quality ? { quality } : {}).toBuffer({ resolveWithObject: true });
}

const pixels = (result) => result.info.format === 'raw'
  ? result.data
  : sharp(result.data).raw().toBuffer();

test('GPU set: the photo set decodes once on the GPU, every output resized there, chains as on the CPU', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const before = native.jpegBatches();
  const count0 = counters();
  const set = await toBuffers(input, SET, 'gpu');
  const after = native.jpegBatches();
  const delta = countersDelta(count0, counters());
  assert.equal(after.images - before.images, 1, 'one nvJPEG decode for the set');
  assert.equal(after.outputs - before.outputs, SET.length, 'every output resized from it');
  assert.equal(delta.gpu.requests, SET.length);
  assert.equal(delta.gpu.failures, 0);
  const labels = describe(SET);
  set.forEach(({ info }, i) => {
    assert.equal(info.backend, 'gpu', `${labels[i]}: ${info.fallbackReason || ''}`);
    assert.equal(info.gpuDecoded, true, labels[i]);
    assert.deepEqual(info.decoded, { width: 2725, height: 2225 }, `${labels[i]}: the full-size GPU decode`);
  });
  // Largest first: 800 from 1600, 400 from 800, 200 from 400, 100 from 200; 1600 and the
  // mitchell output (another kernel) from the decode
  const chained = set.map(({ info }) => info.resizedFrom.chained);
  assert.deepEqual(chained, [false, true, true, true, true, false]);
  assert.deepEqual(set[4].info.resizedFrom, { width: 200, height: 164, chained: true });
  // The CPU set decodes with shrink-on-load: the same sizes (200 wide is 200x164 there, and
  // in sharp, not the 163 of the full size alone), close pixels
  const onCpu = await toBuffers(input, SET, 'cpu');
  set.forEach(({ data, info }, i) => {
    assert.deepEqual([info.width, info.height, info.channels], [onCpu[i].info.width, onCpu[i].info.height, onCpu[i].info.channels]);
    const db = psnr(data, onCpu[i].data);
    assert.ok(db >= 35, `${labels[i]}: ${db.toFixed(2)} dB against the CPU set`);
  });
});

test('GPU set: against separate GPU calls, unchained outputs within 1 and chained ones >= 40 dB', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const outputs = SET.concat([{ width: 320, height: 320, format: 'jpeg', quality: 90 }]);
  const set = await toBuffers(input, outputs, 'gpu');
  const labels = describe(outputs);
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu' }, async () => {
    for (let i = 0; i < outputs.length; i++) {
      const one = await separate(input, outputs[i]);
      const { info } = set[i];
      assert.equal(one.info.gpuDecoded, true, `${labels[i]}: the separate call decoded on the GPU`);
      assert.deepEqual([info.format, info.width, info.height, info.channels], [one.info.format, one.info.width, one.info.height, one.info.channels]);
      const [a, b] = await Promise.all([pixels(set[i]), pixels(one)]);
      if (info.resizedFrom.chained) {
        const db = psnr(a, b);
        assert.ok(db >= 40, `${labels[i]}: ${db.toFixed(2)} dB against a separate call`);
      } else {
        const { max } = maxAbsDiff(a, b);
        assert.ok(max <= 1, `${labels[i]}: max diff ${max} against a separate call`);
      }
    }
  });
});

test('GPU set: JPEG outputs are encoded on the GPU, other formats from the GPU pixels; all >= 35 dB against sharp', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const outputs = [1920, 1280, 640, 320].map((width) => ({ width, format: 'jpeg', quality: 80 }))
    .concat([{ width: 480, format: 'png' }, { width: 400, format: 'webp' }]);
  const set = await toBuffers(input, outputs, 'gpu');
  const labels = describe(outputs);
  for (let i = 0; i < outputs.length; i++) {
    const { info } = set[i];
    assert.equal(info.backend, 'gpu', `${labels[i]}: ${info.fallbackReason || ''}`);
    assert.equal(info.format, outputs[i].format);
    assert.equal(info.gpuEncoded === true, outputs[i].format === 'jpeg', `${labels[i]}: gpuEncoded ${info.gpuEncoded}`);
    const { format, quality, ...resize } = outputs[i];
    const theirs = await oracle(input).resize(resize).toFormat(format, quality ? { quality } : {}).toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [theirs.info.width, theirs.info.height], labels[i]);
    const [a, b] = await Promise.all([pixels(set[i]), oracle(theirs.data).raw().toBuffer()]);
    const db = psnr(a, b);
    assert.ok(db >= 35, `${labels[i]}: ${db.toFixed(2)} dB against sharp`);
  }
});

test('GPU set: an output that is no plain resize takes the CPU decode beside the set', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  // withoutEnlargement past the image's size: no resize step, which the GPU does not claim
  const outputs = [{ width: 800, format: 'raw' }, { width: 4000, withoutEnlargement: true, format: 'raw' }, { width: 400, format: 'raw' }];
  const before = native.jpegBatches();
  const set = await toBuffers(input, outputs, 'gpu');
  const after = native.jpegBatches();
  assert.equal(after.images - before.images, 1);
  assert.equal(after.outputs - before.outputs, 2);
  assert.deepEqual(set.map(({ info }) => info.backend), ['gpu', 'cpu', 'gpu']);
  const onCpu = await toBuffers(input, outputs, 'cpu');
  assert.deepEqual(set[1].data, onCpu[1].data, 'the unresized output is the CPU set\'s');
  assert.deepEqual([set[1].info.width, set[1].info.height], [2725, 2225]);
});

test('GPU set: clones started together share one GPU decode, each as its toBuffers output', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const set = await toBuffers(input, [{ width: 1280, format: 'raw' }, { width: 640, format: 'raw' }, { width: 320, format: 'jpeg' }], 'gpu');
  const before = native.jpegBatches();
  const p = sharp(input);
  const together = await withEnv({ GPU_RESIZE_BACKEND: 'gpu' }, () => Promise.all([
    p.clone().resize(1280).raw().toBuffer({ resolveWithObject: true }),
    p.clone().resize(640).raw().toBuffer({ resolveWithObject: true }),
    p.clone().resize(320).jpeg().toBuffer({ resolveWithObject: true })
  ]));
  const after = native.jpegBatches();
  assert.equal(after.images - before.images, 1, 'one nvJPEG decode for the three clones');
  assert.equal(after.outputs - before.outputs, 3);
  for (const [i, { data, info }] of together.entries()) {
    assert.equal(info.backend, 'gpu', `clone ${i}: ${info.fallbackReason || ''}`);
    const [a, b] = await Promise.all([pixels({ data, info }), pixels(set[i])]);
    assert.ok(maxAbsDiff(a, b).max <= 1, `clone ${i} against the set's output`);
  }
});

test('GPU set: sizes follow each output\'s fastShrinkOnLoad, as separate GPU calls', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const outputs = [{ width: 200, fastShrinkOnLoad: false, format: 'raw' }, { width: 200, format: 'raw' }];
  const set = await toBuffers(input, outputs, 'gpu');
  assert.deepEqual(set.map(({ info }) => [info.backend, info.width, info.height]), [['gpu', 200, 163], ['gpu', 200, 164]]);
  await withEnv({ GPU_RESIZE_BACKEND: 'gpu' }, async () => {
    for (let i = 0; i < outputs.length; i++) {
      const one = await separate(input, outputs[i]);
      assert.ok(maxAbsDiff(set[i].data, one.data).max <= 1, `output ${i} against its separate call`);
    }
  });
});

test('GPU set: concurrent sets and single requests each get their own results', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const outputs = [1280, 640, 320].map((width) => ({ width, format: 'jpeg', quality: 80 }))
    .concat([{ width: 500, height: 500, format: 'raw' }]);
  const lone = await toBuffers(input, outputs, 'gpu');
  const loneSingle = await withEnv({ GPU_RESIZE_BACKEND: 'gpu' }, () => separate(input, { width: 720, format: 'raw' }));
  const results = await withEnv({ GPU_RESIZE_BACKEND: 'gpu' }, () => Promise.all(
    Array.from({ length: 48 }, (_, i) => i % 3 === 2
      ? separate(input, { width: 720, format: 'raw' })
      : sharp(input).toBuffers(outputs))));
  for (const [i, result] of results.entries()) {
    if (i % 3 === 2) {
      assert.equal(result.info.backend, 'gpu');
      assert.ok(maxAbsDiff(result.data, loneSingle.data).max <= 1, `request ${i}`);
      continue;
    }
    for (let k = 0; k < outputs.length; k++) {
      assert.equal(result[k].info.backend, 'gpu', `set ${i} output ${k}`);
      const [a, b] = await Promise.all([pixels(result[k]), pixels(lone[k])]);
      if (outputs[k].format === 'raw') {
        assert.ok(maxAbsDiff(a, b).max <= 1, `set ${i} output ${k} differs from the lone set`);
      } else {
        // A JPEG below 1 Mpixel is GPU-encoded or CPU-encoded by its place in the batch
        const db = psnr(a, b);
        assert.ok(db >= 40, `set ${i} output ${k}: ${db.toFixed(2)} dB against the lone set`);
      }
    }
  }
});

test('GPU set: a fault in its batch falls back per output to the CPU set\'s pixels, nothing lost', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const reference = await toBuffers(input, SET, 'cpu');
  const gpuSet = await toBuffers(input, SET, 'gpu');
  for (const step of ['nvjpeg', 'launch']) {
    const count0 = counters();
    const faulty = await toBuffers(input, SET, 'gpu', { GPU_RESIZE_FAULT: step });
    const delta = countersDelta(count0, counters());
    assert.equal(delta.gpu.failures, SET.length, `${step}: every output counts a GPU failure`);
    faulty.forEach(({ data, info }, i) => {
      assert.equal(info.backend, 'cpu', `${step} output ${i}`);
      assert.match(info.fallbackReason, new RegExp(`injected fault: ${step}`));
      assert.deepEqual(data, reference[i].data, `${step} output ${i}: the CPU set's pixels`);
    });
  }
  // Half the resizes failing (a chained output fails with its source): every output comes
  // back, the GPU ones as in the GPU set, the CPU ones close to the CPU set
  const mixed = await toBuffers(input, SET, 'gpu', { GPU_RESIZE_FAULT: 'launch:0.5' });
  mixed.forEach(({ data, info }, i) => {
    if (info.backend === 'gpu') {
      assert.ok(maxAbsDiff(data, gpuSet[i].data).max <= 1, `launch:0.5 output ${i} (gpu)`);
    } else {
      assert.equal(info.backend, 'cpu');
      const db = psnr(data, reference[i].data);
      assert.ok(db >= 40, `launch:0.5 output ${i} (cpu): ${db.toFixed(2)} dB`);
    }
  });
  const after = await toBuffers(input, SET, 'gpu');
  assert.ok(after.every(({ info }) => info.backend === 'gpu' && info.gpuDecoded), 'GPU again once the fault is gone');
});

test('many on the GPU from a CPU decode: the alpha set and the photo (GPU decode off) equal the CPU set within 1, chains included', async () => {
  requireGpu();
  for (const [name, outputs] of [[PHOTO, SET], [PNG_RGBA, ALPHA_SET]]) {
    const input = readImage(name);
    const before = counters();
    const onGpu = await toBuffers(input, outputs, 'gpu', { GPU_RESIZE_GPU_DECODE: '0' });
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
      assert.equal(onGpu[4].info.resizedFrom.chained, true);
    } else {
      // Alpha never chains (an 8-bit intermediate loses the colour under low alpha)
      assert.ok(onGpu.every(({ info }) => info.resizedFrom.chained === false));
    }
  }
});

test('many on the GPU from a CPU decode: an injected fault falls back to the CPU per output, nothing lost', async () => {
  requireGpu();
  const input = readImage(PHOTO);
  const env = { GPU_RESIZE_GPU_DECODE: '0' };
  const reference = await toBuffers(input, SET, 'cpu');
  for (const step of ['alloc', 'copy', 'launch']) {
    const faulty = await toBuffers(input, SET, 'gpu', { ...env, GPU_RESIZE_FAULT: step });
    faulty.forEach(({ data, info }, i) => {
      assert.equal(info.backend, 'cpu', `${step} output ${i}`);
      assert.match(info.fallbackReason, new RegExp(`injected fault: ${step}`));
      assert.deepEqual(data, reference[i].data, `${step} output ${i}: the CPU's pixels`);
    });
  }
  const mixed = await toBuffers(input, SET, 'gpu', { ...env, GPU_RESIZE_FAULT: 'launch:0.5' });
  mixed.forEach(({ data }, i) => {
    const { max } = maxAbsDiff(data, reference[i].data);
    assert.ok(max <= 1, `launch:0.5 output ${i}: max diff ${max}`);
  });
});
