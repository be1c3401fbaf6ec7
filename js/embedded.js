// Embedded metadata blocks of JPEG, PNG and WebP headers, as sharp's metadata() returns them
// (exif, icc, iptc, xmp, xmpAsString, PNG comments): the bytes libvips attaches on load.
//
//   JPEG (markers before the first scan): the first APP1 "Exif" block whole; the first APP1 XMP
//        block after its "http://ns.adobe.com/xap/1.0/\0" name; APP2 "ICC_PROFILE" chunks joined
//        in sequence order up to the first missing one; the first APP13 "Photo..." block whole.
//   PNG  (chunks before IDAT): iCCP inflated; eXIf as stored; tEXt/zTXt/iTXt text, the
//        "XML:com.adobe.xmp" one as xmp (up to a NUL, as a C string), the others as comments.
//   WebP (extended files): the first ICCP, EXIF and "XMP " chunks as stored.
//
// The walks also keep what js/header.js needs for density, resolutionUnit, background,
// isPalette, loop and delay: JPEG's JFIF APP0, PNG's IHDR, pHYs and bKGD, WebP's ANIM and ANMF.
//
// Input is untrusted: every read is bounds-checked and a malformed block is left out, never
// thrown (the header probe in the addon has already accepted the image).
'use strict';

const zlib = require('node:zlib');
const { isUtf8 } = require('node:buffer');

// Inflated profiles and text are capped, so that a small zlib bomb cannot take the memory
const maxInflated = 64 * 1024 * 1024;

const xmpName = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const iccName = Buffer.from('ICC_PROFILE\0', 'latin1');
const pngSignature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

const startsWith = (data, prefix) =>
  data.length >= prefix.length && data.compare(Buffer.from(prefix, 'latin1'), 0, prefix.length, 0, prefix.length) === 0;

const copy = (data) => Buffer.from(data);

function inflate (data) {
  try {
    return zlib.inflateSync(data, { maxOutputLength: maxInflated });
  } catch {
    return null;
  }
}

function jpegBlocks (buf) {
  const out = {};
  const iccChunks = [];
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) {
      i++; // libjpeg skips extraneous bytes between markers
      continue;
    }
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    i += 2;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      continue; // no length
    }
    if (marker === 0xda || marker === 0xd9) {
      break; // start of scan: the header ends
    }
    const length = buf.readUInt16BE(i);
    if (length < 2 || i + length > buf.length) {
      break;
    }
    const data = buf.subarray(i + 2, i + length);
    i += length;
    if (marker === 0xe0) {
      // libjpeg reads every JFIF APP0 of at least 14 bytes; the last one's fields stay
      if (data.length >= 14 && startsWith(data, 'JFIF\0')) {
        out.jfif = { unit: data[7], x: data.readUInt16BE(8), y: data.readUInt16BE(10) };
      }
    } else if (marker === 0xe1) {
      if (!out.exif && data.length > 4 && startsWith(data, 'Exif')) {
        out.exif = copy(data);
      } else if (!out.xmp && data.length > xmpName.length && startsWith(data, xmpName.toString('latin1'))) {
        out.xmp = copy(data.subarray(xmpName.length));
      }
    } else if (marker === 0xe2) {
      if (data.length > 14 && startsWith(data, iccName.toString('latin1'))) {
        const sequence = data[12] - 1; // numbered from 1
        if (sequence >= 0 && sequence < 100) {
          iccChunks[sequence] = data.subarray(14);
        }
      }
    } else if (marker === 0xed) {
      if (!out.iptc && data.length > 5 && startsWith(data, 'Photo')) {
        out.iptc = copy(data);
      }
    }
  }
  const icc = [];
  for (let s = 0; s < iccChunks.length && iccChunks[s]; s++) {
    icc.push(iccChunks[s]);
  }
  if (icc.length) {
    out.icc = Buffer.concat(icc);
  }
  return out;
}

/** A PNG text chunk's keyword and text bytes, or null when malformed. */
function pngText (type, data) {
  const keyEnd = data.indexOf(0);
  if (keyEnd < 1 || keyEnd > 79) {
    return null;
  }
  const keyword = data.toString('latin1', 0, keyEnd);
  if (type === 'tEXt') {
    return { keyword, text: data.subarray(keyEnd + 1) };
  }
  if (type === 'zTXt') {
    const text = data[keyEnd + 1] === 0 ? inflate(data.subarray(keyEnd + 2)) : null;
    return text && { keyword, text };
  }
  // iTXt: keyword, compression flag and method, language tag, translated keyword, text
  const compressed = data[keyEnd + 1];
  const languageEnd = data.indexOf(0, keyEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0 || compressed > 1) {
    return null;
  }
  const raw = data.subarray(translatedEnd + 1);
  const text = compressed ? (data[keyEnd + 2] === 0 ? inflate(raw) : null) : raw;
  return text && { keyword, text };
}

