/*!
  Adapted from sharp 0.35.5 (lib/output.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  The format methods (jpeg, png, webp, gif, tiff, heif, avif, raw, toFormat, timeout) keep sharp's
  validation and option storage unchanged. _pipeline() builds the baton for the gpu-resize addon
  (native.process) instead of calling sharp's libvips pipeline.
*/
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const is = require('./is');
const { mapCanvasToFit } = require('./resize');
const counters = require('./counters');
const clones = require('./clones');

const formats = new Map([
  ['heic', 'heif'],
  ['heif', 'heif'],
  ['avif', 'avif'],
  ['jpeg', 'jpeg'],
  ['jpg', 'jpeg'],
  ['jpe', 'jpeg'],
  ['tile', 'tile'],
  ['dz', 'tile'],
  ['png', 'png'],
  ['raw', 'raw'],
  ['tiff', 'tiff'],
  ['tif', 'tiff'],
  ['webp', 'webp'],
  ['gif', 'gif'],
  ['jp2', 'jp2'],
  ['jpx', 'jp2'],
  ['j2k', 'jp2'],
  ['j2c', 'jp2'],
  ['jxl', 'jxl']
]);

const jp2Regex = /\.(jp[2x]|j2[kc])$/i;

const errJp2Save = () => new Error('JP2 output requires libvips with support for OpenJPEG');

const bitdepthFromColourCount = (colours) => 1 << 32 - Math.clz32(Math.ceil(Math.log2(colours)) - 1);

/**
 * Write output image data to a file (see sharp's toFile()).
 * The output format is the one set by a format method, else taken from the extension,
 * else the input's format.
 * @param {string} fileOut - the path to write the image data to.
 * @param {Function} [callback] - called with `(err, info)`.
 * @returns {Promise<Object>|Sharp}
 */
function toFile (fileOut, callback) {
  let err;
  if (!is.string(fileOut)) {
    err = new Error('Missing output file path');
  } else if (is.string(this.options.input.file) && path.resolve(this.options.input.file) === path.resolve(fileOut)) {
    err = new Error('Cannot use same file for input and output');
  } else if (jp2Regex.test(path.extname(fileOut)) && !this.constructor.format.jp2.output.file) {
    err = errJp2Save();
  } else {
    try {
      this._delegateFileOutput(fileOut);
    } catch (e) {
      err = e;
    }
  }
  if (err) {
    if (is.fn(callback)) {
      callback(err);
    } else {
      return Promise.reject(err);
    }
  } else {
    this.options.fileOut = fileOut;
    const stack = Error();
    return this._pipeline(callback, stack);
  }
  return this;
}

/**
 * Write output to a Buffer (see sharp's toBuffer()).
 * @param {Object} [options] - { resolveWithObject }
 * @param {Function} [callback] - called with `(err, data, info)`.
 * @returns {Promise<Buffer>|Sharp}
 */
function toBuffer (options, callback) {
  if (is.object(options)) {
    this._setBooleanOption('resolveWithObject', options.resolveWithObject);
  } else if (this.options.resolveWithObject) {
    this.options.resolveWithObject = false;
  }
  this.options.fileOut = '';
  const stack = Error();
  return this._pipeline(is.fn(options) ? options : callback, stack);
}

function toUint8Array () {
  this.options.resolveWithObject = true;
  this.options.typedArrayOut = true;
  const stack = Error();
  return this._pipeline(null, stack);
}

function toFormat (format, options) {
  const actualFormat = formats.get((is.object(format) && is.string(format.id) ? format.id : format).toLowerCase());
  if (!actualFormat) {
    throw is.invalidParameterError('format', `one of: ${[...formats.keys()].join(', ')}`, format);
  }
  return this[actualFormat](options);
}

