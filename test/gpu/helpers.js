// Shared helpers for the GPU test suite (npm run test:gpu): the GPU requirement, environment
// switching, pixel comparison and synthetic inputs. Reuses test/js/helpers.js for the libraries
// and the shared images.
//
// The C side reads GPU_RESIZE_BACKEND / GPU_RESIZE_FAULT / GPU_RESIZE_GPU_MIN_PIXELS with getenv
// when a request *executes* (on the request pool), not when it is submitted, so the environment is
// only ever changed while no request is in flight: a batch is started under one setting and
// awaited completely before the next change (see runBatch/withEnv).
'use strict';

const assert = require('node:assert/strict');
const { gpu: sharp, sharp: oracle, image, readImage, IMAGES, setEnv, withEnv } = require('../js/helpers');

const PHOTO = '2569067123_aca715a2ee_o.jpg';
const PNG_RGBA = 'alpha-premultiply-2048x1536-paper.png';
// Made with libjpeg-turbo's tools from the photo: jpegtran -restart 2.
const RESTART = require('node:path').join(__dirname, '..', 'fixtures', 'restart-1200.jpg');
// The kernels the native paths implement; mks2013/mks2021 run on libvips by design.
const KERNELS = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'];
const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'];

/** Every GPU test starts here: fails (never skips) with the reason when the GPU is unusable. */
function requireGpu () {
  let gpu;
  try {
    gpu = sharp.backends().gpu;
  } catch (err) {
    assert.fail(`GPU not available: cannot query backends(): ${err && err.message}`);
  }
  assert.ok(gpu && gpu.available === true,
    `GPU not available: ${(gpu && gpu.reason) || 'backends().gpu.available is false (no reason given)'}`);
  return gpu;
}

/**
 * A request: { input, options, build } where build(img) adds the operations and the output
 * format. Resolves with { data, info }.
 */
function runJob (job) {
  return job.build(sharp(job.input, job.options)).toBuffer({ resolveWithObject: true });
}

/** Runs all jobs concurrently under one backend setting (undefined = auto) and awaits them all. */
function runBatch (jobs, backend, extraEnv = {}) {
  return withEnv({ GPU_RESIZE_BACKEND: backend, ...extraEnv }, () => Promise.all(jobs.map(runJob)));
}

/** Max absolute difference of two equally long byte buffers, with where it is. */
function maxAbsDiff (a, b) {
  assert.equal(a.length, b.length, `length mismatch ${a.length} vs ${b.length}`);
  let max = 0;
  let at = -1;
  let over1 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    if (d > 1) {
      over1++;
    }
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at, over1 };
}

/** Differences of two equal-size byte buffers: max, mean, share above 2, PSNR (dB). */
function decodeStats (a, b) {
  assert.equal(a.length, b.length, 'sizes differ');
  let max = 0; let sum = 0; let sq = 0; let over2 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    if (d > 2) over2++;
    sum += d;
    sq += d * d;
  }
  const mse = sq / a.length;
  return { max, mean: sum / a.length, over2: over2 / a.length, psnr: mse === 0 ? Infinity : 10 * Math.log10(255 * 255 / mse) };
}

/** Human-readable location of byte index i in a width x channels image. */
function where (i, info) {
  if (i < 0) {
    return '-';
  }
  const px = Math.floor(i / info.channels);
  return `x=${px % info.width} y=${Math.floor(px / info.width)} c=${i % info.channels}`;
}

/**
 * Compares a GPU result with the CPU result of the same call: same shape, GPU really ran on the
 * GPU, max abs difference <= tolerance. Returns { max, problem } (problem null when it passed).
 */
