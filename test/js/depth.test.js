// 16-bit PNG input. sharp 0.35.5 converts every image to its output colourspace, sRGB unless
// toColourspace() says otherwise, before writing (pipeline.cc: "Ensure output colour space"), so
// a 16-bit PNG comes out 8-bit whatever the output format; only toColourspace('rgb16') keeps 16
// bits, and that call runs on sharp. These tests hold gpu-resize to sharp's depth, channels and
// pixels on such inputs, and its metadata() to sharp's.
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { gpu, sharp, image, psnr } = require('./helpers');

const fixtures = {};

before(async () => {
  // 16-bit PNGs made by sharp (png({ bitdepth }) only reduces, to 1, 2, 4 or 8 bits)
  const photo = image('320x240.jpg');
  fixtures.rgb16 = await sharp(photo).toColourspace('rgb16').png().toBuffer();
  fixtures.rgba16 = await sharp(photo).ensureAlpha(0.6).toColourspace('rgb16').png().toBuffer();
  fixtures.grey16 = await sharp(photo).toColourspace('grey16').png().toBuffer();
});

const outputs = [
  ['resize png', (s, input) => s(input).resize(100).png(), 40],
  ['png', (s, input) => s(input).png(), Infinity],
  ['resize, input format', (s, input) => s(input).resize(100, 50, { fit: 'fill' }), 40],
  ['resize raw', (s, input) => s(input).resize(100).raw(), 40],
  ['resize webp', (s, input) => s(input).resize(100).webp({ quality: 90 }), 30]
];

test('16-bit PNG: the fixtures are 16-bit, and metadata() is sharp\'s', async () => {
  for (const [name, input] of Object.entries(fixtures)) {
    const theirs = await sharp(input).metadata();
    assert.deepEqual([theirs.depth, theirs.bitsPerSample], ['ushort', 16], name);
    assert.deepEqual(await gpu(input).metadata(), theirs, name);
  }
});

test('16-bit PNG: output depth, channels and pixels as sharp\'s', async () => {
  for (const [name, input] of Object.entries(fixtures)) {
    for (const [label, build, minPsnr] of outputs) {
      const what = `${name} ${label}`;
      const ours = await build(gpu, input).toBuffer({ resolveWithObject: true });
      const theirs = await build(sharp, input).toBuffer({ resolveWithObject: true });
      assert.notEqual(ours.info.backend, 'sharp', what);
      for (const key of ['format', 'width', 'height', 'channels', 'depth']) {
        assert.equal(ours.info[key], theirs.info[key], `${what}: ${key}`);
      }
      let a = ours.data;
      let b = theirs.data;
      if (ours.info.format !== 'raw') {
        const [mo, mt] = await Promise.all([sharp(a).metadata(), sharp(b).metadata()]);
        assert.equal(mo.depth, mt.depth, `${what}: encoded depth`);
        assert.equal(mo.bitsPerSample, mt.bitsPerSample, `${what}: bitsPerSample`);
        [a, b] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
      }
      const db = psnr(a, b);
      assert.ok(db >= minPsnr, `${what}: PSNR ${db.toFixed(1)} dB < ${minPsnr}`);
    }
  }
});

test('16-bit PNG: toColourspace(\'rgb16\') keeps 16 bits, on sharp', async () => {
  const build = (s) => s(fixtures.rgb16).resize(100).toColourspace('rgb16').png();
  const ours = await build(gpu).toBuffer({ resolveWithObject: true });
  const theirs = await build(sharp).toBuffer();
  assert.equal(ours.info.backend, 'sharp');
  const m = await sharp(ours.data).metadata();
  assert.deepEqual([m.depth, m.bitsPerSample, m.width], ['ushort', 16, 100]);
  assert.deepEqual(ours.data, theirs);
});
