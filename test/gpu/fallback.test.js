// GPU failure handling with fault injection (GPU_RESIZE_FAULT=alloc|launch|copy[:rate], read by
// src/gpu/runtime.c on every GPU request): a failing GPU request falls back to the CPU within the
// same request (info.backend 'cpu', info.fallbackReason naming the injected fault), is counted in
// backends().gpu.failures, does not make the GPU unhealthy, and once the variable is removed the
// next requests run on the GPU again. With launch:0.5, 200 concurrent requests all resolve, split
// between GPU and CPU, with outputs equal (within 1) to a CPU run.
'use strict';

// The GPU resize against the CPU path on the same decoded pixels: JPEG input decodes on the CPU
// in this file (the nvJPEG path has its own tests in jpeg.test.js). Read per request by the C side.
process.env.GPU_RESIZE_GPU_DECODE = '0'; // these compare the GPU resize with the CPU's bit for bit: JPEG decodes on the CPU

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  sharp, image, PHOTO, PNG_RGBA, requireGpu, withEnv, runJob, runBatch, maxAbsDiff, synth,
  rawOptions, counters, countersDelta
} = require('./helpers');

const STEPS = ['alloc', 'copy', 'launch'];

/** A mix of inputs and outputs, each with a resize step and known output shape. */
function makeJobs () {
  const rgb = synth(640, 480, 3, 11);
  const rgba = synth(517, 389, 4, 12);
  const grey = synth(401, 301, 1, 13);
  return [
    { label: 'raw RGB fill', input: rgb, options: rawOptions(640, 480, 3), build: (img) => img.resize(200, 150, { fit: 'fill' }).raw(), expect: { format: 'raw', width: 200, height: 150, channels: 3 } },
    { label: 'raw RGBA cover', input: rgba, options: rawOptions(517, 389, 4), build: (img) => img.resize(300, 200).raw(), expect: { format: 'raw', width: 300, height: 200, channels: 4 } },
    { label: 'raw grey up', input: grey, options: rawOptions(401, 301, 1), build: (img) => img.resize(800, 600, { fit: 'fill', kernel: 'cubic' }).raw(), expect: { format: 'raw', width: 800, height: 600, channels: 3 } },
    { label: 'jpeg photo', input: image(PHOTO), build: (img) => img.resize(320, 240).jpeg(), expect: { format: 'jpeg', width: 320, height: 240, channels: 3 } },
    { label: 'png rgba', input: image(PNG_RGBA), build: (img) => img.resize(256, 192).png(), expect: { format: 'png', width: 256, height: 192, channels: 4 } },
    { label: 'webp', input: image('4.webp'), build: (img) => img.resize(300, 226, { fit: 'fill', fastShrinkOnLoad: false }).webp(), expect: { format: 'webp', width: 300, height: 226, channels: 3 } }
  ];
}

function assertShape (job, { data, info }) {
  const { format, width, height, channels } = info;
  assert.deepEqual({ format, width, height, channels }, job.expect, `${job.label}: output shape`);
  if (format === 'raw') {
    assert.equal(data.length, width * height * channels, `${job.label}: raw length`);
  } else {
    assert.ok(data.length > 0, `${job.label}: empty output`);
  }
}

/** Runs the jobs concurrently under env; every one must resolve. */
async function runAll (jobs, env) {
  return withEnv(env, async () => {
    const settled = await Promise.allSettled(jobs.map(runJob));
    const rejected = settled
      .map((s, i) => (s.status === 'rejected' ? `${jobs[i].label}: ${s.reason && s.reason.message}` : null))
      .filter(Boolean);
    assert.deepEqual(rejected, [], `${rejected.length} of ${jobs.length} requests rejected`);
    return settled.map((s) => s.value);
  });
}

