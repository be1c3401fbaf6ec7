// Shared helpers for the gpu-resize JS tests: the two libraries, the shared images, PSNR.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

const gpu = require('../../js');
const sharp = require('sharp'); // the oracle (devDependency, sharp 0.35.5)

// ../shared/images beside the checkout, as on the developers' machines and in CI.
const IMAGES = process.env.GPU_RESIZE_IMAGES || path.resolve(__dirname, '..', '..', '..', 'shared', 'images');
const image = (name) => path.join(IMAGES, name);

/** PSNR in dB of two equally sized 8-bit buffers (Infinity when identical). */
function psnr (a, b) {
  if (a.length !== b.length) {
    throw new Error(`psnr: length mismatch ${a.length} vs ${b.length}`);
  }
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  if (se === 0) {
    return Infinity;
  }
  const mse = se / a.length;
  return 10 * Math.log10((255 * 255) / mse);
}

/**
 * PSNR for images with alpha (last channel), as two figures:
 * - visible: colour premultiplied by alpha, plus alpha, i.e. what the image looks like;
 * - opaque: raw colour where the expected alpha is >= 128.
 * Colour under near-zero alpha is not visible and is amplified rounding noise: unpremultiplying
 * an 8-bit premultiplied value by alpha a multiplies a 1-level difference by 255 / a.
 */
function psnrAlpha (a, b, channels) {
  if (a.length !== b.length) {
    throw new Error(`psnrAlpha: length mismatch ${a.length} vs ${b.length}`);
  }
  let seVisible = 0;
  let seOpaque = 0;
  let nOpaque = 0;
  for (let i = 0; i < a.length; i += channels) {
    const aa = a[i + channels - 1];
    const ba = b[i + channels - 1];
    for (let c = 0; c < channels - 1; c++) {
      const d = (a[i + c] * aa - b[i + c] * ba) / 255;
      seVisible += d * d;
      if (ba >= 128) {
        const r = a[i + c] - b[i + c];
        seOpaque += r * r;
        nOpaque++;
      }
    }
    seVisible += (aa - ba) * (aa - ba);
  }
  const db = (se, n) => (se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / n)));
  return { visible: db(seVisible, a.length), opaque: nOpaque ? db(seOpaque, nOpaque) : Infinity };
}

/** Decode any encoded image to raw pixels with sharp: { data, info }. */
function decodeRaw (buffer) {
  return sharp(buffer).raw().toBuffer({ resolveWithObject: true });
}

/** A deterministic RGB(A) test pattern with gradients and edges, as { data, width, height, channels }. */
function makePattern (width, height, channels) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      data[i] = (x * 255 / Math.max(1, width - 1)) | 0;
      data[i + 1] = (y * 255 / Math.max(1, height - 1)) | 0;
      data[i + 2] = ((x >> 3) + (y >> 3)) & 1 ? 220 : 30;
      if (channels === 4) {
        data[i + 3] = 255 - (((x + y) * 255 / (width + height)) | 0);
      }
    }
  }
  return { data, width, height, channels };
}

/** Catch a synchronous throw; returns the Error or null. */
function catchSync (fn) {
  try {
    fn();
    return null;
  } catch (err) {
    return err;
  }
}

const readImage = (name) => fs.readFileSync(image(name));

/** Sets (string) or deletes (undefined) environment variables; returns the previous values. */
function setEnv (vars) {
  const previous = {};
  for (const [name, value] of Object.entries(vars)) {
    previous[name] = process.env[name];
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = String(value);
    }
  }
  return previous;
}

/** Runs async fn with the variables set, restoring them afterwards (fn must await its requests). */
async function withEnv (vars, fn) {
  const previous = setEnv(vars);
  try {
    return await fn();
  } finally {
    setEnv(previous);
  }
}

/** Runs async fn with GPU_RESIZE_BACKEND set (the C side reads it when a request executes). */
const withBackend = (backend, fn) => withEnv({ GPU_RESIZE_BACKEND: backend }, fn);

module.exports = { gpu, sharp, IMAGES, image, readImage, psnr, psnrAlpha, decodeRaw, makePattern, catchSync, setEnv, withEnv, withBackend };