function jpeg (options) {
  if (is.object(options)) {
    if (is.defined(options.quality)) {
      if (is.integer(options.quality) && is.inRange(options.quality, 1, 100)) {
        this.options.jpegQuality = options.quality;
      } else {
        throw is.invalidParameterError('quality', 'integer between 1 and 100', options.quality);
      }
    }
    if (is.defined(options.progressive)) {
      this._setBooleanOption('jpegProgressive', options.progressive);
    }
    if (is.defined(options.chromaSubsampling)) {
      if (is.string(options.chromaSubsampling) && is.inArray(options.chromaSubsampling, ['4:2:0', '4:4:4'])) {
        this.options.jpegChromaSubsampling = options.chromaSubsampling;
      } else {
        throw is.invalidParameterError('chromaSubsampling', 'one of: 4:2:0, 4:4:4', options.chromaSubsampling);
      }
    }
    const optimiseCoding = is.bool(options.optimizeCoding) ? options.optimizeCoding : options.optimiseCoding;
    if (is.defined(optimiseCoding)) {
      this._setBooleanOption('jpegOptimiseCoding', optimiseCoding);
    }
    if (is.defined(options.mozjpeg)) {
      if (is.bool(options.mozjpeg)) {
        if (options.mozjpeg) {
          this.options.jpegTrellisQuantisation = true;
          this.options.jpegOvershootDeringing = true;
          this.options.jpegOptimiseScans = true;
          this.options.jpegProgressive = true;
          this.options.jpegQuantisationTable = 3;
        }
      } else {
        throw is.invalidParameterError('mozjpeg', 'boolean', options.mozjpeg);
      }
    }
    const trellisQuantisation = is.bool(options.trellisQuantization) ? options.trellisQuantization : options.trellisQuantisation;
    if (is.defined(trellisQuantisation)) {
      this._setBooleanOption('jpegTrellisQuantisation', trellisQuantisation);
    }
    if (is.defined(options.overshootDeringing)) {
      this._setBooleanOption('jpegOvershootDeringing', options.overshootDeringing);
    }
    const optimiseScans = is.bool(options.optimizeScans) ? options.optimizeScans : options.optimiseScans;
    if (is.defined(optimiseScans)) {
      this._setBooleanOption('jpegOptimiseScans', optimiseScans);
      if (optimiseScans) {
        this.options.jpegProgressive = true;
      }
    }
    const quantisationTable = is.number(options.quantizationTable) ? options.quantizationTable : options.quantisationTable;
    if (is.defined(quantisationTable)) {
      if (is.integer(quantisationTable) && is.inRange(quantisationTable, 0, 8)) {
        this.options.jpegQuantisationTable = quantisationTable;
      } else {
        throw is.invalidParameterError('quantisationTable', 'integer between 0 and 8', quantisationTable);
      }
    }
  }
  return this._updateFormatOut('jpeg', options);
}

function png (options) {
  if (is.object(options)) {
    if (is.defined(options.progressive)) {
      this._setBooleanOption('pngProgressive', options.progressive);
    }
    if (is.defined(options.compressionLevel)) {
      if (is.integer(options.compressionLevel) && is.inRange(options.compressionLevel, 0, 9)) {
        this.options.pngCompressionLevel = options.compressionLevel;
      } else {
        throw is.invalidParameterError('compressionLevel', 'integer between 0 and 9', options.compressionLevel);
      }
    }
    if (is.defined(options.adaptiveFiltering)) {
      this._setBooleanOption('pngAdaptiveFiltering', options.adaptiveFiltering);
    }
    const colours = options.colours || options.colors;
    if (is.defined(colours)) {
      if (is.integer(colours) && is.inRange(colours, 2, 256)) {
        this.options.pngBitdepth = bitdepthFromColourCount(colours);
      } else {
        throw is.invalidParameterError('colours', 'integer between 2 and 256', colours);
      }
    }
    if (is.defined(options.palette)) {
      this._setBooleanOption('pngPalette', options.palette);
    } else if ([options.quality, options.effort, options.colours, options.colors, options.dither].some(is.defined)) {
      this._setBooleanOption('pngPalette', true);
    }
    if (this.options.pngPalette) {
      if (is.defined(options.quality)) {
        if (is.integer(options.quality) && is.inRange(options.quality, 0, 100)) {
          this.options.pngQuality = options.quality;
        } else {
          throw is.invalidParameterError('quality', 'integer between 0 and 100', options.quality);
        }
      }
      if (is.defined(options.effort)) {
        if (is.integer(options.effort) && is.inRange(options.effort, 1, 10)) {
          this.options.pngEffort = options.effort;
        } else {
          throw is.invalidParameterError('effort', 'integer between 1 and 10', options.effort);
        }
      }
      if (is.defined(options.dither)) {
        if (is.number(options.dither) && is.inRange(options.dither, 0, 1)) {
          this.options.pngDither = options.dither;
        } else {
          throw is.invalidParameterError('dither', 'number between 0.0 and 1.0', options.dither);
        }
      }
    }
  }
  return this._updateFormatOut('png', options);
}

