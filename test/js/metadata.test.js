// metadata(): the embedded blocks (exif, icc, iptc, xmp, xmpAsString, PNG comments) of JPEG, PNG
// and WebP inputs, byte for byte as sharp's metadata() returns them: on the shared EXIF, ICC and
// IPTC samples, on PNG and WebP files that sharp wrote with keepMetadata(), and on crafted files
// for the rules (first block wins, ICC chunk order, compressed text, C-string text).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const { gpu, sharp, image } = require('./helpers');

const keys = ['exif', 'icc', 'iptc', 'xmp', 'xmpAsString', 'comments'];
const blocks = (m) => Object.fromEntries(keys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));

/** Our blocks and sharp's for input; they must be equal. Returns ours. */
async function sameBlocks (input, label) {
  const [ours, theirs] = await Promise.all([gpu(input).metadata(), sharp(input).metadata()]);
  assert.deepEqual(blocks(ours), blocks(theirs), label);
  for (const k of ['exif', 'icc', 'iptc', 'xmp']) {
    if (ours[k]) {
      assert.ok(Buffer.isBuffer(ours[k]), `${label}: ${k} is a Buffer`);
    }
  }
  return ours;
}

const { latin1, pngChunk, jpegSegment, intoPng, intoJpeg } = require('./header-builders');

test('metadata blocks: the shared JPEG samples (EXIF orientation, ICC, IPTC, XMP)', async () => {
  const expected = {
    'Landscape_1.jpg': ['exif', 'iptc', 'xmp', 'xmpAsString'],
    'Landscape_6.jpg': ['exif', 'icc'],
    'Portrait_8.jpg': ['exif', 'icc'],
    '320x240.jpg': ['exif', 'icc', 'xmp', 'xmpAsString'],
    'concert.jpg': ['exif', 'icc', 'iptc'],
    'flowers.jpeg': ['exif', 'xmp', 'xmpAsString'],
    // an ICC profile of 557,168 bytes, over several APP2 markers
    'Channel_digital_image_CMYK_color.jpg': ['exif', 'icc', 'iptc', 'xmp', 'xmpAsString'],
    '2569067123_aca715a2ee_o.jpg': []
  };
  for (const [name, present] of Object.entries(expected)) {
    const ours = await sameBlocks(image(name), name);
    assert.deepEqual(Object.keys(blocks(ours)).sort(), present.slice().sort(), name);
  }
  // From a Buffer too, and the blocks are copies, not views of the input
  const input = require('node:fs').readFileSync(image('Portrait_8.jpg'));
  const m = await sameBlocks(input, 'Portrait_8.jpg buffer');
  assert.notEqual(m.exif.buffer, input.buffer);
  assert.equal(m.exif.toString('latin1', 0, 6), 'Exif\0\0');
});

test('metadata blocks: PNG and WebP written by sharp with keepMetadata()', async () => {
  for (const name of ['320x240.jpg', 'Landscape_1.jpg', 'Channel_digital_image_CMYK_color.jpg']) {
    for (const format of ['png', 'webp', 'jpeg']) {
      const input = await sharp(image(name)).resize(40).keepMetadata().toFormat(format).toBuffer();
      const ours = await sameBlocks(input, `${name} as ${format}`);
      assert.ok(ours.exif, `${name} as ${format}: exif`);
    }
  }
  for (const name of ['4.webp', '5_webp_a.webp', 'alpha-premultiply-2048x1536-paper.png', 'gradients-rgb8.png']) {
    assert.deepEqual(blocks(await sameBlocks(image(name), name)), {}, name);
  }
});

