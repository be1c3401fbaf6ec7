// metadata() field for field as sharp 0.35.5's: on every shared image and valid corpus file (as
// a file and as a Buffer), on files sharp writes in the other formats (animated GIF and WebP,
// TIFF, AVIF, palette and 16-bit PNG, SVG), and on crafted headers for libvips' rules
// (JFIF / EXIF / pHYs resolution, PNG bKGD). And sharp.format entry for entry.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');
const { execFileSync } = require('node:child_process');
const { gpu, sharp, image } = require('./helpers');
const { latin1, pngChunk, intoPng, intoJpeg, jpegSegment, jfif, tiffResolution } = require('./header-builders');

const IMAGES = path.dirname(image('x'));
const CORPUS = path.join(__dirname, '..', 'badinput', 'corpus');

const firstLine = (err) => err.message.split('\n')[0];

/**
 * The fields of ours and sharp's metadata of input that differ, as 'field' strings; both
 * rejecting counts as equal when the messages' first lines are. Differences that stay:
 * - sharp's "corrupt header" messages repeat libvips' error lines, once per attempt to load the
 *   header; gpu-resize names the first. Only the first lines are compared.
 */
async function differences (input, options) {
  const [ours, theirs] = await Promise.all([gpu(input, options).metadata(), sharp(input, options).metadata()]
    .map((p) => p.then((m) => ({ m }), (err) => ({ err }))));
  if (ours.err || theirs.err) {
    if (ours.err && theirs.err) {
      return firstLine(ours.err) === firstLine(theirs.err) ? [] : [`error: ${ours.err.message} | sharp: ${theirs.err.message}`];
    }
    return [`error: ${ours.err ? ours.err.message : 'none'} | sharp: ${theirs.err ? theirs.err.message : 'none'}`];
  }
  const fields = new Set([...Object.keys(theirs.m), ...Object.keys(ours.m)]);
  const show = (v) => (Buffer.isBuffer(v) ? `<Buffer ${v.length}>` : util.inspect(v, { depth: 4 }));
  // deepStrictEqual compares Buffers byte for byte
  return [...fields].filter((f) => !util.isDeepStrictEqual(ours.m[f], theirs.m[f]))
    .map((f) => `${f}: ${show(ours.m[f])} | sharp: ${show(theirs.m[f])}`);
}

async function assertSame (cases) {
  const found = [];
  for (const [label, input, options] of cases) {
    for (const d of await differences(input, options)) {
      found.push(`${label}: ${d}`);
    }
  }
  assert.deepEqual(found, []);
}

test('metadata compat: every shared image and valid corpus file, from a file and a Buffer', async () => {
  const files = fs.readdirSync(IMAGES).map((f) => path.join(IMAGES, f))
    .concat(fs.readdirSync(CORPUS).filter((f) => f.startsWith('valid')).map((f) => path.join(CORPUS, f)));
  assert.ok(files.length >= 20, `${files.length} files`);
  const cases = [];
  for (const file of files) {
    cases.push([path.basename(file), file], [`${path.basename(file)} (Buffer)`, fs.readFileSync(file)]);
  }
  await assertSame(cases);
  // giant-image.jpg is over the pixel limit: both refuse it alike; with the limit off both read it
  const giant = image('giant-image.jpg');
  assert.equal((await gpu(giant).metadata().catch((e) => e)).message, 'Input image exceeds pixel limit');
  await assertSame([['giant-image.jpg, no pixel limit', giant, { limitInputPixels: false }]]);
});

/** Three frames, for the animated files. */
async function frames () {
  const frame = (r) => sharp({ create: { width: 8, height: 6, channels: 3, background: { r, g: 40, b: 90 } } }).png().toBuffer();
  return Promise.all([frame(250), frame(10), frame(128)]);
}