function webp (options) {
  if (is.object(options)) {
    if (is.defined(options.quality)) {
      if (is.integer(options.quality) && is.inRange(options.quality, 1, 100)) {
        this.options.webpQuality = options.quality;
      } else {
        throw is.invalidParameterError('quality', 'integer between 1 and 100', options.quality);
      }
    }
    if (is.defined(options.alphaQuality)) {
      if (is.integer(options.alphaQuality) && is.inRange(options.alphaQuality, 0, 100)) {
        this.options.webpAlphaQuality = options.alphaQuality;
      } else {
        throw is.invalidParameterError('alphaQuality', 'integer between 0 and 100', options.alphaQuality);
      }
    }
    if (is.defined(options.lossless)) {
      this._setBooleanOption('webpLossless', options.lossless);
    }
    if (is.defined(options.nearLossless)) {
      this._setBooleanOption('webpNearLossless', options.nearLossless);
    }
    if (is.defined(options.smartSubsample)) {
      this._setBooleanOption('webpSmartSubsample', options.smartSubsample);
    }
    if (is.defined(options.smartDeblock)) {
      this._setBooleanOption('webpSmartDeblock', options.smartDeblock);
    }
    if (is.defined(options.preset)) {
      if (is.string(options.preset) && is.inArray(options.preset, ['default', 'photo', 'picture', 'drawing', 'icon', 'text'])) {
        this.options.webpPreset = options.preset;
      } else {
        throw is.invalidParameterError('preset', 'one of: default, photo, picture, drawing, icon, text', options.preset);
      }
    }
    if (is.defined(options.effort)) {
      if (is.integer(options.effort) && is.inRange(options.effort, 0, 6)) {
        this.options.webpEffort = options.effort;
      } else {
        throw is.invalidParameterError('effort', 'integer between 0 and 6', options.effort);
      }
    }
    if (is.defined(options.minSize)) {
      this._setBooleanOption('webpMinSize', options.minSize);
    }
    if (is.defined(options.mixed)) {
      this._setBooleanOption('webpMixed', options.mixed);
    }
    if (is.defined(options.exact)) {
      this._setBooleanOption('webpExact', options.exact);
    }
  }
  trySetAnimationOptions(options, this.options);
  return this._updateFormatOut('webp', options);
}

function gif (options) {
  if (is.object(options)) {
    if (is.defined(options.reuse)) {
      this._setBooleanOption('gifReuse', options.reuse);
    }
    if (is.defined(options.progressive)) {
      this._setBooleanOption('gifProgressive', options.progressive);
    }
    const colours = options.colours || options.colors;
    if (is.defined(colours)) {
      if (is.integer(colours) && is.inRange(colours, 2, 256)) {
        this.options.gifBitdepth = bitdepthFromColourCount(colours);
      } else {
        throw is.invalidParameterError('colours', 'integer between 2 and 256', colours);
      }
    }
    if (is.defined(options.effort)) {
      if (is.integer(options.effort) && is.inRange(options.effort, 1, 10)) {
        this.options.gifEffort = options.effort;
      } else {
        throw is.invalidParameterError('effort', 'integer between 1 and 10', options.effort);
      }
    }
    if (is.defined(options.dither)) {
      if (is.number(options.dither) && is.inRange(options.dither, 0, 1)) {
        this.options.gifDither = options.dither;
      } else {
        throw is.invalidParameterError('dither', 'number between 0.0 and 1.0', options.dither);
      }
    }
    if (is.defined(options.interFrameMaxError)) {
      if (is.number(options.interFrameMaxError) && is.inRange(options.interFrameMaxError, 0, 32)) {
        this.options.gifInterFrameMaxError = options.interFrameMaxError;
      } else {
        throw is.invalidParameterError('interFrameMaxError', 'number between 0.0 and 32.0', options.interFrameMaxError);
      }
    }
    if (is.defined(options.interPaletteMaxError)) {
      if (is.number(options.interPaletteMaxError) && is.inRange(options.interPaletteMaxError, 0, 256)) {
        this.options.gifInterPaletteMaxError = options.interPaletteMaxError;
      } else {
        throw is.invalidParameterError('interPaletteMaxError', 'number between 0.0 and 256.0', options.interPaletteMaxError);
      }
    }
    if (is.defined(options.keepDuplicateFrames)) {
      if (is.bool(options.keepDuplicateFrames)) {
        this._setBooleanOption('gifKeepDuplicateFrames', options.keepDuplicateFrames);
      } else {
        throw is.invalidParameterError('keepDuplicateFrames', 'boolean', options.keepDuplicateFrames);
      }
    }
  }
  trySetAnimationOptions(options, this.options);
  return this._updateFormatOut('gif', options);
}

