// Embedded ICC profiles: sharp converts a non-sRGB profile to sRGB right after loading; the
// native path does the same after its decode (libvips' icc_transform, src/vips/vips_colour.c),
// so such images stay on the native backends and give sharp's pixels.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { gpu, sharp, image, psnr, withBackend } = require('./helpers');

async function inputs () {
  const photo = image('2569067123_aca715a2ee_o.jpg');
  const small = sharp(photo).resize(800);
  return [
    ['Landscape_6.jpg (EXIF orientation 6)', image('Landscape_6.jpg')],
    ['Portrait_8.jpg (EXIF orientation 8)', image('Portrait_8.jpg')],
    ['JPEG with Display P3', await small.clone().withIccProfile('p3').jpeg({ quality: 90 }).toBuffer()],
    ['PNG with Display P3', await small.clone().withIccProfile('p3').png().toBuffer()],
    ['WebP with Display P3', await small.clone().withIccProfile('p3').webp({ quality: 90 }).toBuffer()]
  ];
}

test('non-sRGB ICC profiles are converted to sRGB on the native path, as sharp does', async () => {
  for (const [label, input] of await inputs()) {
    const meta = await sharp(input).metadata();
    assert.ok(meta.icc, `${label}: has a profile`);
    const build = (lib) => lib(input).rotate().resize(300, 200).raw().toBuffer({ resolveWithObject: true });
    const want = await build(sharp);
    const got = await withBackend('cpu', () => build(gpu));
    assert.equal(got.info.backend, 'cpu', `${label}: ${got.info.fallbackReason}`);
    assert.deepEqual([got.info.width, got.info.height, got.info.channels],
      [want.info.width, want.info.height, want.info.channels], label);
    const db = psnr(got.data, want.data);
    assert.ok(db >= 38, `${label}: PSNR ${db.toFixed(2)} dB against sharp`);
  }
});

test('an embedded sRGB profile is left as it is (no second conversion)', async () => {
  // A P3 image converted by sharp to sRGB, with the sRGB profile kept: converting again must not
  // change it (the native path treats an sRGB profile as sRGB).
  const [, , [, p3]] = await inputs();
  const srgb = await sharp(p3).withIccProfile('srgb').jpeg({ quality: 95 }).toBuffer();
  const build = (lib) => lib(srgb).resize(300, 200).raw().toBuffer({ resolveWithObject: true });
  const want = await build(sharp);
  const got = await withBackend('cpu', () => build(gpu));
  assert.equal(got.info.backend, 'cpu');
  assert.ok(psnr(got.data, want.data) >= 38);
});