function pngBlocks (buf) {
  const out = {};
  const comments = [];
  let i = pngSignature.length;
  while (i + 12 <= buf.length) {
    const length = buf.readUInt32BE(i);
    const type = buf.toString('latin1', i + 4, i + 8);
    const start = i + 8;
    if (length > buf.length - start - 4 || type === 'IDAT' || type === 'IEND') {
      break;
    }
    const data = buf.subarray(start, start + length);
    i = start + length + 4;
    if (type === 'IHDR' && !out.ihdr && length === 13) {
      out.ihdr = { depth: data[8], colourType: data[9] };
    } else if (type === 'pHYs' && !out.phys && length === 9) {
      out.phys = { x: data.readUInt32BE(0), y: data.readUInt32BE(4), unit: data[8] };
    } else if (type === 'bKGD' && !out.bkgd) {
      out.bkgd = data;
    } else if (type === 'iCCP' && !out.icc) {
      const nameEnd = data.indexOf(0);
      const profile = nameEnd > 0 && data[nameEnd + 1] === 0 ? inflate(data.subarray(nameEnd + 2)) : null;
      if (profile && profile.length) {
        out.icc = profile;
      }
    } else if (type === 'eXIf' && !out.exif) {
      if (data.length > 2 && (startsWith(data, 'MM') || startsWith(data, 'II'))) {
        out.exif = copy(data);
      }
    } else if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const t = pngText(type, data);
      if (!t) {
        continue;
      }
      // libpng hands text to libvips as C strings
      const nul = t.text.indexOf(0);
      const text = nul < 0 ? t.text : t.text.subarray(0, nul);
      if (t.keyword === 'XML:com.adobe.xmp') {
        if (!out.xmp && text.length) {
          out.xmp = copy(text);
        }
      } else {
        // sharp reads the bytes as UTF-8, also tEXt's Latin-1
        comments.push({ keyword: t.keyword, text: text.toString('utf8') });
      }
    }
  }
  if (comments.length) {
    out.comments = comments;
  }
  return out;
}

function webpBlocks (buf) {
  const out = {};
  const names = { ICCP: 'icc', EXIF: 'exif', 'XMP ': 'xmp' };
  if (buf.length < 30 || buf.toString('latin1', 12, 16) !== 'VP8X') {
    return out; // simple (lossy or lossless only) files carry no metadata
  }
  let i = 12;
  while (i + 8 <= buf.length) {
    const fourcc = buf.toString('latin1', i, i + 4);
    const size = buf.readUInt32LE(i + 4);
    const start = i + 8;
    if (size > buf.length - start) {
      break;
    }
    const key = names[fourcc];
    if (key && !out[key] && size > 0) {
      out[key] = copy(buf.subarray(start, start + size));
    } else if (fourcc === 'ANIM' && size >= 6 && !out.anim) {
      out.anim = { loop: buf.readUInt16LE(start + 4), delay: [] };
    } else if (fourcc === 'ANMF' && size >= 16 && out.anim) {
      out.anim.delay.push(buf.readUIntLE(start + 12, 3)); // frame duration, ms
    }
    i = start + size + (size & 1);
  }
  return out;
}

/**
 * What the header walk of an image the addon has probed as `format` found: the blocks and the
 * fields above (jfif, ihdr, phys, bkgd, anim), each where present.
 */
function readHeader (format, buf) {
  let found = {};
  try {
    if (format === 'jpeg' && buf[0] === 0xff && buf[1] === 0xd8) {
      found = jpegBlocks(buf);
    } else if (format === 'png' && startsWith(buf, pngSignature.toString('latin1'))) {
      found = pngBlocks(buf);
    } else if (format === 'webp' && startsWith(buf, 'RIFF')) {
      found = webpBlocks(buf);
    }
  } catch {
    // A malformed header that the bounds checks above did not foresee: no blocks
    found = {};
  }
  return found;
}

/**
 * The blocks readHeader() found (or the addon's libvips read), in sharp's field order:
 * { exif?, icc?, iptc?, xmpAsString?, xmp?, tifftagPhotoshop?, comments? }.
 */
function embeddedMetadata (found) {
  const out = {};
  for (const key of ['exif', 'icc', 'iptc']) {
    if (found[key]) {
      out[key] = found[key];
    }
  }
  if (found.xmp) {
    // As sharp: the string too when the bytes are UTF-8 (glib's check, which refuses NULs)
    if (isUtf8(found.xmp) && !found.xmp.includes(0)) {
      out.xmpAsString = found.xmp.toString('utf8');
    }
    out.xmp = found.xmp;
  }
  if (found.tifftagPhotoshop) {
    out.tifftagPhotoshop = found.tifftagPhotoshop;
  }
  if (found.comments) {
    out.comments = found.comments;
  }
  return out;
}

module.exports = { readHeader, embeddedMetadata };