function compare (label, gpuResult, cpuResult, tolerance = 1) {
  const g = gpuResult.info;
  const c = cpuResult.info;
  if (g.backend !== 'gpu') {
    return { max: NaN, problem: `${label}: ran on '${g.backend}', not 'gpu' (fallbackReason: ${g.fallbackReason || 'none'})` };
  }
  if (c.backend !== 'cpu') {
    return { max: NaN, problem: `${label}: reference ran on '${c.backend}', not 'cpu' (fallbackReason: ${c.fallbackReason || 'none'})` };
  }
  if (g.width !== c.width || g.height !== c.height || g.channels !== c.channels) {
    return { max: NaN, problem: `${label}: shape gpu ${g.width}x${g.height}x${g.channels} != cpu ${c.width}x${c.height}x${c.channels}` };
  }
  if (g.premultiplied !== c.premultiplied || g.format !== c.format) {
    return { max: NaN, problem: `${label}: info differs: gpu ${g.format} premultiplied=${g.premultiplied}, cpu ${c.format} premultiplied=${c.premultiplied}` };
  }
  if (gpuResult.data.length !== cpuResult.data.length) {
    return { max: NaN, problem: `${label}: ${gpuResult.data.length} bytes on gpu vs ${cpuResult.data.length} on cpu` };
  }
  const d = maxAbsDiff(gpuResult.data, cpuResult.data);
  if (d.max > tolerance) {
    return {
      max: d.max,
      problem: `${label}: max abs diff ${d.max} > ${tolerance} at ${where(d.at, g)} ` +
        `(gpu ${gpuResult.data[d.at]} vs cpu ${cpuResult.data[d.at]}; ${d.over1} values differ by > 1, ${g.width}x${g.height}x${g.channels})`
    };
  }
  return { max: d.max, problem: null };
}

/**
 * Runs every job on the GPU (forced) then on the CPU (forced) and compares each pair.
 * Returns { max, results: [{label, max}], problems: [string] }.
 */
async function parity (jobs, tolerance = 1) {
  const onGpu = await runBatch(jobs, 'gpu');
  const onCpu = await runBatch(jobs, 'cpu');
  let max = 0;
  const problems = [];
  const results = [];
  jobs.forEach((job, i) => {
    const r = compare(job.label, onGpu[i], onCpu[i], tolerance);
    results.push({ label: job.label, max: r.max });
    if (r.problem) {
      problems.push(r.problem);
    }
    if (!(r.max <= max)) {
      max = r.max; // NaN (a shape/backend problem) sticks
    }
  });
  return { max, results, problems };
}

/** Asserts no problems, listing up to 20 of them. */
function assertNoProblems (problems, total) {
  if (problems.length) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
    assert.fail(`${problems.length} of ${total} comparisons failed:\n  ${shown}${more}`);
  }
}

/** Deterministic 32-bit PRNG (mulberry32). */
function rng (seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A synthetic alpha value at (x, y): blocks of fully transparent, fully opaque and graded
 * alpha, so premultiplication and edges between transparent and opaque regions are exercised.
 */
function alphaAt (x, y) {
  const block = ((x >> 4) + (y >> 4)) % 3;
  if (block === 0) {
    return 0;
  }
  if (block === 1) {
    return 255;
  }
  return (x * 7 + y * 3) & 255;
}

/** Luma of an RGB pixel (integer BT.601). */
const luma = (r, g, b) => (77 * r + 150 * g + 29 * b + 128) >> 8;

/** Converts interleaved RGB (3 channels) to 1, 2, 3 or 4 channels (synthetic alpha). */
function fromRgb (rgb, width, height, channels) {
  if (channels === 3) {
    return rgb;
  }
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0, s = 0, d = 0; y < height; y++) {
    for (let x = 0; x < width; x++, s += 3, d += channels) {
      const r = rgb[s];
      const g = rgb[s + 1];
      const b = rgb[s + 2];
      if (channels <= 2) {
        out[d] = luma(r, g, b);
        if (channels === 2) {
          out[d + 1] = alphaAt(x, y);
        }
      } else {
        out[d] = r;
        out[d + 1] = g;
        out[d + 2] = b;
        out[d + 3] = alphaAt(x, y);
      }
    }
  }
  return out;
}

/** Crops an interleaved image (tightly packed rows) to a rectangle. */
function crop (data, width, channels, left, top, w, h) {
  const out = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) {
    const s = ((top + y) * width + left) * channels;
    data.copy(out, y * w * channels, s, s + w * channels);
  }
  return out;
}

/**
 * Synthetic content: gradients, a hard checkerboard (full-range edges, so Lanczos overshoot is
 * clamped) and noise, plus alphaAt for the alpha channel. Tightly packed rows (stride =
 * width * channels, so odd widths give strides that are not multiples of 4).
 */
