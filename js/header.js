// sharp's metadata() fields that libvips derives from JPEG, PNG and WebP headers, for the
// files the addon's own codecs read (js/embedded.js walks the headers): density,
// resolutionUnit, isPalette, background, loop and delay, by libvips 8.18's rules:
//
//   resolution  JPEG and PNG start at 72 dpi, WebP at none (1 pixel per mm). JPEG: a JFIF APP0
//               whose densities are both other than 1 sets it in inches (unit 1) or cm (unit 2),
//               other units leave it. PNG: pHYs sets it, in pixels per metre for unit 1, else as
//               pixels per mm; no unit is named. Then EXIF (IFD0 XResolution and YResolution,
//               ResolutionUnit defaulting to inches) replaces it: unit 2 inches, 3 cm, 1 as
//               pixels per mm with no unit named; other units, or a missing resolution, leave
//               it; for WebP only the unit is taken. sharp reports whole pixels per inch above
//               1 pixel per mm.
//   PNG         isPalette for colour type 3; background from bKGD for grey and RGB images
//               (16-bit values shifted to 8 bits; a value out of range drops it), none for
//               palette images.
//   WebP        loop from ANIM, delay from each ANMF, for animated files.
'use strict';

const mmPerInch = 25.4;

/** The value of an IFD0 RATIONAL/SRATIONAL (kind 'number') or SHORT/LONG (kind 'int') tag. */
function ifd0Value (tiff, tag, kind) {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  if (!le && tiff.toString('latin1', 0, 2) !== 'MM') {
    return undefined;
  }
  const u16 = (o) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const i32 = (o) => (le ? tiff.readInt32LE(o) : tiff.readInt32BE(o));
  const ifd = u32(4);
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== tag) {
      continue;
    }
    const type = u16(entry + 2);
    if (kind === 'int') {
      return type === 3 ? u16(entry + 8) : type === 4 ? u32(entry + 8) : undefined;
    }
    if (type !== 5 && type !== 10) {
      return undefined;
    }
    const at = u32(entry + 8);
    const [num, den] = type === 5 ? [u32(at), u32(at + 4)] : [i32(at), i32(at + 4)];
    return den === 0 ? 0 : num / den;
  }
  return undefined;
}

/** { xres (pixels per mm), unit } from an EXIF block, or null when it sets none. */
function exifResolution (exif) {
  try {
    const tiff = exif.toString('latin1', 0, 6) === 'Exif\0\0' ? exif.subarray(6) : exif;
    const x = ifd0Value(tiff, 0x11a, 'number');
    const y = ifd0Value(tiff, 0x11b, 'number');
    if (x === undefined || y === undefined) {
      return null;
    }
    const unit = ifd0Value(tiff, 0x128, 'int') ?? 2;
    if (unit === 1) {
      return { xres: x, unit: undefined };
    }
    if (unit === 2) {
      return { xres: x / mmPerInch, unit: 'inch' };
    }
    return unit === 3 ? { xres: x / 10, unit: 'cm' } : null;
  } catch {
    return null; // a malformed or truncated IFD sets nothing
  }
}

/** { xres, unit } before EXIF, from the JFIF or pHYs fields. */
function headerResolution (format, found) {
  if (format === 'webp') {
    return { xres: 1, unit: undefined };
  }
  const res = { xres: 72 / mmPerInch, unit: undefined };
  const { jfif, phys } = found;
  if (format === 'jpeg' && jfif && jfif.x !== 1 && jfif.y !== 1) {
    if (jfif.unit === 1) {
      return { xres: jfif.x / mmPerInch, unit: 'inch' };
    }
    if (jfif.unit === 2) {
      return { xres: jfif.x / 10, unit: 'cm' };
    }
  }
  if (format === 'png' && phys) {
    return { xres: phys.unit === 1 ? phys.x / 1000 : phys.x, unit: undefined };
  }
  return res;
}

/** The PNG bKGD colour as libvips reads it, or undefined. */
function pngBackground ({ ihdr, bkgd }) {
  if (!ihdr || !bkgd || ihdr.colourType === 3) {
    return undefined;
  }
  const grey = ihdr.colourType === 0 || ihdr.colourType === 4;
  if (bkgd.length !== (grey ? 2 : 6)) {
    return undefined;
  }
  const values = [];
  for (let i = 0; i < bkgd.length; i += 2) {
    const v = bkgd.readUInt16BE(i);
    if (v >= 2 ** ihdr.depth) {
      return undefined;
    }
    values.push(ihdr.depth === 16 ? v >> 8 : v);
  }
  return values.length === 3
    ? { r: values[0], g: values[1], b: values[2] }
    : { gray: Math.round(values[0] * 100 / 255) };
}

/**
 * The fields above for an image the addon's codecs read as `format`, given what
 * js/embedded.js readHeader() found; absent fields are left out.
 */
function headerFields (format, found) {
  const out = {};
  const header = headerResolution(format, found);
  const exif = found.exif && exifResolution(found.exif);
  // WebP takes only the unit from EXIF: libvips sets its resolution after reading EXIF
  const res = exif ? { xres: format === 'webp' ? header.xres : exif.xres, unit: exif.unit } : header;
  if (res.xres > 1) {
    out.density = Math.round(res.xres * mmPerInch);
  }
  if (res.unit) {
    out.resolutionUnit = res.unit;
  }
  if (format === 'png') {
    out.isPalette = Boolean(found.ihdr && found.ihdr.colourType === 3);
    const background = pngBackground(found);
    if (background) {
      out.background = background;
    }
  }
  if (format === 'webp' && found.anim) {
    out.loop = found.anim.loop;
    out.delay = found.anim.delay;
  }
  return out;
}

module.exports = { headerFields };
