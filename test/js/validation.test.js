// Argument validation: gpu-resize must throw synchronously with exactly sharp's message.
// Runs without the native addon (validation never loads it).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { gpu, sharp, image, catchSync } = require('./helpers');

const jpg = image('320x240.jpg');
const buf = Buffer.from([0xff, 0xd8, 0xff]);

// [name, (lib) => void]; each must throw in sharp, and gpu-resize must throw the same message.
const cases = [
  // resize: width / height
  ['resize width string', (s) => s(jpg).resize('spoons')],
  ['resize width -1', (s) => s(jpg).resize(-1)],
  ['resize width 0', (s) => s(jpg).resize(0)],
  ['resize width 1.5', (s) => s(jpg).resize(1.5)],
  ['resize width 100000001', (s) => s(jpg).resize(100000001)],
  ['resize width NaN', (s) => s(jpg).resize(NaN)],
  ['resize width true', (s) => s(jpg).resize(true)],
  ['resize height string', (s) => s(jpg).resize(100, 'spoons')],
  ['resize height -1', (s) => s(jpg).resize(100, -1)],
  ['resize height 0', (s) => s(jpg).resize(100, 0)],
  ['resize height 1.5', (s) => s(jpg).resize(100, 1.5)],
  ['resize height 100000001', (s) => s(jpg).resize(null, 100000001)],
  ['resize height object', (s) => s(jpg).resize(100, { fit: 'cover' })],
  ['resize options.width string', (s) => s(jpg).resize({ width: 'spoons' })],
  ['resize options.width 0', (s) => s(jpg).resize({ width: 0 })],
  ['resize options.height -5', (s) => s(jpg).resize({ height: -5 })],
  ['resize options.height 2.5', (s) => s(jpg).resize({ height: 2.5 })],
  // resize: options
  ['fit x', (s) => s(jpg).resize(10, 10, { fit: 'x' })],
  ['fit number', (s) => s(jpg).resize(10, 10, { fit: 1 })],
  ['position x', (s) => s(jpg).resize(10, 10, { position: 'x' })],
  ['position 9', (s) => s(jpg).resize(10, 10, { position: 9 })],
  ['position 18', (s) => s(jpg).resize(10, 10, { position: 18 })],
  ['position -1', (s) => s(jpg).resize(10, 10, { position: -1 })],
  ['position 1.5', (s) => s(jpg).resize(10, 10, { position: 1.5 })],
  ['gravity via position bogus', (s) => s(jpg).resize({ width: 10, position: 'northsouth' })],
  ['kernel x', (s) => s(jpg).resize(10, 10, { kernel: 'x' })],
  ['kernel number', (s) => s(jpg).resize(10, 10, { kernel: 3 })],
  ['background x', (s) => s(jpg).resize(10, 10, { background: 'x' })],
  ['background number', (s) => s(jpg).resize(10, 10, { background: 5 })],
  ['background long string', (s) => s(jpg).resize(10, 10, { background: 'a'.repeat(201) })],
  ['background bad object', (s) => s(jpg).resize(10, 10, { background: { r: 'x' } })],
  ['withoutEnlargement x', (s) => s(jpg).resize(10, 10, { withoutEnlargement: 'x' })],
  ['withoutEnlargement 1', (s) => s(jpg).resize(10, 10, { withoutEnlargement: 1 })],
  ['withoutReduction x', (s) => s(jpg).resize(10, 10, { withoutReduction: 'x' })],
  ['fastShrinkOnLoad x', (s) => s(jpg).resize(10, 10, { fastShrinkOnLoad: 'x' })],
  // extract
  ['extract missing all', (s) => s(jpg).extract({})],
  ['extract missing height', (s) => s(jpg).extract({ left: 0, top: 0, width: 10 })],
  ['extract negative left', (s) => s(jpg).extract({ left: -1, top: 0, width: 10, height: 10 })],
  ['extract negative top', (s) => s(jpg).extract({ left: 0, top: -1, width: 10, height: 10 })],
  ['extract string width', (s) => s(jpg).extract({ left: 0, top: 0, width: '10', height: 10 })],
  ['extract float height', (s) => s(jpg).extract({ left: 0, top: 0, width: 10, height: 1.5 })],
  ['extract huge', (s) => s(jpg).extract({ left: 0, top: 0, width: 100000001, height: 10 })],
  ['extract undefined', (s) => s(jpg).extract()],
  ['extract after resize bad', (s) => s(jpg).resize(10).extract({ left: 'a', top: 0, width: 1, height: 1 })],
  // rotate
  ['rotate string', (s) => s(jpg).rotate('x')],
  ['rotate object', (s) => s(jpg).rotate({})],
  // jpeg
  ['jpeg quality 0', (s) => s(jpg).jpeg({ quality: 0 })],
  ['jpeg quality 101', (s) => s(jpg).jpeg({ quality: 101 })],
  ['jpeg quality x', (s) => s(jpg).jpeg({ quality: 'x' })],
  ['jpeg quality 50.5', (s) => s(jpg).jpeg({ quality: 50.5 })],
  ['jpeg chromaSubsampling 4:1:1', (s) => s(jpg).jpeg({ chromaSubsampling: '4:1:1' })],
  ['jpeg progressive x', (s) => s(jpg).jpeg({ progressive: 'x' })],
  ['jpeg optimiseCoding x', (s) => s(jpg).jpeg({ optimiseCoding: 'x' })],
  ['jpeg mozjpeg x', (s) => s(jpg).jpeg({ mozjpeg: 'x' })],
  ['jpeg quantisationTable 9', (s) => s(jpg).jpeg({ quantisationTable: 9 })],
  ['jpeg trellisQuantisation x', (s) => s(jpg).jpeg({ trellisQuantisation: 'x' })],
  // png
  ['png compressionLevel 10', (s) => s(jpg).png({ compressionLevel: 10 })],
  ['png compressionLevel -1', (s) => s(jpg).png({ compressionLevel: -1 })],
  ['png compressionLevel x', (s) => s(jpg).png({ compressionLevel: 'x' })],
  ['png adaptiveFiltering x', (s) => s(jpg).png({ adaptiveFiltering: 'x' })],
  ['png progressive x', (s) => s(jpg).png({ progressive: 'x' })],
  ['png colours 1', (s) => s(jpg).png({ colours: 1 })],
  ['png quality 101', (s) => s(jpg).png({ quality: 101 })],
  ['png effort 0', (s) => s(jpg).png({ palette: true, effort: 0 })],
  ['png dither 2', (s) => s(jpg).png({ dither: 2 })],
  // webp
  ['webp effort 7', (s) => s(jpg).webp({ effort: 7 })],
  ['webp effort -1', (s) => s(jpg).webp({ effort: -1 })],
  ['webp alphaQuality -1', (s) => s(jpg).webp({ alphaQuality: -1 })],
  ['webp alphaQuality 101', (s) => s(jpg).webp({ alphaQuality: 101 })],
  ['webp quality 0', (s) => s(jpg).webp({ quality: 0 })],
  ['webp lossless x', (s) => s(jpg).webp({ lossless: 'x' })],
  ['webp nearLossless x', (s) => s(jpg).webp({ nearLossless: 'x' })],
  ['webp smartSubsample x', (s) => s(jpg).webp({ smartSubsample: 'x' })],
  ['webp preset x', (s) => s(jpg).webp({ preset: 'x' })],
  ['webp loop x', (s) => s(jpg).webp({ loop: 'x' })],
  ['webp delay -1', (s) => s(jpg).webp({ delay: -1 })],
  // gif / tiff / heif / avif / raw
  ['gif colours 300', (s) => s(jpg).gif({ colours: 300 })],
  ['gif effort 11', (s) => s(jpg).gif({ effort: 11 })],
  ['gif dither 2', (s) => s(jpg).gif({ dither: 2 })],
  ['tiff quality 0', (s) => s(jpg).tiff({ quality: 0 })],
  ['tiff compression x', (s) => s(jpg).tiff({ compression: 'x' })],
  ['tiff bitdepth 3', (s) => s(jpg).tiff({ bitdepth: 3 })],
  ['heif no options', (s) => s(jpg).heif()],
  ['heif compression x', (s) => s(jpg).heif({ compression: 'x' })],
  ['heif quality 0', (s) => s(jpg).heif({ compression: 'av1', quality: 0 })],
  ['avif quality 101', (s) => s(jpg).avif({ quality: 101 })],
  ['avif effort 10', (s) => s(jpg).avif({ effort: 10 })],
  ['avif chromaSubsampling x', (s) => s(jpg).avif({ chromaSubsampling: 'x' })],
  ['avif bitdepth 9', (s) => s(jpg).avif({ bitdepth: 9 })],
  ['raw depth x', (s) => s(jpg).raw({ depth: 'x' })],
  ['jp2 output', (s) => s(jpg).jp2()],
  // toFormat
  ['toFormat x', (s) => s(jpg).toFormat('x')],
  ['toFormat object bad id', (s) => s(jpg).toFormat({ id: 'x' })],
  ['toFormat jpeg bad quality', (s) => s(jpg).toFormat('jpeg', { quality: 0 })],
  ['toFormat JPG bad quality', (s) => s(jpg).toFormat('JPG', { quality: 'x' })],
  ['toFormat heic without options', (s) => s(jpg).toFormat('heic')],
  ['toFormat webp bad effort', (s) => s(jpg).toFormat('webp', { effort: 9 })],
  // toBuffer
  ['toBuffer resolveWithObject x', (s) => s(jpg).toBuffer({ resolveWithObject: 'x' })],
  ['timeout not object', (s) => s(jpg).timeout(5)],
  ['timeout seconds -1', (s) => s(jpg).timeout({ seconds: -1 })],
  // constructor
  ['constructor undefined', (s) => s(undefined)],
  ['constructor null', (s) => s(null)],
  ['constructor number', (s) => s(1)],
  ['constructor boolean', (s) => s(true)],
  ['constructor empty object with options', (s) => s({}, {})],
  ['constructor empty string', (s) => s('')],
  ['constructor empty Buffer', (s) => s(Buffer.alloc(0))],
  ['constructor empty ArrayBuffer', (s) => s(new ArrayBuffer(0))],
  ['constructor empty Uint8Array', (s) => s(new Uint8Array(0))],
  ['constructor single-element array', (s) => s([buf])],
  ['constructor bad options type', (s) => s(buf, 'x')],
  ['constructor raw width 0', (s) => s(buf, { raw: { width: 0, height: 1, channels: 3 } })],
  ['constructor raw missing', (s) => s(buf, { raw: {} })],
  ['constructor raw channels 5', (s) => s(buf, { raw: { width: 1, height: 1, channels: 5 } })],
  ['constructor raw channels 0', (s) => s(buf, { raw: { width: 1, height: 1, channels: 0 } })],
  ['constructor raw height float', (s) => s(buf, { raw: { width: 1, height: 1.5, channels: 3 } })],
  ['constructor raw premultiplied x', (s) => s(buf, { raw: { width: 1, height: 1, channels: 3, premultiplied: 'x' } })],
  ['constructor raw pageHeight 0', (s) => s(buf, { raw: { width: 1, height: 2, channels: 3, pageHeight: 0 } })],
  ['constructor raw pageHeight non-factor', (s) => s(buf, { raw: { width: 1, height: 3, channels: 3, pageHeight: 2 } })],
  ['constructor create empty', (s) => s({ create: {} })],
  ['constructor create width 0', (s) => s({ create: { width: 0, height: 1, channels: 3, background: 'red' } })],
  ['constructor create channels 5', (s) => s({ create: { width: 1, height: 1, channels: 5, background: 'red' } })],
  ['constructor create channels 2', (s) => s({ create: { width: 1, height: 1, channels: 2, background: 'red' } })],
  ['constructor create channels float', (s) => s({ create: { width: 1, height: 1, channels: 3.5, background: 'red' } })],
  ['constructor create no background', (s) => s({ create: { width: 1, height: 1, channels: 3 } })],
  ['constructor create bad background', (s) => s({ create: { width: 1, height: 1, channels: 3, background: 'spoons' } })],
  ['constructor create background number', (s) => s({ create: { width: 1, height: 1, channels: 3, background: 3 } })],
  ['constructor create noise not object', (s) => s({ create: { width: 1, height: 1, channels: 3, noise: 1 } })],
  ['constructor create noise bad type', (s) => s({ create: { width: 1, height: 1, channels: 3, noise: { type: 'x' } } })],
  ['constructor create pageHeight bad', (s) => s({ create: { width: 1, height: 4, channels: 3, background: 'red', pageHeight: 3 } })],
  ['constructor text empty', (s) => s({ text: {} })],
  ['constructor join without array', (s) => s(buf, { join: { across: 2 } })],
  ['limitInputPixels -1', (s) => s(buf, { limitInputPixels: -1 })],
  ['limitInputPixels 1.5', (s) => s(buf, { limitInputPixels: 1.5 })],
  ['limitInputPixels string', (s) => s(buf, { limitInputPixels: '10' })],
  ['limitInputChannels -1', (s) => s(buf, { limitInputChannels: -1 })],
  ['failOn x', (s) => s(buf, { failOn: 'x' })],
  ['failOn true', (s) => s(buf, { failOn: true })],
  ['autoOrient x', (s) => s(buf, { autoOrient: 'x' })],
  ['density 0', (s) => s(buf, { density: 0 })],
  ['ignoreIcc x', (s) => s(buf, { ignoreIcc: 'x' })],
  ['unlimited x', (s) => s(buf, { unlimited: 'x' })],
  ['sequentialRead x', (s) => s(buf, { sequentialRead: 'x' })],
  ['animated x', (s) => s(buf, { animated: 'x' })],
  ['pages -2', (s) => s(buf, { pages: -2 })],
  ['page -1', (s) => s(buf, { page: -1 })],
  ['stream options failOn x', (s) => s({ failOn: 'x' })],
  // statics
  ['cache memory -1', (s) => s.cache({ memory: -1 })],
  ['cache items x', (s) => s.cache({ items: 'x' })],
  ['block not object', (s) => s.block('x')],
  ['block bad operation', (s) => s.block({ operation: 'x' })]
];

