// Pixel agreement with sharp: PSNR of gpu-resize's raw output against sharp's raw output for the
// same call must be >= 40 dB; after JPEG q90 encoding (both decoded with sharp) >= 35 dB.
// Needs the native addon (npm run build).
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { gpu, sharp, image, psnr, psnrAlpha, decodeRaw } = require('./helpers');

const RAW_DB = 40;
const JPEG_DB = 35;
const inputs = {};

before(async () => {
  // Natural-image content at moderate sizes (keeps the run short, exercises real detail)
  inputs.RGB = await sharp(image('2569067123_aca715a2ee_o.jpg')).resize(681, 556).jpeg({ quality: 95 }).toBuffer();
  inputs.RGBA = await sharp(image('alpha-premultiply-2048x1536-paper.png')).resize(512, 384).png().toBuffer();
});

async function rawPair (build, input) {
  const [expected, actual] = await Promise.all([
    build(sharp(input)).raw().toBuffer({ resolveWithObject: true }),
    build(gpu(input)).raw().toBuffer({ resolveWithObject: true })
  ]);
  return { expected, actual };
}

function assertSameShape (actual, expected, label) {
  const pick = ({ width, height, channels }) => ({ width, height, channels });
  assert.deepEqual(pick(actual.info), pick(expected.info), label);
}

const resizeCases = [];
for (const channels of ['RGB', 'RGBA']) {
  for (const fit of ['fill', 'cover', 'contain']) {
    resizeCases.push({ channels, fit, size: [200, 150], label: 'down' });
    resizeCases.push({ channels, fit, size: [1000, 900], label: 'up' });
  }
}

for (const { channels, fit, size, label } of resizeCases) {
  test(`pixels: ${channels} ${fit} ${label} ${size.join('x')} raw >= ${RAW_DB} dB`, async () => {
    const build = (img) => img.resize(size[0], size[1], { fit });
    const { expected, actual } = await rawPair(build, inputs[channels]);
    assertSameShape(actual, expected, 'shape');
    if (channels === 'RGBA') {
      // See psnrAlpha: the visible (premultiplied) image and the colour of opaque pixels.
      const { visible, opaque } = psnrAlpha(actual.data, expected.data, 4);
      assert.ok(visible >= RAW_DB, `visible PSNR ${visible.toFixed(2)} dB < ${RAW_DB} dB (backend ${actual.info.backend})`);
      assert.ok(opaque >= RAW_DB, `opaque colour PSNR ${opaque.toFixed(2)} dB < ${RAW_DB} dB (backend ${actual.info.backend})`);
      return;
    }
    const db = psnr(actual.data, expected.data);
    assert.ok(db >= RAW_DB, `PSNR ${db.toFixed(2)} dB < ${RAW_DB} dB (backend ${actual.info.backend})`);
  });
}

for (const kernel of Object.keys(gpu.kernel)) {
  test(`pixels: kernel ${kernel} raw >= ${RAW_DB} dB`, async () => {
    const build = (img) => img.resize(301, 199, { kernel, fit: 'fill' });
    const { expected, actual } = await rawPair(build, inputs.RGB);
    assertSameShape(actual, expected, 'shape');
    const db = psnr(actual.data, expected.data);
    assert.ok(db >= RAW_DB, `PSNR ${db.toFixed(2)} dB < ${RAW_DB} dB (backend ${actual.info.backend})`);
  });
}

for (const [name, build] of [
  ['extract + resize + rotate 90', (img) => img.extract({ left: 33, top: 21, width: 400, height: 300 }).resize(160, 120).rotate(90)],
  ['flip + flop + resize', (img) => img.flip().flop().resize(250)],
  ['cover gravity southeast', (img) => img.resize(200, 200, { position: 'southeast' })],
  ['contain red background', (img) => img.resize(300, 100, { fit: 'contain', background: '#ff0000' })]
]) {
  test(`pixels: ${name} raw >= ${RAW_DB} dB`, async () => {
    const { expected, actual } = await rawPair(build, inputs.RGB);
    assertSameShape(actual, expected, 'shape');
    const db = psnr(actual.data, expected.data);
    assert.ok(db >= RAW_DB, `PSNR ${db.toFixed(2)} dB < ${RAW_DB} dB (backend ${actual.info.backend})`);
  });
}

for (const { fit, size } of [{ fit: 'cover', size: [400, 300] }, { fit: 'inside', size: [1000, 1000] }, { fit: 'fill', size: [123, 321] }]) {
  test(`pixels: JPEG q90 ${fit} ${size.join('x')} >= ${JPEG_DB} dB`, async () => {
    const build = (lib) => lib(inputs.RGB).resize(size[0], size[1], { fit }).jpeg({ quality: 90 }).toBuffer();
    const [e, a] = await Promise.all([build(sharp), build(gpu)]);
    const [expected, actual] = await Promise.all([decodeRaw(e), decodeRaw(a)]);
    assertSameShape(actual, expected, 'shape');
    const db = psnr(actual.data, expected.data);
    assert.ok(db >= JPEG_DB, `PSNR ${db.toFixed(2)} dB < ${JPEG_DB} dB`);
  });
}

test(`pixels: create input equals sharp's`, async () => {
  const opts = { create: { width: 64, height: 48, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } };
  const [e, a] = await Promise.all([
    sharp(opts).raw().toBuffer(),
    gpu(opts).raw().toBuffer()
  ]);
  assert.ok(psnr(a, e) >= RAW_DB);
});