function trySetAnimationOptions (source, target) {
  if (is.object(source) && is.defined(source.loop)) {
    if (is.integer(source.loop) && is.inRange(source.loop, 0, 65535)) {
      target.loop = source.loop;
    } else {
      throw is.invalidParameterError('loop', 'integer between 0 and 65535', source.loop);
    }
  }
  if (is.object(source) && is.defined(source.delay)) {
    // We allow singular values as well
    if (is.integer(source.delay) && is.inRange(source.delay, 0, 65535)) {
      target.delay = [source.delay];
    } else if (
      Array.isArray(source.delay) &&
      is.inRange(source.delay.length, 1, 1000000) &&
      source.delay.every(is.integer) &&
      source.delay.every(v => is.inRange(v, 0, 65535))) {
      target.delay = source.delay;
    } else {
      throw is.invalidParameterError('delay', 'integer or an array of integers between 0 and 65535', source.delay);
    }
  }
}

function tiff (options) {
  if (is.object(options)) {
    if (is.defined(options.quality)) {
      if (is.integer(options.quality) && is.inRange(options.quality, 1, 100)) {
        this.options.tiffQuality = options.quality;
      } else {
        throw is.invalidParameterError('quality', 'integer between 1 and 100', options.quality);
      }
    }
    if (is.defined(options.bitdepth)) {
      if (is.integer(options.bitdepth) && is.inArray(options.bitdepth, [1, 2, 4])) {
        this.options.tiffBitdepth = options.bitdepth;
      } else {
        throw is.invalidParameterError('bitdepth', '1, 2 or 4', options.bitdepth);
      }
    }
    // tiling
    if (is.defined(options.tile)) {
      this._setBooleanOption('tiffTile', options.tile);
    }
    if (is.defined(options.tileWidth)) {
      if (is.integer(options.tileWidth) && is.inRange(options.tileWidth, 1, 32768)) {
        this.options.tiffTileWidth = options.tileWidth;
      } else {
        throw is.invalidParameterError('tileWidth', 'integer between 1 and 32768', options.tileWidth);
      }
    }
    if (is.defined(options.tileHeight)) {
      if (is.integer(options.tileHeight) && is.inRange(options.tileHeight, 1, 32768)) {
        this.options.tiffTileHeight = options.tileHeight;
      } else {
        throw is.invalidParameterError('tileHeight', 'integer between 1 and 32768', options.tileHeight);
      }
    }
    // miniswhite
    if (is.defined(options.miniswhite)) {
      this._setBooleanOption('tiffMiniswhite', options.miniswhite);
    }
    // pyramid
    if (is.defined(options.pyramid)) {
      this._setBooleanOption('tiffPyramid', options.pyramid);
    }
    // resolution
    if (is.defined(options.xres)) {
      if (is.number(options.xres) && is.inRange(options.xres, 0.001, 1000000)) {
        this.options.tiffXres = options.xres;
      } else {
        throw is.invalidParameterError('xres', 'number between 0.001 and 1000000', options.xres);
      }
    }
    if (is.defined(options.yres)) {
      if (is.number(options.yres) && is.inRange(options.yres, 0.001, 1000000)) {
        this.options.tiffYres = options.yres;
      } else {
        throw is.invalidParameterError('yres', 'number between 0.001 and 1000000', options.yres);
      }
    }
    // compression
    if (is.defined(options.compression)) {
      if (is.string(options.compression) && is.inArray(options.compression, ['none', 'jpeg', 'deflate', 'packbits', 'ccittfax4', 'lzw', 'webp', 'zstd', 'jp2k'])) {
        this.options.tiffCompression = options.compression;
      } else {
        throw is.invalidParameterError('compression', 'one of: none, jpeg, deflate, packbits, ccittfax4, lzw, webp, zstd, jp2k', options.compression);
      }
    }
    // bigtiff
    if (is.defined(options.bigtiff)) {
      this._setBooleanOption('tiffBigtiff', options.bigtiff);
    }
    // predictor
    if (is.defined(options.predictor)) {
      if (is.string(options.predictor) && is.inArray(options.predictor, ['none', 'horizontal', 'float'])) {
        this.options.tiffPredictor = options.predictor;
      } else {
        throw is.invalidParameterError('predictor', 'one of: none, horizontal, float', options.predictor);
      }
    }
    // resolutionUnit
    if (is.defined(options.resolutionUnit)) {
      if (is.string(options.resolutionUnit) && is.inArray(options.resolutionUnit, ['inch', 'cm'])) {
        this.options.tiffResolutionUnit = options.resolutionUnit;
      } else {
        throw is.invalidParameterError('resolutionUnit', 'one of: inch, cm', options.resolutionUnit);
      }
    }
  }
  return this._updateFormatOut('tiff', options);
}