for (const step of STEPS) {
  test(`fallback: GPU_RESIZE_FAULT=${step} -> every request resolves on cpu, counted, then gpu again`, async (t) => {
    requireGpu();
    const jobs = makeJobs();
    const reason = new RegExp(`gpu: .*injected fault: ${step}`);

    // Forced GPU: the GPU attempt fails, the CPU finishes the request.
    let before = counters();
    const forced = await runAll(jobs, { GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: step });
    let delta = countersDelta(before, counters());
    forced.forEach((r, i) => {
      assertShape(jobs[i], r);
      assert.equal(r.info.backend, 'cpu', `${jobs[i].label}: backend ${r.info.backend}`);
      assert.match(String(r.info.fallbackReason), reason, `${jobs[i].label}: fallbackReason`);
    });
    assert.equal(delta.gpu.failures, jobs.length, `gpu.failures delta: ${JSON.stringify(delta)}`);
    assert.equal(delta.gpu.requests, 0, `gpu.requests delta: ${JSON.stringify(delta)}`);
    assert.equal(delta.cpu.requests, jobs.length, `cpu.requests delta: ${JSON.stringify(delta)}`);
    t.diagnostic(`forced gpu, fault ${step}: fallbackReason '${forced[0].info.fallbackReason}'`);

    // Explicit rate 1 and auto mode (every image qualifies with GPU_RESIZE_GPU_MIN_PIXELS=0).
    before = counters();
    const auto = await runAll(jobs, { GPU_RESIZE_BACKEND: undefined, GPU_RESIZE_GPU_MIN_PIXELS: '0', GPU_RESIZE_FAULT: `${step}:1` });
    delta = countersDelta(before, counters());
    auto.forEach((r, i) => {
      assertShape(jobs[i], r);
      assert.equal(r.info.backend, 'cpu', `auto ${jobs[i].label}: backend ${r.info.backend}`);
      assert.match(String(r.info.fallbackReason), reason, `auto ${jobs[i].label}: fallbackReason`);
    });
    assert.equal(delta.gpu.failures, jobs.length, `auto gpu.failures delta: ${JSON.stringify(delta)}`);
    assert.equal(delta.cpu.requests, jobs.length, `auto cpu.requests delta: ${JSON.stringify(delta)}`);

    // Injected faults never affect the GPU's health.
    const gpu = sharp.backends().gpu;
    assert.equal(gpu.available, true, `GPU unavailable after injected faults: ${gpu.reason}`);

    // Fault removed: back on the GPU, no fallback, same pixels (within 1) as the CPU fallback.
    before = counters();
    const recovered = await runAll(jobs, { GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: undefined });
    delta = countersDelta(before, counters());
    recovered.forEach((r, i) => {
      assertShape(jobs[i], r);
      assert.equal(r.info.backend, 'gpu', `${jobs[i].label} after the fault: backend ${r.info.backend} (${r.info.fallbackReason})`);
      assert.equal(r.info.fallbackReason, undefined, `${jobs[i].label}: fallbackReason`);
      if (r.info.format === 'raw') {
        const d = maxAbsDiff(r.data, forced[i].data);
        assert.ok(d.max <= 1, `${jobs[i].label}: gpu vs cpu fallback max abs diff ${d.max}`);
      }
    });
    assert.equal(delta.gpu.requests, jobs.length, `gpu.requests delta: ${JSON.stringify(delta)}`);
    assert.equal(delta.gpu.failures, 0, `gpu.failures delta: ${JSON.stringify(delta)}`);
  });
}

test('fallback: a fault on a step other than the one injected does not fire; rate 0 never fires', async () => {
  requireGpu();
  const jobs = makeJobs();
  for (const fault of ['launch:0', 'alloc:0', 'nosuchstep']) {
    const before = counters();
    const results = await runAll(jobs, { GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: fault });
    const delta = countersDelta(before, counters());
    results.forEach((r, i) => {
      assertShape(jobs[i], r);
      assert.equal(r.info.backend, 'gpu', `${fault} ${jobs[i].label}: backend ${r.info.backend} (${r.info.fallbackReason})`);
    });
    assert.equal(delta.gpu.failures, 0, `${fault}: gpu.failures delta ${JSON.stringify(delta)}`);
  }
});