test('metadata compat: the formats libvips reads and animated files (loop, delay, background, pages)', async () => {
  const f = await frames();
  const one = f[0];
  const animated = () => sharp(f, { join: { animated: true } });
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"><rect width="10" height="20" fill="red"/></svg>');
  const cases = [
    ['animated GIF, loop 3, delays', await animated().gif({ loop: 3, delay: [50, 100, 150] }).toBuffer()],
    ['animated GIF, defaults', await animated().gif().toBuffer()],
    ['animated WebP, delays', await animated().webp({ loop: 0, delay: [40, 80, 120] }).toBuffer()],
    ['animated WebP, loop 5', await animated().webp({ loop: 5, delay: 70 }).toBuffer()],
    ['one-frame GIF', await sharp(one).gif().toBuffer()],
    ['TIFF, 300 dpi, ICC', await sharp(one).withMetadata({ density: 300 }).tiff().toBuffer()],
    ['TIFF, cm', await sharp(one).tiff({ resolutionUnit: 'cm', xres: 40, yres: 40 }).toBuffer()],
    ['TIFF, multi-page', await animated().tiff().toBuffer()],
    ['TIFF, 16-bit grey', await sharp(one).toColourspace('grey16').tiff().toBuffer()],
    ['AVIF', await sharp(one).avif().toBuffer()],
    ['SVG', svg],
    ['palette PNG', await sharp(one).png({ palette: true }).toBuffer()],
    ['1-bit palette PNG', await sharp(one).png({ palette: true, colours: 2 }).toBuffer()],
    ['16-bit grey PNG', await sharp(one).toColourspace('grey16').png().toBuffer()],
    ['grey PNG with alpha', await sharp(one).toColourspace('b-w').ensureAlpha().png().toBuffer()],
    ['JPEG, 300 dpi', await sharp(one).withMetadata({ density: 300 }).jpeg().toBuffer()],
    ['PNG, 300 dpi', await sharp(one).withMetadata({ density: 300 }).png().toBuffer()],
    ['WebP, 300 dpi (EXIF)', await sharp(one).withMetadata({ density: 300 }).webp().toBuffer()]
  ];
  await assertSame(cases);
  // The fields these exercise are there, not just equally absent
  const m = await gpu(cases[0][1]).metadata();
  assert.deepEqual([m.loop, m.delay, m.pages, m.isPalette], [3, [50, 100, 150], 3, true]);
  assert.ok(m.background && 'r' in m.background);
  const tiff = await gpu(cases[5][1]).metadata();
  assert.deepEqual([tiff.density, tiff.resolutionUnit, tiff.hasProfile, Buffer.isBuffer(tiff.icc)], [300, 'inch', true, true]);
  const avif = await gpu(cases[9][1]).metadata();
  assert.deepEqual([avif.format, avif.mediaType, avif.compression], ['heif', 'image/avif', 'av1']);
  const webp = await gpu(cases[2][1]).metadata();
  assert.deepEqual([webp.loop, webp.delay], [0, [40, 80, 120]]);
});

test('metadata compat: JPEG resolution from JFIF and EXIF, as libvips reads them', async () => {
  const jpg = fs.readFileSync(path.join(CORPUS, 'valid.jpg')); // neither JFIF nor EXIF: 72 dpi
  const exif = (x, y, unit, le) => jpegSegment(0xe1, Buffer.concat([latin1('Exif\0\0'), tiffResolution(x, y, unit, le)]));
  const r = (n) => [n, 1];
  const cases = {
    'JFIF unit 0': [jfif(0, 300, 300)],
    'JFIF unit 0, 2:2': [jfif(0, 2, 2)],
    'JFIF inch 300x200': [jfif(1, 300, 200)],
    'JFIF cm 118': [jfif(2, 118, 118)],
    'JFIF inch 1x1': [jfif(1, 1, 1)],
    'JFIF inch 1x300': [jfif(1, 1, 300)],
    'JFIF inch 20 (under 1 pixel per mm)': [jfif(1, 20, 20)],
    'JFIF inch 0': [jfif(1, 0, 0)],
    'JFIF unit 3': [jfif(3, 300, 300)],
    'two JFIF, the last stays': [jfif(1, 96, 96), jfif(1, 150, 150)],
    'EXIF inch 300': [exif(r(300), r(300), 2)],
    'EXIF cm 118, little-endian': [exif(r(118), r(118), 3, true)],
    'EXIF no unit (1)': [exif(r(5), r(5), 1)],
    'EXIF unit left out': [exif(r(300), r(300), null)],
    'EXIF unit 4': [exif(r(300), r(300), 4)],
    'EXIF without YResolution': [exif(r(300), null, 2)],
    'EXIF denominator 0': [exif([300, 0], [300, 0], 2)],
    'EXIF inch 10': [exif(r(10), r(10), 2)],
    'EXIF inch 299.5': [exif([599, 2], [599, 2], 2)],
    'JFIF inch 96, EXIF inch 300': [jfif(1, 96, 96), exif(r(300), r(300), 2)],
    'JFIF cm 118, EXIF without unit': [jfif(2, 118, 118), exif(r(300), r(300), null)],
    'JFIF inch 96, EXIF unit 4': [jfif(1, 96, 96), exif(r(300), r(300), 4)],
    'truncated EXIF': [jpegSegment(0xe1, Buffer.concat([latin1('Exif\0\0'), tiffResolution(r(300), r(300), 2).subarray(0, 20)]))]
  };
  await assertSame(Object.entries(cases).map(([label, segments]) => [label, intoJpeg(jpg, segments)]));
  const m = await gpu(intoJpeg(jpg, cases['JFIF cm 118'])).metadata();
  assert.deepEqual([m.density, m.resolutionUnit], [300, 'cm']);
});

