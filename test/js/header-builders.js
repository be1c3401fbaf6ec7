// Builders of crafted image headers for the metadata tests: PNG chunks, JPEG segments, JFIF,
// a TIFF IFD0 with resolution tags, spliced into small real files.
'use strict';

const latin1 = (s) => Buffer.from(s, 'latin1');

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) {
    c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return c >>> 0;
});

function pngChunk (type, data) {
  const body = Buffer.concat([latin1(type), data]);
  let c = 0xffffffff;
  for (const x of body) {
    c = crcTable[(c ^ x) & 255] ^ (c >>> 8);
  }
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

function jpegSegment (marker, data) {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

// After the PNG signature and IHDR; after the JPEG SOI
const intoPng = (png, chunks) => Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);
const intoJpeg = (jpeg, segments) => Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);

/** A JFIF APP0 segment with density unit and densities. */
function jfif (unit, x, y) {
  const data = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, unit, 0, 0, 0, 0, 0, 0]);
  data.writeUInt16BE(x, 8);
  data.writeUInt16BE(y, 10);
  return jpegSegment(0xe0, data);
}

/**
 * A TIFF header and IFD0 with XResolution and YResolution ([numerator, denominator], RATIONAL)
 * and ResolutionUnit (SHORT); null leaves a tag out.
 */
function tiffResolution (x, y, unit, littleEndian = false) {
  const tags = [];
  if (x) {
    tags.push([0x11a, x]);
  }
  if (y) {
    tags.push([0x11b, y]);
  }
  if (unit !== null) {
    tags.push([0x128, unit]);
  }
  const ifdSize = 2 + tags.length * 12 + 4;
  const b = Buffer.alloc(8 + ifdSize + 8 * tags.length);
  const u16 = (v, o) => (littleEndian ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (v, o) => (littleEndian ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  b.write(littleEndian ? 'II' : 'MM', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(tags.length, 8);
  let data = 8 + ifdSize;
  tags.forEach(([tag, value], i) => {
    const entry = 10 + i * 12;
    u16(tag, entry);
    u32(1, entry + 4);
    if (tag === 0x128) {
      u16(3, entry + 2);
      u16(value, entry + 8);
    } else {
      u16(5, entry + 2);
      u32(data, entry + 8);
      u32(value[0], data);
      u32(value[1], data + 4);
      data += 8;
    }
  });
  return b.subarray(0, data);
}

module.exports = { latin1, pngChunk, jpegSegment, intoPng, intoJpeg, jfif, tiffResolution };
