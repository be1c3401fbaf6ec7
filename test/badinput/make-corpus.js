#!/usr/bin/env node
// Writes the bad-input corpus (test/badinput/corpus/*): small truncated, corrupt and hostile
// JPEG, PNG, WebP and other files, each made from a small valid image by one named mutation.
// The files are committed; this script documents how each was made and regenerates them:
//   node test/badinput/make-corpus.js
// The valid bases come from sharp (a devDependency), so a new sharp may change the bytes; the
// tests compare against sharp at run time, not against stored messages.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const sharp = require('sharp');

const OUT = path.join(__dirname, 'corpus');

// ---- helpers ----

/** A deterministic gradient-and-checks pattern, raw RGB(A). */
function pattern (width, height, channels) {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      data[i] = (x * 255 / (width - 1)) | 0;
      data[i + 1] = (y * 255 / (height - 1)) | 0;
      data[i + 2] = ((x >> 2) + (y >> 2)) & 1 ? 220 : 30;
      if (channels === 4) data[i + 3] = 255 - (((x + y) * 255 / (width + height)) | 0);
    }
  }
  return data;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32 (buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk with a correct CRC (or a wrong one when badCrc). */
function chunk (type, body, badCrc = false) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(Buffer.concat([head.subarray(4), body])) ^ (badCrc ? 1 : 0)) >>> 0);
  return Buffer.concat([head, body, crc]);
}
const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function ihdr (width, height, depth = 8, colour = 2) {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b[8] = depth;
  b[9] = colour;
  return chunk('IHDR', b);
}
/** Splits a PNG into its chunks: [{ type, body, raw }]. */
function pngChunks (png) {
  const out = [];
  for (let pos = 8; pos + 12 <= png.length;) {
    const n = png.readUInt32BE(pos);
    out.push({ type: png.toString('latin1', pos + 4, pos + 8), body: png.subarray(pos + 8, pos + 8 + n), raw: png.subarray(pos, pos + 12 + n) });
    pos += 12 + n;
  }
  return out;
}

/** Offset of the first JPEG marker `code` (0xFFxx), searching from `from`. */
function marker (jpeg, code, from = 2) {
  for (let i = from; i + 1 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === code) return i;
  }
  throw new Error(`marker ${code.toString(16)} not found`);
}

function flipBytes (buf, start, count, step) {
  const out = Buffer.from(buf);
  for (let i = 0; i < count; i++) out[start + i * step] ^= 0x5a;
  return out;
}