function avif (options) {
  return this.heif({ ...options, compression: 'av1' });
}

function heif (options) {
  if (is.object(options)) {
    if (is.string(options.compression) && is.inArray(options.compression, ['av1', 'hevc'])) {
      this.options.heifCompression = options.compression;
    } else {
      throw is.invalidParameterError('compression', 'one of: av1, hevc', options.compression);
    }
    if (is.defined(options.quality)) {
      if (is.integer(options.quality) && is.inRange(options.quality, 1, 100)) {
        this.options.heifQuality = options.quality;
      } else {
        throw is.invalidParameterError('quality', 'integer between 1 and 100', options.quality);
      }
    }
    if (is.defined(options.lossless)) {
      if (is.bool(options.lossless)) {
        this.options.heifLossless = options.lossless;
      } else {
        throw is.invalidParameterError('lossless', 'boolean', options.lossless);
      }
    }
    if (is.defined(options.effort)) {
      if (is.integer(options.effort) && is.inRange(options.effort, 0, 9)) {
        this.options.heifEffort = options.effort;
      } else {
        throw is.invalidParameterError('effort', 'integer between 0 and 9', options.effort);
      }
    }
    if (is.defined(options.chromaSubsampling)) {
      if (is.string(options.chromaSubsampling) && is.inArray(options.chromaSubsampling, ['4:2:0', '4:4:4'])) {
        this.options.heifChromaSubsampling = options.chromaSubsampling;
      } else {
        throw is.invalidParameterError('chromaSubsampling', 'one of: 4:2:0, 4:4:4', options.chromaSubsampling);
      }
    }
    if (is.defined(options.bitdepth)) {
      if (is.integer(options.bitdepth) && is.inArray(options.bitdepth, [8, 10, 12])) {
        this.options.heifBitdepth = options.bitdepth;
      } else {
        throw is.invalidParameterError('bitdepth', '8, 10 or 12', options.bitdepth);
      }
    }
    if (is.defined(options.tune)) {
      if (is.string(options.tune) && is.inArray(options.tune, ['auto', 'iq', 'psnr', 'ssim'])) {
        if (this.options.heifLossless && options.tune === 'iq') {
          this.options.heifTune = 'ssim';
        } else {
          this.options.heifTune = options.tune;
        }
      } else {
        throw is.invalidParameterError('tune', 'one of: auto, iq, psnr, ssim', options.tune);
      }
    }
  } else {
    throw is.invalidParameterError('options', 'Object', options);
  }
  return this._updateFormatOut('heif', options);
}

function raw (options) {
  if (is.object(options)) {
    if (is.defined(options.depth)) {
      if (is.string(options.depth) && is.inArray(options.depth,
        ['char', 'uchar', 'short', 'ushort', 'int', 'uint', 'float', 'complex', 'double', 'dpcomplex']
      )) {
        this.options.rawDepth = options.depth;
      } else {
        throw is.invalidParameterError('depth', 'one of: char, uchar, short, ushort, int, uint, float, complex, double, dpcomplex', options.depth);
      }
      if (options.depth !== 'uchar') {
        // Deeper samples than the native path writes: sharp writes them
        this._delegateOperation('raw', [options]);
      }
    }
  }
  return this._updateFormatOut('raw');
}

function timeout (options) {
  if (!is.plainObject(options)) {
    throw is.invalidParameterError('options', 'object', options);
  }
  if (is.integer(options.seconds) && is.inRange(options.seconds, 0, 3600)) {
    this.options.timeoutSeconds = options.seconds;
  } else {
    throw is.invalidParameterError('seconds', 'integer between 0 and 3600', options.seconds);
  }
  return this;
}

