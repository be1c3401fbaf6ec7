// Concurrency: 500 requests in flight at once, mixing JPEG/PNG/WebP/raw inputs of mixed sizes and
// raw/JPEG/PNG/WebP outputs, (1) forced onto the GPU, (2) in auto mode, (3) with the mode switched
// between 'gpu' and 'auto' while the requests run. Every request must resolve with the dimensions
// sharp gives for the same call, raw outputs must equal (within 1) a CPU run of the same call, and
// the backend counters must add up (gpu + cpu + vips requests delta == number of requests, one
// per result's info.backend, no failures).
'use strict';

// The GPU resize against the CPU path on the same decoded pixels: JPEG input decodes on the CPU
// in this file (the nvJPEG path has its own tests in jpeg.test.js). Read per request by the C side.
process.env.GPU_RESIZE_GPU_DECODE = '0'; // these compare the GPU resize with the CPU's bit for bit: JPEG decodes on the CPU

// At least 16 requests at once on the request pool (src/core/pool.c), so that many GPU requests
// really overlap. Read when the first request runs; this file runs in its own process.
process.env.GPU_RESIZE_WORKERS = process.env.GPU_RESIZE_WORKERS || '16';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  oracle, image, PHOTO, PNG_RGBA, requireGpu, withEnv, runJob, runBatch, maxAbsDiff, synth,
  rawOptions, counters, countersDelta
} = require('./helpers');

const N = 500;
const DEFAULT_MIN_PIXELS = 384 * 384; // auto mode: input pixels >= this go to the GPU (process.c)

let prepared = null;
/** The distinct requests, with sharp's output dimensions and a CPU reference for raw outputs. */
function prepare () {
  if (!prepared) {
    prepared = doPrepare();
    prepared.catch(() => { prepared = null; });
  }
  return prepared;
}

async function doPrepare () {
  // Derived encoded inputs, made with sharp (the oracle) so they do not depend on gpu-resize.
  const photo800 = await oracle(image(PHOTO)).resize(800, 653).jpeg({ quality: 90 }).toBuffer();
  const tinyJpeg = await oracle(image(PHOTO)).resize(200, 150).jpeg({ quality: 90 }).toBuffer();
  const tinyPng = await oracle(image(PNG_RGBA)).resize(120, 90).png().toBuffer();
  const raw = (w, h, c, seed) => ({ input: synth(w, h, c, seed), options: rawOptions(w, h, c), pixels: w * h });
  const file = (name, pixels) => ({ input: image(name), pixels });
  const buf = (input, pixels) => ({ input, pixels });

  const specs = [
    ['photo jpeg 2725x2225 -> 640x480 cover raw', file(PHOTO, 2725 * 2225), (i) => i.resize(640, 480).raw()],
    ['photo jpeg 2725x2225 -> inside 300x300 jpeg', file(PHOTO, 2725 * 2225), (i) => i.resize(300, 300, { fit: 'inside' }).jpeg()],
    ['photo jpeg 800x653 -> 1203x901 fill lanczos2 raw', buf(photo800, 800 * 653), (i) => i.resize(1203, 901, { fit: 'fill', kernel: 'lanczos2' }).raw()],
    ['photo jpeg 800x653 -> 257x193 contain png', buf(photo800, 800 * 653), (i) => i.resize(257, 193, { fit: 'contain' }).png()],
    ['tiny jpeg 200x150 -> 97x73 raw', buf(tinyJpeg, 200 * 150), (i) => i.resize(97, 73).raw()],
    ['jpeg 320x240 -> 640x480 mitchell jpeg', file('320x240.jpg', 320 * 240), (i) => i.resize(640, 480, { kernel: 'mitchell' }).jpeg()],
    // Non-sRGB ICC profile: converted to sRGB after a CPU decode, then resized natively.
    ['jpeg EXIF 6 + ICC -> rotate 200x300 raw', file('Landscape_6.jpg', 450 * 600), (i) => i.rotate().resize(200, 300).raw()],
    // CMYK: the native backends decline it (skipped, not failed), libvips runs it.
    ['jpeg CMYK 500x333 -> 200x150 raw', { ...file('Channel_digital_image_CMYK_color.jpg', 500 * 333), viaVips: true }, (i) => i.resize(200, 150).raw()],
    ['jpeg EXIF 1 600x450 -> 301x201 fill jpeg', file('Landscape_1.jpg', 600 * 450), (i) => i.rotate().resize(301, 201, { fit: 'fill' }).jpeg()],
    ['jpeg 1920x1080 -> inside 480x480 webp', file('flowers.jpeg', 1920 * 1080), (i) => i.resize(480, 480, { fit: 'inside' }).webp()],
    ['png RGBA 2048x1536 -> 512x384 fill png', file(PNG_RGBA, 2048 * 1536), (i) => i.resize(512, 384, { fit: 'fill' }).png()],
    ['png RGBA 2048x1536 -> 300x300 contain raw', file(PNG_RGBA, 2048 * 1536), (i) => i.resize(300, 300, { fit: 'contain' }).raw()],
    ['png RGB 1000x1000 -> 333x333 cubic raw', file('gradients-rgb8.png', 1000 * 1000), (i) => i.resize(333, 333, { kernel: 'cubic' }).raw()],
    ['png RGBA 120x90 -> 60x45 raw', buf(tinyPng, 120 * 90), (i) => i.resize(60, 45).raw()],
    ['webp 1024x772 -> 512x386 webp', file('4.webp', 1024 * 772), (i) => i.resize(512, 386, { fastShrinkOnLoad: false }).webp()],
    ['webp RGBA 300x300 -> 150x150 raw', file('5_webp_a.webp', 300 * 300), (i) => i.resize(150, 150, { fastShrinkOnLoad: false }).raw()],
    ['raw 1ch 64x48 -> 160x120 raw', raw(64, 48, 1, 21), (i) => i.resize(160, 120).raw()],
    ['raw 2ch 333x211 -> 111x70 fill png', raw(333, 211, 2, 22), (i) => i.resize(111, 70, { fit: 'fill' }).png()],
    ['raw 3ch 1531x997 -> 500x500 cover raw', raw(1531, 997, 3, 23), (i) => i.resize(500, 500).raw()],
    ['raw 4ch 640x480 -> 1280x960 nearest raw', raw(640, 480, 4, 24), (i) => i.resize(1280, 960, { kernel: 'nearest' }).raw()],
    ['raw 3ch 97x61 -> 31x19 linear raw', raw(97, 61, 3, 25), (i) => i.resize(31, 19, { kernel: 'linear' }).raw()],
    ['raw 4ch 255x255 -> outside 100x37 jpeg', raw(255, 255, 4, 26), (i) => i.resize(100, 37, { fit: 'outside' }).jpeg()],
    ['raw 3ch 256x256 -> 128x128 raw', raw(256, 256, 3, 27), (i) => i.resize(128, 128).raw()]
  ].map(([label, src, build]) => ({ label, input: src.input, options: src.options, pixels: src.pixels, viaVips: Boolean(src.viaVips), build }));

  // sharp's dimensions and format for each call.
  const expected = await Promise.all(specs.map((s) =>
    s.build(oracle(s.input, s.options)).toBuffer({ resolveWithObject: true }).then(({ info }) => info)));
  specs.forEach((s, i) => {
    s.expect = { format: expected[i].format, width: expected[i].width, height: expected[i].height };
  });
  // CPU reference of the same calls (not concurrent with anything else).
  const reference = await runBatch(specs, 'cpu', { GPU_RESIZE_FAULT: undefined });
  specs.forEach((s, i) => {
    const want = s.viaVips ? 'vips' : 'cpu';
    assert.equal(reference[i].info.backend, want, `${s.label}: CPU reference ran on ${reference[i].info.backend} (${reference[i].info.fallbackReason})`);
    s.reference = reference[i];
  });
  return specs;
}