for (const [name, fn] of cases) {
  test(`validation: ${name}`, () => {
    const expected = catchSync(() => fn(sharp));
    assert.ok(expected instanceof Error, `sharp should throw for ${name}`);
    const actual = catchSync(() => fn(gpu));
    assert.ok(actual instanceof Error, `gpu-resize should throw for ${name} (sharp: ${expected.message})`);
    assert.equal(actual.message, expected.message);
  });
}

// Valid calls: neither library throws.
const valid = [
  ['resize all options', (s) => s(jpg).resize(10, 20, {
    fit: 'contain', position: 'right top', background: { r: 1, g: 2, b: 3, alpha: 0.5 }, kernel: 'mitchell',
    withoutEnlargement: true, withoutReduction: false, fastShrinkOnLoad: false
  })],
  ['resize options object only', (s) => s(jpg).resize({ width: 10, height: 10, fit: 'fill' })],
  ['resize nulls', (s) => s(jpg).resize(null, null)],
  ['position numbers and strategies', (s) => s(jpg).resize(10, 10, { position: s.strategy.attention }).resize(10, 10, { position: 'entropy' }).resize(10, 10, { position: 8 }).resize(10, 10, { position: 'southwest' })],
  ['every kernel', (s) => Object.keys(s.kernel).forEach((k) => s(jpg).resize(10, 10, { kernel: k }))],
  ['every fit', (s) => Object.keys(s.fit).forEach((f) => s(jpg).resize(10, 10, { fit: f }))],
  ['extract pre and post', (s) => s(jpg).extract({ left: 0, top: 0, width: 10, height: 10 }).resize(5).extract({ left: 0, top: 0, width: 2, height: 2 })],
  ['rotate multiples of 90', (s) => s(jpg).rotate(90).rotate(-180).rotate(270).rotate(360).rotate()],
  ['flip flop', (s) => s(jpg).flip().flop(false).autoOrient()],
  ['formats', (s) => s(jpg).jpeg({ quality: 1, chromaSubsampling: '4:4:4', progressive: true, mozjpeg: true }).png({ compressionLevel: 0, adaptiveFiltering: true }).webp({ quality: 100, alphaQuality: 0, effort: 0, lossless: true }).gif().tiff().avif().heif({ compression: 'hevc' }).raw().raw({ depth: 'uchar' })],
  ['toFormat variants', (s) => s(jpg).toFormat('jpg').toFormat('png').toFormat({ id: 'webp' }).toFormat('tif').toFormat('heic', { compression: 'hevc' }).toFormat('raw')],
  ['constructor variants', (s) => {
    s();
    s(buf);
    s(new Uint8Array(buf));
    s(new Uint8ClampedArray(buf));
    s(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    s(buf, { raw: { width: 1, height: 1, channels: 3 } });
    s({ create: { width: 1, height: 1, channels: 4, background: '#ff000080' } });
    s(buf, { limitInputPixels: true, failOn: 'none', autoOrient: true, animated: true, pages: -1, page: 0, density: 300 });
    s(buf, { limitInputPixels: false });
    s(buf, { limitInputPixels: 0 });
    s({ failOn: 'error' });
  }],
  ['timeout', (s) => s(jpg).timeout({ seconds: 5 })]
];

for (const [name, fn] of valid) {
  test(`validation accepts: ${name}`, () => {
    assert.equal(catchSync(() => fn(sharp)), null, 'sharp accepts it');
    const err = catchSync(() => fn(gpu));
    assert.equal(err, null, err && err.message);
  });
}

// What sharp accepts and gpu-resize does not do natively (rotate by any angle, text/join/noise
// and deep raw inputs, jp2/jxl/tile/deep raw outputs) runs on sharp: test/js/delegate-io.test.js.

test('every sharp method and static exists on gpu-resize', () => {
  for (const key of Object.keys(sharp.prototype)) {
    assert.equal(typeof gpu.prototype[key], typeof sharp.prototype[key], `prototype.${key}`);
  }
  for (const key of Object.keys(sharp)) {
    assert.equal(typeof gpu[key], typeof sharp[key], `sharp.${key}`);
  }
  assert.equal(typeof gpu.backends, 'function');
});

test('static constants equal sharp\'s', () => {
  for (const key of ['gravity', 'strategy', 'kernel', 'fit', 'position', 'align', 'blend', 'bool', 'colourspace', 'colorspace', 'interpolators']) {
    assert.deepEqual(gpu[key], sharp[key], key);
  }
  assert.deepEqual(Object.keys(gpu.format), Object.keys(sharp.format));
  for (const f of ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'raw', 'jp2']) {
    assert.deepEqual(gpu.format[f], sharp.format[f], f);
  }
  assert.equal(gpu.versions.sharp, '0.35.5');
  assert.equal(typeof gpu.versions.vips, 'string');
});