test('metadata compat: PNG resolution (pHYs, eXIf), bKGD background and palette', async () => {
  const png = fs.readFileSync(image('truncated.png')); // RGB, no pHYs: 72 dpi
  const phys = (x, y, unit) => {
    const d = Buffer.alloc(9);
    d.writeUInt32BE(x, 0);
    d.writeUInt32BE(y, 4);
    d[8] = unit;
    return pngChunk('pHYs', d);
  };
  const u16 = (...values) => Buffer.concat(values.map((v) => Buffer.from([v >> 8, v & 255])));
  const base = sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 10, g: 200, b: 30 } } });
  const rgb16 = await base.clone().toColourspace('rgb16').png().toBuffer();
  const grey8 = await base.clone().toColourspace('b-w').png().toBuffer();
  const grey16 = await base.clone().toColourspace('grey16').png().toBuffer();
  const greyAlpha = await base.clone().toColourspace('b-w').ensureAlpha().png().toBuffer();
  const palette = await base.clone().png({ palette: true }).toBuffer();
  const beforeIdat = (file, chunk) => {
    const at = file.indexOf('IDAT') - 4;
    return Buffer.concat([file.subarray(0, at), chunk, file.subarray(at)]);
  };
  const cases = [
    ['pHYs 11811 per metre', intoPng(png, [phys(11811, 11811, 1)])],
    ['pHYs 500 per metre', intoPng(png, [phys(500, 500, 1)])],
    ['pHYs unit 0, 3', intoPng(png, [phys(3, 3, 0)])],
    ['pHYs unit 0, 1', intoPng(png, [phys(1, 1, 0)])],
    ['pHYs unit 2', intoPng(png, [phys(3000, 3000, 2)])],
    ['pHYs 0', intoPng(png, [phys(0, 0, 1)])],
    ['eXIf inch 300', intoPng(png, [pngChunk('eXIf', tiffResolution([300, 1], [300, 1], 2))])],
    ['pHYs and eXIf cm', intoPng(png, [phys(11811, 11811, 1), pngChunk('eXIf', tiffResolution([50, 1], [50, 1], 3))])],
    ['bKGD RGB 8-bit', intoPng(png, [pngChunk('bKGD', u16(10, 20, 30))])],
    ['bKGD RGB 8-bit out of range', intoPng(png, [pngChunk('bKGD', u16(300, 20, 30))])],
    ['bKGD too short', intoPng(png, [pngChunk('bKGD', u16(10, 20))])],
    ['two bKGD', intoPng(png, [pngChunk('bKGD', u16(10, 20, 30)), pngChunk('bKGD', u16(40, 50, 60))])],
    ['bKGD RGB 16-bit', intoPng(rgb16, [pngChunk('bKGD', u16(500, 383, 32767))])],
    ['bKGD grey 8-bit 200', intoPng(grey8, [pngChunk('bKGD', u16(200))])],
    ['bKGD grey 8-bit 51', intoPng(grey8, [pngChunk('bKGD', u16(51))])],
    ['bKGD grey 8-bit out of range', intoPng(grey8, [pngChunk('bKGD', u16(300))])],
    ['bKGD grey 16-bit', intoPng(grey16, [pngChunk('bKGD', u16(40000))])],
    ['bKGD grey and alpha', intoPng(greyAlpha, [pngChunk('bKGD', u16(1))])],
    ['palette', palette],
    ['bKGD palette index', beforeIdat(palette, pngChunk('bKGD', Buffer.from([0])))]
  ];
  await assertSame(cases);
  const m = await gpu(cases[13][1]).metadata();
  assert.deepEqual(m.background, { gray: 78 });
  assert.equal((await gpu(palette).metadata()).isPalette, true);
});