/**
 * Starts N requests at once (spec i % specs.length), optionally calling during() while they are in
 * flight, and checks every result: resolved, sharp's dimensions, raw pixels within 1 of the CPU
 * reference, backend as expectBackend(spec) allows. Then checks the counters add up.
 */
async function storm (t, specs, { expectBackend, during }) {
  const jobs = Array.from({ length: N }, (_, i) => specs[(i * 7) % specs.length]); // interleaved
  const before = counters();
  const started = Date.now();
  const promises = jobs.map((job) => runJob(job));
  const stop = during ? during() : null;
  let settled;
  try {
    settled = await Promise.allSettled(promises);
  } finally {
    if (stop) {
      stop();
    }
  }
  const ms = Date.now() - started;
  const delta = countersDelta(before, counters());

  const problems = [];
  const tally = { gpu: 0, cpu: 0, vips: 0 };
  let max = 0;
  settled.forEach((s, i) => {
    const job = jobs[i];
    if (s.status === 'rejected') {
      problems.push(`${i} ${job.label}: rejected: ${s.reason && s.reason.message}`);
      return;
    }
    const { data, info } = s.value;
    tally[info.backend] = (tally[info.backend] || 0) + 1;
    const got = { format: info.format, width: info.width, height: info.height };
    if (got.format !== job.expect.format || got.width !== job.expect.width || got.height !== job.expect.height) {
      problems.push(`${i} ${job.label}: got ${JSON.stringify(got)}, sharp gives ${JSON.stringify(job.expect)}`);
    }
    const allowed = job.viaVips ? ['vips'] : expectBackend(job);
    if (!allowed.includes(info.backend)) {
      problems.push(`${i} ${job.label}: ran on '${info.backend}', expected ${allowed.join('|')} (fallbackReason: ${info.fallbackReason || 'none'})`);
    }
    if (job.viaVips) {
      if (!/CMYK/.test(String(info.fallbackReason))) {
        problems.push(`${i} ${job.label}: fallbackReason '${info.fallbackReason}' does not name CMYK`);
      }
    } else if (info.fallbackReason !== undefined) {
      problems.push(`${i} ${job.label}: unexpected fallbackReason '${info.fallbackReason}'`);
    }
    const ref = job.reference;
    if (info.channels !== ref.info.channels) {
      problems.push(`${i} ${job.label}: ${info.channels} channels, CPU reference ${ref.info.channels}`);
    } else if (info.format === 'raw') {
      if (data.length !== ref.data.length) {
        problems.push(`${i} ${job.label}: ${data.length} bytes, CPU reference ${ref.data.length}`);
      } else {
        const d = maxAbsDiff(data, ref.data);
        max = Math.max(max, d.max);
        if (d.max > 1) {
          problems.push(`${i} ${job.label} (${info.backend}): max abs diff ${d.max} vs CPU reference`);
        }
      }
    } else if (!(data.length > 0)) {
      problems.push(`${i} ${job.label}: empty ${info.format} output`);
    }
  });
  t.diagnostic(`${N} requests in ${ms} ms: ${JSON.stringify(tally)}; raw max abs diff vs CPU ${max}; counters delta ${JSON.stringify(delta)}`);

  if (problems.length) {
    assert.fail(`${problems.length} problems in ${N} requests:\n  ${problems.slice(0, 25).join('\n  ')}` +
      (problems.length > 25 ? `\n  ... and ${problems.length - 25} more` : ''));
  }
  assert.equal(delta.gpu.requests + delta.cpu.requests + delta.vips.requests, N,
    `requests deltas do not add up to ${N}: ${JSON.stringify(delta)}`);
  assert.equal(delta.gpu.requests, tally.gpu, `gpu.requests delta vs results: ${JSON.stringify(delta)}`);
  assert.equal(delta.cpu.requests, tally.cpu, `cpu.requests delta vs results: ${JSON.stringify(delta)}`);
  assert.equal(delta.vips.requests, tally.vips, `vips.requests delta vs results: ${JSON.stringify(delta)}`);
  assert.equal(delta.gpu.failures, 0, `gpu failures: ${JSON.stringify(delta)}`);
  assert.equal(delta.cpu.failures, 0, `cpu failures: ${JSON.stringify(delta)}`);
  assert.equal(delta.vips.failures, 0, `vips failures: ${JSON.stringify(delta)}`);
  return tally;
}