function _updateFormatOut (formatOut, options) {
  if (!(is.object(options) && options.force === false)) {
    this.options.formatOut = formatOut;
  }
  return this;
}

function _setBooleanOption (key, val) {
  if (is.bool(val)) {
    this.options[key] = val;
  } else {
    throw is.invalidParameterError(key, 'boolean', val);
  }
}

function _read () {
  if (!this.options.streamOut) {
    this.options.streamOut = true;
    const stack = Error();
    this._pipeline(undefined, stack);
  } else if (this._pendingOut) {
    this._pushOut();
  }
}

// Stream output is pushed in chunks of this size, as fast as the consumer reads (back-pressure).
const outputChunkSize = 64 * 1024;

/**
 * Pushes the pending output while the readable side wants more; _read() resumes it.
 * @private
 */
function _pushOut () {
  const pending = this._pendingOut;
  while (this._pendingOut === pending && pending.offset < pending.data.length) {
    const end = Math.min(pending.offset + outputChunkSize, pending.data.length);
    const chunk = pending.data.subarray(pending.offset, end);
    pending.offset = end;
    if (!this.push(chunk)) {
      return;
    }
  }
  if (this._pendingOut === pending) {
    this._pendingOut = null;
    this.push(null);
  }
}


/**
 * JPEG 2000 output runs on sharp, which validates the options; sharp's prebuilt libvips has no
 * OpenJPEG, so there it throws sharp's own 'JP2 output requires libvips with support for OpenJPEG'.
 * @returns {Sharp}
 */
function jp2 (options) {
  this._delegateOperation('jp2', [options]);
  return this;
}

/**
 * JPEG-XL output runs on sharp (its prebuilt libvips has no jxlsave: the output step then
 * rejects with sharp's error).
 * @returns {Sharp}
 */
function jxl (options) {
  this._delegateOperation('jxl', [options]);
  return this;
}

/** Deep Zoom / tiled output runs on sharp (a zip for toBuffer(), a directory for toFile()). */
function tile (options) {
  this._delegateOperation('tile', [options]);
  return this;
}

// File extension -> output format, when no format method was called (as sharp's pipeline.cc).
// Not listed, as there: .jxl and .dz write the input's format. .jp2 and friends are refused by
// toFile() before this, as sharp does without OpenJPEG.
const extensionFormats = new Map([
  ['.jpg', 'jpeg'],
  ['.jpeg', 'jpeg'],
  ['.png', 'png'],
  ['.webp', 'webp'],
  ['.gif', 'gif'],
  ['.tif', 'tiff'],
  ['.tiff', 'tiff'],
  ['.avif', 'heif'],
  ['.heic', 'heif'],
  ['.heif', 'heif']
]);

// Outputs that only sharp writes, by file extension (sharp's IsDz, IsDzZip, IsV)
const delegatedExtensions = new Map([
  ['.dzi', 'Deep Zoom output (.dzi)'],
  ['.zip', 'Deep Zoom output (.zip)'],
  ['.szi', 'Deep Zoom output (.szi)'],
  ['.v', 'vips format output (.v)'],
  ['.vips', 'vips format output (.vips)']
]);

/**
 * toFile() to an extension only sharp writes, with no format method called: hand the pipeline
 * to sharp.
 * @private
 */
function _delegateFileOutput (fileOut) {
  const what = delegatedExtensions.get(path.extname(fileOut).toLowerCase());
  if (what && this.options.formatOut === 'input') {
    this._delegateOutput(what);
  }
}

/**
 * The baton's output format for this pipeline: a format method's choice, else the
 * output file's extension, else 'input'.
 * @private
 */
function _resolveFormatOut () {
  let format = this.options.formatOut;
  if (format === 'input' && is.string(this.options.fileOut)) {
    format = extensionFormats.get(path.extname(this.options.fileOut).toLowerCase()) || 'input';
  }
  if (format === 'heif') {
    return this.options.heifCompression === 'av1' ? 'avif' : 'heif';
  }
  return format;
}

const normaliseAngle = (angle) => ((angle % 360) + 360) % 360;

/**
 * Build the plain-object baton that native.process() consumes (see js/native.js).
 * @private
 */