test('compatibility statics return sharp-shaped values', () => {
  const shape = (o) => JSON.stringify(o, (k, v) => (typeof v === 'number' ? 0 : v));
  assert.equal(shape(gpu.cache()), shape(sharp.cache()));
  assert.equal(shape(gpu.cache(false)), shape(sharp.cache(false)));
  assert.deepEqual(gpu.cache(false).items, { current: 0, max: 0 });
  gpu.cache(true);
  sharp.cache(true);
  assert.equal(typeof gpu.concurrency(), 'number');
  assert.ok(gpu.concurrency() > 0);
  assert.equal(gpu.concurrency(3), 3);
  gpu.concurrency(0);
  assert.equal(typeof gpu.simd(), 'boolean');
  assert.equal(gpu.simd(false), false);
  assert.equal(gpu.simd(true), true);
  assert.deepEqual(Object.keys(gpu.counters()).sort(), ['process', 'queue']);
});

test('operations gpu-resize lacks validate as sharp does and delegate to it (test/js/delegate.test.js)', () => {
  for (const name of ['blur', 'sharpen', 'composite', 'extend', 'trim', 'affine', 'tint', 'greyscale', 'flatten', 'modulate', 'removeAlpha', 'withMetadata', 'negate', 'median']) {
    const ours = catchSync(() => gpu(jpg)[name]({}));
    const theirs = catchSync(() => sharp(jpg)[name]({}));
    assert.equal(ours && ours.message, theirs && theirs.message, name);
  }
  // sharp documents `false` as "do nothing" for these toggles
  assert.equal(catchSync(() => gpu(jpg).greyscale(false).flatten(false).negate(false)), null);
});

test('the builder does not load the addon', () => {
  const native = require('../../js/native');
  const img = gpu(jpg).resize(10).jpeg();
  assert.ok(img instanceof gpu);
  assert.ok(new gpu(jpg) instanceof gpu); // eslint-disable-line new-cap
  assert.equal(typeof native.isAvailable, 'function');
});