const CLEAN_ENV = { GPU_RESIZE_FAULT: undefined, GPU_RESIZE_GPU_MIN_PIXELS: undefined };

test(`concurrency: ${N} concurrent mixed requests forced onto the GPU`, async (t) => {
  requireGpu();
  const specs = await prepare();
  const viaVips = Array.from({ length: N }, (_, i) => specs[(i * 7) % specs.length]).filter((s) => s.viaVips).length;
  const before = counters();
  const tally = await withEnv({ ...CLEAN_ENV, GPU_RESIZE_BACKEND: 'gpu' }, () =>
    storm(t, specs, { expectBackend: () => ['gpu'] }));
  const delta = countersDelta(before, counters());
  assert.equal(tally.gpu, N - viaVips, `forced GPU: ${JSON.stringify(tally)}`);
  // The ICC-profile requests are declined by the GPU and the CPU backends (skipped, not failed).
  assert.equal(delta.gpu.skipped, viaVips, `gpu.skipped delta: ${JSON.stringify(delta)}`);
});

test(`concurrency: ${N} concurrent mixed requests in auto mode (large -> gpu, small -> cpu)`, async (t) => {
  requireGpu();
  const specs = await prepare();
  const tally = await withEnv({ ...CLEAN_ENV, GPU_RESIZE_BACKEND: undefined }, () =>
    storm(t, specs, { expectBackend: (job) => (job.pixels >= DEFAULT_MIN_PIXELS ? ['gpu'] : ['cpu']) }));
  assert.ok(tally.gpu > 0 && tally.cpu > 0, `auto mode used only one backend: ${JSON.stringify(tally)}`);
});

test(`concurrency: ${N} concurrent mixed requests with the mode switched between gpu and auto in flight`, async (t) => {
  requireGpu();
  const specs = await prepare();
  // Only the value of an existing variable changes while requests run (never added or removed),
  // so the C side's getenv always sees a valid 'gpu' or 'auto'.
  await withEnv({ ...CLEAN_ENV, GPU_RESIZE_BACKEND: 'auto' }, () => storm(t, specs, {
    // Large images go to the GPU either way; small ones depend on the mode at execution time.
    expectBackend: (job) => (job.pixels >= DEFAULT_MIN_PIXELS ? ['gpu'] : ['gpu', 'cpu']),
    during: () => {
      let flips = 0;
      const timer = setInterval(() => {
        process.env.GPU_RESIZE_BACKEND = ++flips % 2 ? 'gpu' : 'auto';
      }, 2);
      return () => {
        clearInterval(timer);
        t.diagnostic(`mode switched ${flips} times`);
      };
    }
  }));
});