function _buildBaton () {
  const o = this.options;
  const d = o.input;
  return {
    input: null,
    rawWidth: 0,
    rawHeight: 0,
    rawChannels: 0,
    limitInputPixels: d.limitInputPixels,
    failOn: d.failOn,
    autoOrient: d.autoOrient,
    orientBefore: o.orientBefore,
    rotateBefore: o.rotateBefore,
    angle: normaliseAngle(o.angle),
    flip: o.flip,
    flop: o.flop,
    extractBefore: o.widthPre !== -1
      ? { left: o.leftOffsetPre, top: o.topOffsetPre, width: o.widthPre, height: o.heightPre }
      : null,
    extractAfter: o.widthPost !== -1
      ? { left: o.leftOffsetPost, top: o.topOffsetPost, width: o.widthPost, height: o.heightPost }
      : null,
    width: o.width === -1 ? 0 : o.width,
    height: o.height === -1 ? 0 : o.height,
    fit: mapCanvasToFit[o.canvas],
    position: o.position,
    background: o.resizeBackground.slice(),
    kernel: o.kernel,
    withoutEnlargement: o.withoutEnlargement,
    withoutReduction: o.withoutReduction,
    fastShrinkOnLoad: o.fastShrinkOnLoad,
    format: this._resolveFormatOut(),
    jpeg: {
      quality: o.jpegQuality,
      progressive: o.jpegProgressive,
      chromaSubsampling: o.jpegChromaSubsampling,
      optimiseCoding: o.jpegOptimiseCoding,
      // Below: validated and passed on, not (yet) honoured by the C side
      trellisQuantisation: o.jpegTrellisQuantisation,
      overshootDeringing: o.jpegOvershootDeringing,
      optimiseScans: o.jpegOptimiseScans,
      quantisationTable: o.jpegQuantisationTable
    },
    png: {
      compressionLevel: o.pngCompressionLevel,
      adaptiveFiltering: o.pngAdaptiveFiltering,
      progressive: o.pngProgressive,
      // Below: validated and passed on, not (yet) honoured by the C side
      palette: o.pngPalette,
      quality: o.pngQuality,
      effort: o.pngEffort,
      bitdepth: o.pngBitdepth,
      dither: o.pngDither
    },
    webp: {
      quality: o.webpQuality,
      alphaQuality: o.webpAlphaQuality,
      lossless: o.webpLossless,
      nearLossless: o.webpNearLossless,
      smartSubsample: o.webpSmartSubsample,
      effort: o.webpEffort,
      // Below: validated and passed on, not (yet) honoured by the C side
      smartDeblock: o.webpSmartDeblock,
      preset: o.webpPreset,
      minSize: o.webpMinSize,
      mixed: o.webpMixed,
      exact: o.webpExact
    },
    // Validated and passed on for the libvips formats; the C side may use its own defaults
    gif: {
      bitdepth: o.gifBitdepth,
      effort: o.gifEffort,
      dither: o.gifDither,
      interFrameMaxError: o.gifInterFrameMaxError,
      interPaletteMaxError: o.gifInterPaletteMaxError,
      keepDuplicateFrames: o.gifKeepDuplicateFrames,
      reuse: o.gifReuse,
      progressive: o.gifProgressive
    },
    tiff: {
      quality: o.tiffQuality,
      compression: o.tiffCompression,
      predictor: o.tiffPredictor,
      bitdepth: o.tiffBitdepth,
      tile: o.tiffTile,
      tileWidth: o.tiffTileWidth,
      tileHeight: o.tiffTileHeight
    },
    heif: {
      quality: o.heifQuality,
      lossless: o.heifLossless,
      compression: o.heifCompression,
      effort: o.heifEffort,
      chromaSubsampling: o.heifChromaSubsampling,
      bitdepth: o.heifBitdepth
    },
    backend: 'auto'
  };
}

/**
 * sharp's info object (same field order) from the addon's info.
 * @private
 */
