// Output dimensions, channels and format must equal sharp's for the same call, over a grid of
// inputs x fit x sizes x withoutEnlargement/withoutReduction, with raw, JPEG, PNG and WebP output.
// Needs the native addon (npm run build). GPU_RESIZE_BACKEND is left as set (auto when unset).
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { gpu, sharp, image, makePattern } = require('./helpers');

const fits = ['cover', 'contain', 'fill', 'inside', 'outside'];
const sizes = [[720, 588], [300, null], [null, 300], [1200, 900], [100, 1000]];
const flagSets = [
  { withoutEnlargement: false, withoutReduction: false },
  { withoutEnlargement: true, withoutReduction: false },
  { withoutEnlargement: false, withoutReduction: true },
  { withoutEnlargement: true, withoutReduction: true }
];
const outputs = ['raw', 'jpeg', 'png', 'webp'];

const inputs = {};

before(async () => {
  const photo = image('2569067123_aca715a2ee_o.jpg');
  // Smaller derived inputs keep the grid fast; the full-size photo gets its own short grid.
  inputs.jpeg = { input: await sharp(photo).resize(545, 445).jpeg({ quality: 90 }).toBuffer() };
  inputs.pngRGBA = { input: await sharp(image('alpha-premultiply-2048x1536-paper.png')).resize(512, 384).png().toBuffer() };
  inputs.webp = { input: await sharp(image('4.webp')).resize(410, 309).webp({ quality: 90 }).toBuffer() };
  const raw = makePattern(301, 203, 3);
  inputs.rawRGB = { input: raw.data, options: { raw: { width: raw.width, height: raw.height, channels: raw.channels } } };
  inputs.exif6 = { input: image('Landscape_6.jpg'), rotate: true };
});

function pipeline (lib, src, [width, height], fit, flags, format) {
  let img = lib(src.input, src.options);
  if (src.rotate) {
    img = img.rotate();
  }
  img = img.resize(width, height, { fit, ...flags });
  return img.toFormat(format).toBuffer({ resolveWithObject: true });
}

async function compareGrid (t, name, combos) {
  const failures = [];
  await Promise.all(combos.map(async ({ size, fit, flags, format }) => {
    const src = inputs[name];
    const label = `${name} ${fit} ${JSON.stringify(size)} ${JSON.stringify(flags)} ${format}`;
    const [expected, actual] = await Promise.all([
      pipeline(sharp, src, size, fit, flags, format),
      pipeline(gpu, src, size, fit, flags, format).catch((err) => ({ error: err }))
    ]);
    if (actual.error) {
      failures.push(`${label}: rejected: ${actual.error.message}`);
      return;
    }
    const pick = (info) => ({ format: info.format, width: info.width, height: info.height, channels: info.channels });
    const e = pick(expected.info);
    const a = pick(actual.info);
    if (JSON.stringify(e) !== JSON.stringify(a)) {
      failures.push(`${label}: sharp ${JSON.stringify(e)} gpu-resize ${JSON.stringify(a)}`);
    }
    if (actual.info.size !== actual.data.length) {
      failures.push(`${label}: info.size ${actual.info.size} !== data.length ${actual.data.length}`);
    }
  }));
  assert.deepEqual(failures, [], `${failures.length} of ${combos.length} differ`);
}

for (const name of ['jpeg', 'pngRGBA', 'webp', 'rawRGB', 'exif6']) {
  for (const fit of fits) {
    test(`dimensions: ${name} fit=${fit}`, async (t) => {
      const combos = [];
      let i = 0;
      for (const size of sizes) {
        for (const flags of flagSets) {
          combos.push({ size, fit, flags, format: outputs[i++ % outputs.length] });
        }
      }
      await compareGrid(t, name, combos);
    });
  }
}

