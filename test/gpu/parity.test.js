// GPU/CPU parity: the raw output of a call forced onto the GPU (GPU_RESIZE_BACKEND=gpu) must equal
// the raw output of the same call forced onto the CPU (GPU_RESIZE_BACKEND=cpu) within 1 per
// channel (max abs difference <= 1; the max is reported as a diagnostic), and the GPU run must
// really have run on the GPU (info.backend === 'gpu': no silent fallback).
//
// Grid: every kernel x raw input with 1..4 channels x up/down x fit (cover, contain, fill, inside,
// outside), on the photo (decoded once to raw RGB through the CPU path; 1/2/4-channel variants
// derived from it with a synthetic alpha) and on synthetic edge cases (1x1, 1xN, Nx1, huge
// ratios, odd widths whose stride is not a multiple of 4). Plus JPEG input and PNG RGBA input.
// Every target differs from the input on both axes, so every call has a resize step (a call
// without one is declined by the GPU backend by design).
'use strict';

// The GPU resize against the CPU path on the same decoded pixels: JPEG input decodes on the CPU
// in this file (the nvJPEG path has its own tests in jpeg.test.js). Read per request by the C side.
process.env.GPU_RESIZE_GPU_DECODE = '0'; // these compare the GPU resize with the CPU's bit for bit: JPEG decodes on the CPU

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  image, PHOTO, PNG_RGBA, KERNELS, FITS, requireGpu, parity, assertNoProblems, synth,
  fromRgb, crop, rawOptions, photoRgb, runBatch
} = require('./helpers');

const TOLERANCE = 1;
const CHANNELS = [1, 2, 3, 4];

// Photo: downscale from the full 2725x2225 decode; upscale from an odd-width crop.
const DOWN = { width: 911, height: 617 };
const UP_CROP = { left: 1201, top: 901, width: 301, height: 233 };
const UP = { width: 517, height: 431 };

const variants = new Map();
/** { full, up } raw inputs of the photo with the given channel count (memoised). */
async function photoVariant (channels) {
  if (!variants.has(channels)) {
    const { data, width, height } = await photoRgb();
    const full = fromRgb(data, width, height, channels);
    const up = fromRgb(crop(data, width, 3, UP_CROP.left, UP_CROP.top, UP_CROP.width, UP_CROP.height),
      UP_CROP.width, UP_CROP.height, channels);
    variants.set(channels, {
      full: { input: full, options: rawOptions(width, height, channels), size: `${width}x${height}` },
      up: { input: up, options: rawOptions(UP_CROP.width, UP_CROP.height, channels), size: `${UP_CROP.width}x${UP_CROP.height}` }
    });
  }
  return variants.get(channels);
}

function report (t, label, { max, results }) {
  const worst = results.reduce((a, b) => (b.max > a.max || Number.isNaN(b.max) ? b : a));
  t.diagnostic(`${label}: max abs diff ${max} over ${results.length} calls (worst: ${worst.label})`);
}

for (const kernel of KERNELS) {
  for (const channels of CHANNELS) {
    test(`parity: photo ${kernel} ${channels}ch, down/up x ${FITS.join('/')}`, async (t) => {
      requireGpu();
      const v = await photoVariant(channels);
      const jobs = [];
      for (const fit of FITS) {
        jobs.push({
          label: `down ${v.full.size}->${DOWN.width}x${DOWN.height} ${fit}`,
          input: v.full.input,
          options: v.full.options,
          build: (img) => img.resize(DOWN.width, DOWN.height, { kernel, fit }).raw()
        });
        jobs.push({
          label: `up ${v.up.size}->${UP.width}x${UP.height} ${fit}`,
          input: v.up.input,
          options: v.up.options,
          build: (img) => img.resize(UP.width, UP.height, { kernel, fit }).raw()
        });
      }
      const r = await parity(jobs, TOLERANCE);
      report(t, `${kernel} ${channels}ch`, r);
      assertNoProblems(r.problems, jobs.length);
    });
  }
}