test('metadata blocks: crafted PNG chunks (iCCP, eXIf, compressed XMP, text comments)', async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).png().toBuffer();
  const icc = (await sharp(image('320x240.jpg')).metadata()).icc;
  const exif = latin1('MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x03\0\0\0\0\0\0');
  const xmp = Buffer.from('<x:xmpmeta xmlns:x="adobe:ns:meta/">café ☃</x:xmpmeta>');
  const all = await sameBlocks(intoPng(png, [
    pngChunk('iCCP', Buffer.concat([latin1('icc\0\0'), zlib.deflateSync(icc)])),
    pngChunk('eXIf', exif),
    pngChunk('iTXt', Buffer.concat([latin1('XML:com.adobe.xmp\0\x01\0\0\0'), zlib.deflateSync(xmp)]))
  ]), 'iCCP, eXIf, iTXt XMP');
  assert.deepEqual(all.icc, icc);
  assert.deepEqual(all.exif, exif);
  assert.equal(all.xmpAsString, xmp.toString());

  const text = await sameBlocks(intoPng(png, [
    pngChunk('tEXt', latin1('Comment\0hello w\xf6rld')),
    pngChunk('zTXt', Buffer.concat([latin1('Title\0\0'), zlib.deflateSync('zipped')])),
    pngChunk('iTXt', Buffer.concat([latin1('Author\0\0\0en\0Autor\0'), Buffer.from('Zoë')])),
    pngChunk('tEXt', latin1('XML:com.adobe.xmp\0<x/>'))
  ]), 'text chunks');
  assert.deepEqual(text.comments.map((c) => c.keyword), ['Comment', 'Title', 'Author']);
  assert.equal(text.xmpAsString, '<x/>');
});

test('metadata blocks: crafted JPEG markers (first EXIF wins, ICC chunk order, XMP with a NUL, IPTC)', async () => {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).jpeg().toBuffer();
  const icc = (await sharp(image('320x240.jpg')).metadata()).icc;
  const exifLE = latin1('Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0');
  const exifBE = latin1('Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x03\0\0\0\0\0\0');
  const xmpName = latin1('http://ns.adobe.com/xap/1.0/\0');
  const first = await sameBlocks(intoJpeg(jpeg, [
    jpegSegment(0xe1, exifLE),
    jpegSegment(0xe1, exifBE),
    jpegSegment(0xe1, Buffer.concat([xmpName, Buffer.from('<x:xmpmeta>☃</x:xmpmeta>')]))
  ]), 'two EXIF blocks and XMP');
  assert.deepEqual(first.exif, exifLE);
  assert.equal(first.xmpAsString, '<x:xmpmeta>☃</x:xmpmeta>');
  assert.equal(first.orientation, 6, 'the orientation of the first block');

  const iccChunk = (n, of, data) => jpegSegment(0xe2, Buffer.concat([latin1('ICC_PROFILE\0'), Buffer.from([n, of]), data]));
  const reordered = await sameBlocks(intoJpeg(jpeg, [iccChunk(2, 2, icc.subarray(1000)), iccChunk(1, 2, icc.subarray(0, 1000))]), 'ICC chunks 2, 1');
  assert.deepEqual(reordered.icc, icc);
  assert.equal((await sameBlocks(intoJpeg(jpeg, [iccChunk(2, 2, icc.subarray(1000))]), 'ICC chunk 1 missing')).icc, undefined);

  const nul = await sameBlocks(intoJpeg(jpeg, [jpegSegment(0xe1, Buffer.concat([xmpName, latin1('<a>\0</a>')]))]), 'XMP with a NUL');
  assert.equal(nul.xmp.length, 8);
  assert.equal(nul.xmpAsString, undefined);
  const iptc = await sameBlocks(intoJpeg(jpeg, [jpegSegment(0xed, latin1('Photoshop 3.0\x008BIM\x04\x04\0\0\0\0\0\0'))]), 'IPTC');
  assert.equal(iptc.iptc.length, 26);
});

test('metadata blocks: malformed blocks are left out, never thrown', async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } }).png().toBuffer();
  const cases = [
    // zTXt and iCCP whose deflate streams are garbage, a text chunk without a keyword end
    intoPng(png, [pngChunk('zTXt', latin1('Title\0\0not deflate')), pngChunk('iCCP', latin1('p\0\0junk')), pngChunk('tEXt', latin1('no-nul'))]),
    // eXIf that is not TIFF
    intoPng(png, [pngChunk('eXIf', latin1('XXXX'))])
  ];
  for (const [i, input] of cases.entries()) {
    const m = await gpu(input).metadata();
    assert.equal(m.width, 8);
    assert.deepEqual(blocks(m), {}, `case ${i}`);
  }
  // A JPEG marker whose length runs past the end: the header read fails as sharp's does, or the
  // blocks before it stand; either way no crash
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } }).jpeg().toBuffer();
  const cut = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1, 0xff, 0xf0]), latin1('Exif\0\0')]);
  const r = await gpu(cut).metadata().then((m) => blocks(m), (e) => e);
  assert.ok(r instanceof Error ? /Input buffer/.test(r.message) : r.exif === undefined, String(r));
});