test('fallback: a request without a resize step is declined by the GPU (skipped, not a failure)', async () => {
  requireGpu();
  const before = counters();
  const [r] = await runAll([{
    label: 'no resize',
    input: synth(64, 48, 3),
    options: rawOptions(64, 48, 3),
    build: (img) => img.rotate(90).raw(),
    expect: { format: 'raw', width: 48, height: 64, channels: 3 }
  }], { GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: 'launch' });
  const delta = countersDelta(before, counters());
  assert.deepEqual([r.info.width, r.info.height], [48, 64]);
  assert.equal(r.info.backend, 'cpu');
  assert.match(String(r.info.fallbackReason), /no resize step/);
  assert.equal(delta.gpu.failures, 0, JSON.stringify(delta));
  assert.equal(delta.gpu.skipped, 1, JSON.stringify(delta));
  assert.equal(delta.cpu.requests, 1, JSON.stringify(delta));
});

test('fallback: a WebP downscale done wholly by libwebp\'s rescaler (shrink-on-load, as sharp) is declined by the GPU', async () => {
  requireGpu();
  const before = counters();
  const [r] = await runAll([{
    label: 'webp shrink-on-load',
    input: image('4.webp'),
    build: (img) => img.resize(512, 386).webp(),
    expect: { format: 'webp', width: 512, height: 386, channels: 3 }
  }], { GPU_RESIZE_BACKEND: 'gpu' });
  const delta = countersDelta(before, counters());
  assert.equal(r.info.backend, 'cpu');
  assert.match(String(r.info.fallbackReason), /no resize step/);
  assert.equal(delta.gpu.skipped, 1, JSON.stringify(delta));
  assert.equal(delta.gpu.failures, 0, JSON.stringify(delta));
});

test('fallback: GPU_RESIZE_FAULT=launch:0.5, 200 concurrent requests split between gpu and cpu, outputs within 1 of a CPU run', async (t) => {
  requireGpu();
  const N = 200;
  const base = makeJobs().filter((j) => j.expect.format === 'raw');
  // CPU reference, one per distinct job.
  const reference = await runBatch(base, 'cpu');
  reference.forEach((r, i) => assert.equal(r.info.backend, 'cpu', `${base[i].label} reference`));

  const jobs = Array.from({ length: N }, (_, i) => base[i % base.length]);
  const before = counters();
  const results = await runAll(jobs, { GPU_RESIZE_BACKEND: 'gpu', GPU_RESIZE_FAULT: 'launch:0.5' });
  const delta = countersDelta(before, counters());

  let onGpu = 0;
  let onCpu = 0;
  let max = 0;
  results.forEach((r, i) => {
    const job = jobs[i];
    assertShape(job, r);
    if (r.info.backend === 'gpu') {
      onGpu++;
      assert.equal(r.info.fallbackReason, undefined, `request ${i}: gpu result with a fallbackReason`);
    } else {
      assert.equal(r.info.backend, 'cpu', `request ${i}: backend ${r.info.backend}`);
      onCpu++;
      assert.match(String(r.info.fallbackReason), /injected fault: launch/, `request ${i}: fallbackReason`);
    }
    const d = maxAbsDiff(r.data, reference[i % base.length].data);
    max = Math.max(max, d.max);
    assert.ok(d.max <= 1, `request ${i} (${job.label}, ${r.info.backend}): max abs diff ${d.max} vs CPU`);
  });
  t.diagnostic(`launch:0.5 -> ${onGpu} on gpu, ${onCpu} on cpu; max abs diff vs CPU ${max}`);
  assert.equal(onGpu + onCpu, N);
  assert.ok(onGpu > 0, 'no request ran on the GPU with launch:0.5');
  assert.ok(onCpu > 0, 'no request fell back to the CPU with launch:0.5');
  assert.equal(delta.gpu.requests, onGpu, `gpu.requests delta ${JSON.stringify(delta)}`);
  assert.equal(delta.gpu.failures, onCpu, `gpu.failures delta ${JSON.stringify(delta)}`);
  assert.equal(delta.cpu.requests, onCpu, `cpu.requests delta ${JSON.stringify(delta)}`);
  assert.equal(delta.vips.requests, 0, `vips.requests delta ${JSON.stringify(delta)}`);

  const gpu = sharp.backends().gpu;
  assert.equal(gpu.available, true, `GPU unavailable after injected faults: ${gpu.reason}`);
});