function synth (width, height, channels, seed = 1) {
  const rand = rng(seed * 7919 + width * 31 + height * 17 + channels);
  const data = Buffer.alloc(width * height * channels);
  const colour = channels >= 3 ? 3 : 1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const checker = ((x >> 2) + (y >> 2)) & 1 ? 255 : 0;
      for (let c = 0; c < colour; c++, i++) {
        let v;
        switch ((c + x + 2 * y) % 3) {
          case 0: v = (x * 255) / Math.max(1, width - 1); break;
          case 1: v = (y * 255) / Math.max(1, height - 1); break;
          default: v = checker;
        }
        data[i] = Math.max(0, Math.min(255, Math.round(v * 0.75 + rand() * 64)));
      }
      if (channels === 2 || channels === 4) {
        data[i++] = alphaAt(x, y);
      }
    }
  }
  return data;
}

const rawOptions = (width, height, channels) => ({ raw: { width, height, channels } });

let photoPromise = null;
/**
 * The photo decoded once to raw RGB through the CPU path: { data, width, height }.
 * Also checks that the decode really ran on the CPU backend.
 */
function photoRgb () {
  if (!photoPromise) {
    photoPromise = withEnv({ GPU_RESIZE_BACKEND: 'cpu' }, () =>
      sharp(image(PHOTO)).raw().toBuffer({ resolveWithObject: true })
    ).then(({ data, info }) => {
      assert.equal(info.backend, 'cpu', `photo decode ran on ${info.backend}`);
      assert.equal(info.channels, 3);
      return { data, width: info.width, height: info.height };
    });
    photoPromise.catch(() => { photoPromise = null; });
  }
  return photoPromise;
}

/** Backend counters as plain numbers: { gpu: {requests, failures, skipped}, cpu: ..., vips: ... }. */
function counters () {
  const b = sharp.backends();
  const pick = ({ requests, failures, skipped }) => ({ requests, failures, skipped });
  return { gpu: pick(b.gpu), cpu: pick(b.cpu), vips: pick(b.vips) };
}

/** after - before, per backend and field. */
function countersDelta (before, after) {
  const out = {};
  for (const backend of Object.keys(before)) {
    out[backend] = {};
    for (const field of Object.keys(before[backend])) {
      out[backend][field] = after[backend][field] - before[backend][field];
    }
  }
  return out;
}

/**
 * The mixed requests of the GPU JPEG batch tests (test/gpu/jpeg.test.js, bench/nvjpeg/mixups.js):
 * [input, build] pairs of several sizes and formats; kinds 1 (300x245 q80) and 8 (a 500x500
 * crop at q90) have JPEG output.
 */
async function mixedKinds () {
  const photo = image(PHOTO);
  const medium = await oracle(photo).resize(1920, 1080, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
  const small = await oracle(photo).resize(800, 600, { fit: 'fill' }).jpeg({ quality: 85 }).toBuffer();
  const png = await oracle(photo).resize(900, 700).png().toBuffer();
  return [
    [photo, (i) => i.resize(720, 588).raw()],
    [photo, (i) => i.resize(300, 300, { fit: 'inside' }).jpeg()],
    [medium, (i) => i.resize(960, 540).raw()],
    [medium, (i) => i.resize(1280, 720).webp()],
    [small, (i) => i.resize(401, 299, { fit: 'fill' }).raw()],
    [small, (i) => i.resize(1600, 1200).raw()],
    [png, (i) => i.resize(450, 350).raw()],
    [RESTART, (i) => i.resize(640, 480).raw()],
    [medium, (i) => i.resize(500, 500, { position: 'right' }).jpeg({ quality: 90 })]
  ];
}

module.exports = {
  mixedKinds,
  RESTART,
  sharp,
  oracle,
  image,
  readImage,
  IMAGES,
  PHOTO,
  PNG_RGBA,
  KERNELS,
  FITS,
  requireGpu,
  setEnv,
  withEnv,
  runJob,
  runBatch,
  maxAbsDiff,
  decodeStats,
  compare,
  parity,
  assertNoProblems,
  rng,
  synth,
  fromRgb,
  crop,
  rawOptions,
  photoRgb,
  counters,
  countersDelta
};