function mapInfo (info, data) {
  const out = {
    format: info.format === 'avif' ? 'heif' : info.format,
    width: info.width,
    height: info.height,
    channels: info.channels
  };
  if (out.format === 'raw') {
    out.depth = 'uchar';
  }
  out.premultiplied = Boolean(info.premultiplied);
  for (const key of ['cropOffsetLeft', 'cropOffsetTop', 'attentionX', 'attentionY']) {
    if (is.number(info[key])) {
      out[key] = info[key];
    }
  }
  out.hasAlpha = is.bool(info.hasAlpha) ? info.hasAlpha : (info.channels === 2 || info.channels === 4);
  out.size = is.number(info.size) ? info.size : data.length;
  out.backend = info.backend;
  if (info.gpuDecoded === true) {
    out.gpuDecoded = true;
  }
  if (info.gpuEncoded === true) {
    out.gpuEncoded = true;
  }
  if (is.defined(info.fallbackReason)) {
    out.fallbackReason = info.fallbackReason;
  }
  return out;
}

/**
 * Run the pipeline: read the input, call the addon, write the file when toFile().
 * Calls done(err, data, info) once, asynchronously.
 * @private
 */
function _run (done) {
  if (this._delegatedTo) {
    // An operation gpu-resize does not implement: the whole pipeline runs on sharp
    this._runOnSharp(done);
    return;
  }
  // Snapshot everything synchronously, as sharp does, so later builder calls on this
  // instance do not change a pipeline already started.
  const fileOut = this.options.fileOut;
  let baton;
  try {
    baton = this._buildBaton();
  } catch (err) {
    process.nextTick(done, err);
    return;
  }
  this._readInput()
    .then((src) => {
      baton.input = src.buffer;
      baton.rawWidth = src.rawWidth;
      baton.rawHeight = src.rawHeight;
      baton.rawChannels = src.rawChannels;
      return new Promise((resolve, reject) => {
        counters.start();
        let settled = false;
        const cb = (err, data, info) => {
          if (settled) {
            return;
          }
          settled = true;
          counters.end();
          // baton (and so its input Buffer) stays referenced until here
          baton = null;
          if (err) {
            reject(this._nativeInputError(err));
          } else if (!is.buffer(data)) {
            reject(new Error('gpu-resize: the native addon returned no output data'));
          } else {
            resolve({ data, info: mapInfo(info || {}, data) });
          }
        };
        clones.dispatch(this, baton, cb);
      });
    })
    .then(({ data, info }) => {
      if (fileOut) {
        return fs.promises.writeFile(fileOut, data).then(() => ({ data, info }));
      }
      return { data, info };
    })
    .then(
      ({ data, info }) => process.nextTick(done, null, data, info),
      (err) => process.nextTick(done, err)
    );
}

function _pipeline (callback, stack) {
  const fileOut = Boolean(this.options.fileOut);
  const resolveWithObject = this.options.resolveWithObject;
  const runWhenReady = (fn) => {
    if (this._isStreamInput()) {
      this._whenStreamInFinished(() => {
        this._flattenBufferIn();
        this._run(fn);
      });
    } else {
      this._run(fn);
    }
  };
  if (typeof callback === 'function') {
    // output=file/buffer
    runWhenReady((err, data, info) => {
      if (err) {
        callback(is.nativeError(err, stack));
      } else if (fileOut) {
        callback(null, info);
      } else {
        callback(null, data, info);
      }
    });
    return this;
  } else if (this.options.streamOut) {
    // output=stream
    runWhenReady((err, data, info) => {
      if (err) {
        this.destroy(is.nativeError(err, stack));
        return;
      }
      this.emit('info', info);
      // 'close' once the output is read, also when the writable side was never used
      this.once('end', () => this.destroy());
      this._pendingOut = { data, offset: 0 };
      this._pushOut();
    });
    return this;
  } else {
    // output=promise
    return new Promise((resolve, reject) => {
      runWhenReady((err, data, info) => {
        if (err) {
          reject(is.nativeError(err, stack));
        } else if (fileOut) {
          resolve(info);
        } else if (resolveWithObject) {
          resolve({ data, info });
        } else {
          resolve(data);
        }
      });
    });
  }
}

module.exports = (Sharp) => {
  Object.assign(Sharp.prototype, {
    // Public
    toFile,
    toBuffer,
    toUint8Array,
    toFormat,
    jpeg,
    jp2,
    png,
    webp,
    tiff,
    avif,
    heif,
    jxl,
    gif,
    raw,
    tile,
    timeout,
    // Private
    _updateFormatOut,
    _setBooleanOption,
    _read,
    _pushOut,
    _pipeline,
    _run,
    _resolveFormatOut,
    _delegateFileOutput,
    _buildBaton
  });
};

module.exports.mapInfo = mapInfo;