test('dimensions: full-size photo (2725x2225)', async (t) => {
  inputs.photo = { input: image('2569067123_aca715a2ee_o.jpg') };
  const combos = [
    { size: [720, 588], fit: 'cover', flags: flagSets[0], format: 'jpeg' },
    { size: [720, 588], fit: 'inside', flags: flagSets[0], format: 'raw' },
    { size: [300, null], fit: 'contain', flags: flagSets[0], format: 'png' },
    { size: [null, 300], fit: 'outside', flags: flagSets[0], format: 'webp' },
    { size: [100, 1000], fit: 'fill', flags: flagSets[0], format: 'raw' },
    { size: [4000, 3000], fit: 'inside', flags: flagSets[1], format: 'jpeg' },
    { size: [4000, 3000], fit: 'cover', flags: flagSets[0], format: 'jpeg' }
  ];
  await compareGrid(t, 'photo', combos);
});

// Operations around the resize: extract before/after, rotate by 90s, flip/flop, auto-orient.
const opCases = [
  ['extract before resize', (s, i) => s(i).extract({ left: 10, top: 20, width: 200, height: 150 }).resize(100, 100)],
  ['extract after resize', (s, i) => s(i).resize(300, 200).extract({ left: 10, top: 20, width: 100, height: 50 })],
  ['extract twice', (s, i) => s(i).extract({ left: 10, top: 20, width: 300, height: 200 }).extract({ left: 5, top: 5, width: 100, height: 80 })],
  ['extract, resize, extract', (s, i) => s(i).extract({ left: 0, top: 0, width: 300, height: 220 }).resize(200).extract({ left: 10, top: 10, width: 50, height: 60 })],
  ['rotate 90 then resize', (s, i) => s(i).rotate(90).resize(200, 100)],
  ['resize then rotate 270', (s, i) => s(i).resize(200, 100).rotate(270)],
  ['rotate -90 no resize', (s, i) => s(i).rotate(-90)],
  ['rotate 180 + extract', (s, i) => s(i).rotate(180).extract({ left: 0, top: 0, width: 100, height: 120 })],
  ['flip flop resize', (s, i) => s(i).flip().flop().resize(123, 77, { fit: 'fill' })],
  ['autoOrient + extract', (s, i) => s(i, { autoOrient: true }).extract({ left: 0, top: 0, width: 300, height: 200 })],
  ['rotate() + resize inside', (s, i) => s(i).rotate().resize(300, 300, { fit: 'inside' })],
  ['no resize', (s, i) => s(i)],
  ['contain with alpha background', (s, i) => s(i).resize(300, 300, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } }).png()],
  ['cover entropy', (s, i) => s(i).resize(200, 300, { position: 'entropy' })],
  ['cover attention', (s, i) => s(i).resize(300, 200, { position: sharp.strategy.attention })],
  ['cover gravity north', (s, i) => s(i).resize(300, 100, { position: 'north' })],
  ['fastShrinkOnLoad false', (s, i) => s(i).resize(97, 61, { fastShrinkOnLoad: false })]
];

for (const [name, build] of opCases) {
  test(`dimensions: ${name}`, async () => {
    for (const file of ['Landscape_6.jpg', '320x240.jpg']) {
      const input = image(file);
      const expected = await build(sharp, input).toBuffer({ resolveWithObject: true });
      const actual = await build(gpu, input).toBuffer({ resolveWithObject: true });
      const pick = ({ format, width, height, channels }) => ({ format, width, height, channels });
      assert.deepEqual(pick(actual.info), pick(expected.info), `${name} ${file}`);
      for (const key of ['cropOffsetLeft', 'cropOffsetTop', 'attentionX', 'attentionY']) {
        assert.equal(key in actual.info, key in expected.info, `${name} ${file}: info.${key} present`);
      }
      if ('cropOffsetLeft' in expected.info && name !== 'cover attention') {
        assert.equal(actual.info.cropOffsetLeft, expected.info.cropOffsetLeft, 'cropOffsetLeft');
        assert.equal(actual.info.cropOffsetTop, expected.info.cropOffsetTop, 'cropOffsetTop');
      }
    }
  });
}