function riff (chunks) {
  const body = Buffer.concat([Buffer.from('WEBP'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}
function webpChunk (fourcc, body) {
  const head = Buffer.alloc(8);
  head.write(fourcc, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

async function main () {
  const W = 48;
  const H = 32;
  const rgb = { raw: { width: W, height: H, channels: 3 } };
  const rgba = { raw: { width: W, height: H, channels: 4 } };
  const jpeg = await sharp(pattern(W, H, 3), rgb).jpeg({ quality: 80 }).toBuffer();
  const progressive = await sharp(pattern(W, H, 3), rgb).jpeg({ quality: 80, progressive: true }).toBuffer();
  const png = await sharp(pattern(W, H, 3), rgb).png({ compressionLevel: 9 }).toBuffer();
  const webp = await sharp(pattern(W, H, 3), rgb).webp({ quality: 60 }).toBuffer();
  const webpLossless = await sharp(pattern(W, H, 4), rgba).webp({ lossless: true }).toBuffer();

  const sos = marker(jpeg, 0xda);
  const sof = marker(jpeg, 0xc0);
  const dht = marker(jpeg, 0xc4);
  const dqt = marker(jpeg, 0xdb);
  const scanStart = sos + 2 + jpeg.readUInt16BE(sos + 2);
  const chunks = pngChunks(png);
  const idat = chunks.find((c) => c.type === 'IDAT');
  const iend = chunks.find((c) => c.type === 'IEND');
  const beforeIdat = Buffer.concat([PNG_SIG, ...chunks.slice(0, chunks.indexOf(idat)).map((c) => c.raw)]);
  const tinyIdat = chunk('IDAT', zlib.deflateSync(Buffer.alloc(64)));

  const withSof = (width, height, components) => {
    const out = Buffer.from(jpeg);
    out.writeUInt16BE(height, sof + 5);
    out.writeUInt16BE(width, sof + 7);
    if (components !== undefined) out[sof + 9] = components;
    return out;
  };
  const vp8l = (width, height) => {
    // VP8L: signature 0x2f, then 14-bit width-1, 14-bit height-1, alpha, version 0.
    const b = Buffer.alloc(5 + 16);
    b[0] = 0x2f;
    b.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
    return riff([webpChunk('VP8L', b)]);
  };
  const vp8x = (width, height) => {
    const b = Buffer.alloc(10);
    b.writeUIntLE(width - 1, 4, 3);
    b.writeUIntLE(height - 1, 7, 3);
    const image = webp.subarray(12); // the VP8 chunk of the small valid WebP
    return riff([webpChunk('VP8X', b), image]);
  };

  const corpus = {
    // -- valid inputs the corrupt ones are made from (also the fuzzers' seeds) --
    'valid.jpg': jpeg,
    'valid-progressive.jpg': progressive,
    'valid.png': png,
    'valid.webp': webp,
    'valid-lossless-alpha.webp': webpLossless,
    // -- JPEG --
    'jpeg-soi-only.jpg': jpeg.subarray(0, 3),
    'jpeg-magic-then-zeros.jpg': Buffer.concat([jpeg.subarray(0, 3), Buffer.alloc(61)]),
    'jpeg-header-only.jpg': jpeg.subarray(0, scanStart),
    'jpeg-cut-in-header.jpg': jpeg.subarray(0, sof + 6),
    'jpeg-truncated-half.jpg': jpeg.subarray(0, scanStart + ((jpeg.length - scanStart) >> 1)),
    'jpeg-progressive-truncated.jpg': progressive.subarray(0, progressive.length >> 1),
    'jpeg-no-eoi.jpg': jpeg.subarray(0, jpeg.length - 2),
    'jpeg-corrupt-scan.jpg': flipBytes(jpeg, scanStart + 40, 12, 7),
    'jpeg-extraneous-bytes.jpg': Buffer.concat([jpeg.subarray(0, jpeg.length - 2), Buffer.from([1, 2, 3, 4]), jpeg.subarray(jpeg.length - 2)]),
    'jpeg-zero-height.jpg': withSof(W, 0),
    'jpeg-zero-width.jpg': withSof(0, H),
    'jpeg-bad-components.jpg': withSof(W, H, 0),
    'jpeg-bomb-65000x65000.jpg': withSof(65000, 65000),
    'jpeg-bad-huffman.jpg': flipBytes(jpeg, dht + 5, 16, 1),
    'jpeg-bad-dqt-index.jpg': (() => { const b = Buffer.from(jpeg); b[dqt + 4] = 0x07; return b; })(),
    'jpeg-trailing-garbage.jpg': Buffer.concat([jpeg, Buffer.from('trailing garbage after EOI')]),
    // -- PNG --
    'png-signature-only.png': PNG_SIG,
    'png-bad-signature.png': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00]), png.subarray(8)]),
    'png-ihdr-truncated.png': png.subarray(0, 20),
    'png-ihdr-bad-crc.png': Buffer.concat([PNG_SIG, chunk('IHDR', chunks[0].body, true), png.subarray(8 + chunks[0].raw.length)]),
    'png-zero-width.png': Buffer.concat([PNG_SIG, ihdr(0, H), tinyIdat, iend.raw]),
    'png-bad-bit-depth.png': Buffer.concat([PNG_SIG, ihdr(W, H, 7, 2), tinyIdat, iend.raw]),
    'png-bad-colour-type.png': Buffer.concat([PNG_SIG, ihdr(W, H, 8, 5), tinyIdat, iend.raw]),
    'png-bomb-100000x100000.png': Buffer.concat([PNG_SIG, ihdr(100000, 100000, 8, 0), tinyIdat, iend.raw]),
    'png-idat-truncated.png': Buffer.concat([beforeIdat, idat.raw.subarray(0, idat.raw.length >> 1)]),
    'png-idat-bad-crc.png': Buffer.concat([beforeIdat, chunk('IDAT', idat.body, true), iend.raw]),
    'png-idat-corrupt-zlib.png': Buffer.concat([beforeIdat, chunk('IDAT', flipBytes(idat.body, 20, 16, 9)), iend.raw]),
    'png-idat-too-short.png': Buffer.concat([beforeIdat, tinyIdat, iend.raw]),
    'png-no-iend.png': png.subarray(0, png.length - 12),
    'png-ancillary-bad-crc.png': Buffer.concat([beforeIdat, chunk('tEXt', Buffer.from('Comment\0bad crc'), true), idat.raw, iend.raw]),
    // a tEXt whose length field claims 2 GB, as the fuzzer made it: libpng 1.6.39 allocated and
    // zeroed that much before finding the input too short
    'png-text-length-2gb.png': (() => {
      const text = chunk('tEXt', Buffer.from('Comment\0says 2 GB'));
      text.writeUInt32BE(0x7fffffef, 0);
      return Buffer.concat([beforeIdat, text, idat.raw, iend.raw]);
    })(),
    'png-duplicate-ihdr.png': Buffer.concat([beforeIdat, chunks[0].raw, idat.raw, iend.raw]),
    'png-no-idat.png': Buffer.concat([beforeIdat, iend.raw]),
    // -- WebP --
    'webp-riff-only.webp': riff([]),
    'webp-truncated-header.webp': webp.subarray(0, 20),
    'webp-truncated-half.webp': webp.subarray(0, webp.length >> 1),
    'webp-lossless-truncated.webp': webpLossless.subarray(0, webpLossless.length >> 1),
    'webp-bad-vp8-start-code.webp': (() => { const b = Buffer.from(webp); b[23] ^= 0xff; return b; })(),
    'webp-corrupt-data.webp': flipBytes(webp, 40, 20, 3),
    'webp-lossless-corrupt.webp': flipBytes(webpLossless, 30, 40, 5),
    'webp-riff-size-too-large.webp': (() => { const b = Buffer.from(webp); b.writeUInt32LE(0x7ffffff0, 4); return b; })(),
    'webp-bomb-vp8l-16384x16384.webp': vp8l(16384, 16384),
    'webp-bomb-vp8x-16777216x16777216.webp': vp8x(16777216, 16777216),
    // -- other formats and no format --
    'empty.jpg': Buffer.alloc(0),
    'text.jpg': Buffer.from('This is not an image, only text.\n'),
    'html.png': Buffer.from('<!DOCTYPE html><html><body>404 Not Found</body></html>\n'),
    'gif-truncated.gif': Buffer.from('GIF89a\x01\x00', 'latin1'),
    'tiff-header-only.tif': Buffer.from('II*\x00\x08\x00\x00\x00', 'latin1'),
    'svg-broken.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><bad')
  };

  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  let bytes = 0;
  for (const [name, data] of Object.entries(corpus)) {
    fs.writeFileSync(path.join(OUT, name), data);
    bytes += data.length;
  }
  console.log(`${Object.keys(corpus).length} files, ${bytes} bytes in ${path.relative(process.cwd(), OUT)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