// Synthetic edge cases: [input width, input height, target width, target height].
const EDGE_CASES = [
  ['1x1 up', 1, 1, 5, 3],
  ['1xN down', 1, 257, 3, 40],
  ['1xN up', 1, 300, 2, 1000],
  ['Nx1 down', 311, 1, 29, 4],
  ['Nx1 up', 311, 1, 700, 3],
  ['huge ratio wide', 4000, 20, 3, 7],
  ['huge ratio tall', 24, 3000, 9, 2],
  ['997x13', 997, 13, 31, 2],
  ['huge upscale', 3, 2, 601, 397],
  ['odd widths 333x77', 333, 77, 129, 201],
  ['odd widths 7x5', 7, 5, 19, 23],
  ['odd widths 1001x3', 1001, 3, 17, 9],
  ['odd widths 13x999', 13, 999, 5, 333],
  ['odd widths 255x129', 255, 129, 127, 65]
];

for (const [name, w, h, tw, th] of EDGE_CASES) {
  test(`parity: edge case ${name} ${w}x${h} -> ${tw}x${th}, every kernel x 1-4ch x fit`, async (t) => {
    requireGpu();
    const jobs = [];
    for (const channels of CHANNELS) {
      const input = synth(w, h, channels, channels);
      for (const kernel of KERNELS) {
        for (const fit of FITS) {
          jobs.push({
            label: `${channels}ch ${kernel} ${fit}`,
            input,
            options: rawOptions(w, h, channels),
            build: (img) => img.resize(tw, th, { kernel, fit }).raw()
          });
        }
      }
    }
    const r = await parity(jobs, TOLERANCE);
    t.diagnostic(`${name}: max abs diff ${r.max} over ${jobs.length} calls`);
    assertNoProblems(r.problems, jobs.length);
  });
}

test('parity: JPEG input (the photo) -> 720x588 raw, every kernel', async (t) => {
  requireGpu();
  const input = image(PHOTO);
  const jobs = KERNELS.map((kernel) => ({
    label: `jpeg ${kernel}`,
    input,
    build: (img) => img.resize(720, 588, { kernel }).raw()
  }));
  // The decode (with shrink-on-load) is the same CPU code on both sides.
  const r = await parity(jobs, TOLERANCE);
  report(t, 'jpeg 720x588', r);
  assertNoProblems(r.problems, jobs.length);
});

test('parity: PNG RGBA input (alpha-premultiply paper) -> raw, every kernel, fill and contain', async (t) => {
  requireGpu();
  const input = image(PNG_RGBA);
  const jobs = [];
  for (const kernel of KERNELS) {
    jobs.push({
      label: `png ${kernel} fill 731x549`,
      input,
      build: (img) => img.resize(731, 549, { kernel, fit: 'fill' }).raw()
    });
    jobs.push({
      label: `png ${kernel} contain 640x640`,
      input,
      build: (img) => img.resize(640, 640, { kernel, fit: 'contain' }).raw()
    });
  }
  const r = await parity(jobs, TOLERANCE);
  report(t, 'png rgba', r);
  assertNoProblems(r.problems, jobs.length);
});

test('parity: the same GPU call twice gives identical output (deterministic)', async () => {
  requireGpu();
  const { data, width, height } = await photoRgb();
  const job = {
    label: 'repeat',
    input: data,
    options: rawOptions(width, height, 3),
    build: (img) => img.resize(1003, 777, { fit: 'fill' }).raw()
  };
  const [a, b] = await runBatch([job, job], 'gpu');
  assert.equal(a.info.backend, 'gpu', `ran on ${a.info.backend}: ${a.info.fallbackReason}`);
  assert.equal(b.info.backend, 'gpu', `ran on ${b.info.backend}: ${b.info.fallbackReason}`);
  assert.ok(a.data.equals(b.data), 'two identical GPU calls gave different bytes');
});