test('metadata compat: WebP resolution unit from EXIF', async () => {
  const webp = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).webp().toBuffer();
  // An extended file: VP8X, then EXIF, then the image chunk
  const withExif = (tiff) => {
    const vp8x = Buffer.alloc(18);
    vp8x.write('VP8X', 0, 'latin1');
    vp8x.writeUInt32LE(10, 4);
    vp8x[8] = 0x08; // EXIF flag
    vp8x.writeUIntLE(3, 12, 3);
    vp8x.writeUIntLE(3, 15, 3);
    const exif = Buffer.concat([latin1('EXIF'), Buffer.alloc(4), tiff, Buffer.alloc(tiff.length & 1)]);
    exif.writeUInt32LE(tiff.length, 4);
    const body = Buffer.concat([latin1('WEBP'), vp8x, exif, webp.subarray(12)]);
    const head = Buffer.concat([latin1('RIFF'), Buffer.alloc(4)]);
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  await assertSame([
    ['EXIF inch 300', withExif(tiffResolution([300, 1], [300, 1], 2))],
    ['EXIF cm 118', withExif(tiffResolution([118, 1], [118, 1], 3))],
    ['EXIF unit 1', withExif(tiffResolution([5, 1], [5, 1], 1))],
    ['EXIF no resolution', withExif(tiffResolution(null, null, 2))]
  ]);
  assert.equal((await gpu(withExif(tiffResolution([118, 1], [118, 1], 3))).metadata()).resolutionUnit, 'cm');
});

// sharp.format: gpu-resize's own formats, and what it hands to sharp (tile() / dz, .v output,
// jp2, jxl) as sharp's table says. Differences that stay:
const formatAllowed = {
  // gpu-resize reads no .v file: neither its codecs nor its libvips path (libvips reads them
  // from files only, gpu-resize hands libvips bytes), and a .v input is not handed to sharp
  'vips.input.file': false
};

function flatten (table) {
  const out = {};
  for (const [id, entry] of Object.entries(table)) {
    for (const dir of ['input', 'output']) {
      for (const [key, value] of Object.entries(entry[dir])) {
        out[`${id}.${dir}.${key}`] = value;
      }
    }
  }
  return out;
}

test('sharp.format: entry for entry as sharp\'s, where sharp is installed', () => {
  const ours = flatten(gpu.format);
  const theirs = flatten(sharp.format);
  assert.deepEqual(Object.keys(gpu.format), Object.keys(sharp.format));
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
  for (const [key, value] of Object.entries(theirs)) {
    assert.deepEqual(ours[key], key in formatAllowed ? formatAllowed[key] : value, key);
  }
  assert.deepEqual(gpu.format.dz.output, { file: true, buffer: true, stream: true });
  assert.equal(gpu.format, gpu.format, 'built once');
});

test('sharp.format: without sharp, what would be handed to it is false', () => {
  const script = `
    const gpu = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'js'))});
    console.log(JSON.stringify(gpu.format));`;
  const withoutSharp = JSON.parse(execFileSync(process.execPath,
    ['--require', path.join(__dirname, 'fixtures', 'no-sharp.js'), '-e', script], { encoding: 'utf8' }));
  const ours = flatten(withoutSharp);
  const withSharp = flatten(gpu.format);
  const changed = Object.keys(withSharp).filter((k) => !util.isDeepStrictEqual(ours[k], withSharp[k])).sort();
  assert.deepEqual(changed, ['dz.output.buffer', 'dz.output.file', 'dz.output.stream', 'vips.output.file']);
  for (const key of changed) {
    assert.equal(ours[key], false, key);
  }
});
