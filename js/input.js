/*!
  Adapted from sharp 0.35.5 (lib/input.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  Changes for gpu-resize: the input descriptor validation is sharp's, unchanged; inputs that
  gpu-resize cannot produce (text, join, create noise, raw pixels deeper than 8 bits) set
  `delegate` on the descriptor, and the constructor hands them to sharp (js/delegate.js), whose
  constructor validates what is left; metadata() maps the addon's header probe to sharp's field
  names; file input is read in JS.
*/
'use strict';

const fs = require('node:fs');
const is = require('./is');
const native = require('./native');
const { readHeader, embeddedMetadata } = require('./embedded');
const { headerFields } = require('./header');

const align = {
  left: 'low',
  top: 'low',
  low: 'low',
  center: 'centre',
  centre: 'centre',
  right: 'high',
  bottom: 'high',
  high: 'high'
};

const inputStreamParameters = [
  // Limits and error handling
  'failOn', 'limitInputPixels', 'limitInputChannels', 'unlimited',
  // Format-generic
  'animated', 'autoOrient', 'density', 'ignoreIcc', 'page', 'pages', 'sequentialRead',
  // Format-specific
  'jp2', 'openSlide', 'pdf', 'raw', 'svg', 'tiff',
  // Deprecated
  'openSlideLevel', 'pdfBackground', 'tiffSubifd'
];

function _inputOptionsFromObject (obj) {
  const params = inputStreamParameters
    .filter(p => is.defined(obj[p]))
    .map(p => ([p, obj[p]]));
  return params.length
    ? Object.fromEntries(params)
    : undefined;
}

function _createInputDescriptor (input, inputOptions, containerOptions) {
  const inputDescriptor = {
    autoOrient: false,
    failOn: 'warning',
    limitInputPixels: 0x3FFF ** 2,
    limitInputChannels: 5,
    ignoreIcc: false,
    unlimited: false,
    sequentialRead: true
  };
  if (is.string(input)) {
    // filesystem
    inputDescriptor.file = input;
  } else if (is.buffer(input)) {
    // Buffer
    if (input.length === 0) {
      throw Error('Input Buffer is empty');
    }
    inputDescriptor.buffer = input;
  } else if (is.arrayBuffer(input)) {
    if (input.byteLength === 0) {
      throw Error('Input bit Array is empty');
    }
    inputDescriptor.buffer = Buffer.from(input, 0, input.byteLength);
  } else if (is.typedArray(input)) {
    if (input.length === 0) {
      throw Error('Input Bit Array is empty');
    }
    inputDescriptor.buffer = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  } else if (is.plainObject(input) && !is.defined(inputOptions)) {
    // Plain Object descriptor, e.g. create
    inputOptions = input;
    if (_inputOptionsFromObject(inputOptions)) {
      // Stream with options
      inputDescriptor.buffer = [];
    }
  } else if (!is.defined(input) && !is.defined(inputOptions) && is.object(containerOptions) && containerOptions.allowStream) {
    // Stream without options
    inputDescriptor.buffer = [];
  } else if (Array.isArray(input)) {
    if (input.length > 1) {
      // sharp joins the images together (and validates them and the join options)
      inputDescriptor.delegate = 'joining an array of input images';
      return inputDescriptor;
    } else {
      throw new Error('Expected at least two images to join');
    }
  } else {
    throw new Error(`Unsupported input '${input}' of type ${typeof input}${
      is.defined(inputOptions) ? ` when also providing options of type ${typeof inputOptions}` : ''
    }`);
  }
  if (is.object(inputOptions)) {
    // failOn
    if (is.defined(inputOptions.failOn)) {
      if (is.string(inputOptions.failOn) && is.inArray(inputOptions.failOn, ['none', 'truncated', 'error', 'warning'])) {
        inputDescriptor.failOn = inputOptions.failOn;
      } else {
        throw is.invalidParameterError('failOn', 'one of: none, truncated, error, warning', inputOptions.failOn);
      }
    }
    // autoOrient
    if (is.defined(inputOptions.autoOrient)) {
      if (is.bool(inputOptions.autoOrient)) {
        inputDescriptor.autoOrient = inputOptions.autoOrient;
      } else {
        throw is.invalidParameterError('autoOrient', 'boolean', inputOptions.autoOrient);
      }
    }
    // Density (stored; only affects vector input, which gpu-resize hands to libvips at its default)
    if (is.defined(inputOptions.density)) {
      if (is.number(inputOptions.density) && is.inRange(inputOptions.density, 1, 100000)) {
        inputDescriptor.density = inputOptions.density;
      } else {
        throw is.invalidParameterError('density', 'number between 1 and 100000', inputOptions.density);
      }
    }
    // Ignore embeddded ICC profile (stored)
    if (is.defined(inputOptions.ignoreIcc)) {
      if (is.bool(inputOptions.ignoreIcc)) {
        inputDescriptor.ignoreIcc = inputOptions.ignoreIcc;
      } else {
        throw is.invalidParameterError('ignoreIcc', 'boolean', inputOptions.ignoreIcc);
      }
    }
    // limitInputPixels
    if (is.defined(inputOptions.limitInputPixels)) {
      if (is.bool(inputOptions.limitInputPixels)) {
        inputDescriptor.limitInputPixels = inputOptions.limitInputPixels
          ? 0x3FFF ** 2
          : 0;
      } else if (is.integer(inputOptions.limitInputPixels) && is.inRange(inputOptions.limitInputPixels, 0, Number.MAX_SAFE_INTEGER)) {
        inputDescriptor.limitInputPixels = inputOptions.limitInputPixels;
      } else {
        throw is.invalidParameterError('limitInputPixels', 'positive integer', inputOptions.limitInputPixels);
      }
    }
    // limitInputChannels (stored)
    if (is.defined(inputOptions.limitInputChannels)) {
      if (is.bool(inputOptions.limitInputChannels)) {
        inputDescriptor.limitInputChannels = inputOptions.limitInputChannels ? 5 : 0;
      } else if (is.integer(inputOptions.limitInputChannels) && is.inRange(inputOptions.limitInputChannels, 0, Number.MAX_SAFE_INTEGER)) {
        inputDescriptor.limitInputChannels = inputOptions.limitInputChannels;
      } else {
        throw is.invalidParameterError('limitInputChannels', 'positive integer', inputOptions.limitInputChannels);
      }
    }
    // unlimited (stored)
    if (is.defined(inputOptions.unlimited)) {
      if (is.bool(inputOptions.unlimited)) {
        inputDescriptor.unlimited = inputOptions.unlimited;
      } else {
        throw is.invalidParameterError('unlimited', 'boolean', inputOptions.unlimited);
      }
    }
    // sequentialRead (stored)
    if (is.defined(inputOptions.sequentialRead)) {
      if (is.bool(inputOptions.sequentialRead)) {
        inputDescriptor.sequentialRead = inputOptions.sequentialRead;
      } else {
        throw is.invalidParameterError('sequentialRead', 'boolean', inputOptions.sequentialRead);
      }
    }
    // Raw pixel input
    if (is.defined(inputOptions.raw)) {
      if (
        is.object(inputOptions.raw) &&
        is.integer(inputOptions.raw.width) && is.inRange(inputOptions.raw.width, 1, 100000000) &&
        is.integer(inputOptions.raw.height) && is.inRange(inputOptions.raw.height, 1, 100000000) &&
        is.integer(inputOptions.raw.channels) && is.inRange(inputOptions.raw.channels, 1, 4)
      ) {
        inputDescriptor.rawWidth = inputOptions.raw.width;
        inputDescriptor.rawHeight = inputOptions.raw.height;
        inputDescriptor.rawChannels = inputOptions.raw.channels;
        switch (input && input.constructor) {
          case Uint8Array:
          case Uint8ClampedArray:
            inputDescriptor.rawDepth = 'uchar';
            break;
          case Int8Array:
            inputDescriptor.rawDepth = 'char';
            break;
          case Uint16Array:
            inputDescriptor.rawDepth = 'ushort';
            break;
          case Int16Array:
            inputDescriptor.rawDepth = 'short';
            break;
          case Uint32Array:
            inputDescriptor.rawDepth = 'uint';
            break;
          case Int32Array:
            inputDescriptor.rawDepth = 'int';
            break;
          case Float32Array:
            inputDescriptor.rawDepth = 'float';
            break;
          case Float64Array:
            inputDescriptor.rawDepth = 'double';
            break;
          default:
            inputDescriptor.rawDepth = 'uchar';
            break;
        }
      } else {
        throw new Error('Expected width, height and channels for raw pixel input');
      }
      inputDescriptor.rawPremultiplied = false;
      if (is.defined(inputOptions.raw.premultiplied)) {
        if (is.bool(inputOptions.raw.premultiplied)) {
          inputDescriptor.rawPremultiplied = inputOptions.raw.premultiplied;
        } else {
          throw is.invalidParameterError('raw.premultiplied', 'boolean', inputOptions.raw.premultiplied);
        }
      }
      inputDescriptor.rawPageHeight = 0;
      if (is.defined(inputOptions.raw.pageHeight)) {
        if (is.integer(inputOptions.raw.pageHeight) && inputOptions.raw.pageHeight > 0 && inputOptions.raw.pageHeight <= inputOptions.raw.height) {
          if (inputOptions.raw.height % inputOptions.raw.pageHeight !== 0) {
            throw new Error(`Expected raw.height ${inputOptions.raw.height} to be a multiple of raw.pageHeight ${inputOptions.raw.pageHeight}`);
          }
          inputDescriptor.rawPageHeight = inputOptions.raw.pageHeight;
        } else {
          throw is.invalidParameterError('raw.pageHeight', 'positive integer', inputOptions.raw.pageHeight);
        }
      }
      if (inputDescriptor.rawDepth !== 'uchar') {
        inputDescriptor.delegate = `raw pixel input of depth ${inputDescriptor.rawDepth}`;
      }
    }
    // Multi-page input (GIF, TIFF, PDF): stored, gpu-resize reads the first page only
    if (is.defined(inputOptions.animated)) {
      if (is.bool(inputOptions.animated)) {
        inputDescriptor.pages = inputOptions.animated ? -1 : 1;
      } else {
        throw is.invalidParameterError('animated', 'boolean', inputOptions.animated);
      }
    }
    if (is.defined(inputOptions.pages)) {
      if (is.integer(inputOptions.pages) && is.inRange(inputOptions.pages, -1, 100000)) {
        inputDescriptor.pages = inputOptions.pages;
      } else {
        throw is.invalidParameterError('pages', 'integer between -1 and 100000', inputOptions.pages);
      }
    }
    if (is.defined(inputOptions.page)) {
      if (is.integer(inputOptions.page) && is.inRange(inputOptions.page, 0, 100000)) {
        inputDescriptor.page = inputOptions.page;
      } else {
        throw is.invalidParameterError('page', 'integer between 0 and 100000', inputOptions.page);
      }
    }
    // OpenSlide specific options (stored)
    if (is.object(inputOptions.openSlide) && is.defined(inputOptions.openSlide.level)) {
      if (is.integer(inputOptions.openSlide.level) && is.inRange(inputOptions.openSlide.level, 0, 256)) {
        inputDescriptor.openSlideLevel = inputOptions.openSlide.level;
      } else {
        throw is.invalidParameterError('openSlide.level', 'integer between 0 and 256', inputOptions.openSlide.level);
      }
    } else if (is.defined(inputOptions.level)) {
      // Deprecated
      if (is.integer(inputOptions.level) && is.inRange(inputOptions.level, 0, 256)) {
        inputDescriptor.openSlideLevel = inputOptions.level;
      } else {
        throw is.invalidParameterError('level', 'integer between 0 and 256', inputOptions.level);
      }
    }
    // TIFF specific options (stored)
    if (is.object(inputOptions.tiff) && is.defined(inputOptions.tiff.subifd)) {
      if (is.integer(inputOptions.tiff.subifd) && is.inRange(inputOptions.tiff.subifd, -1, 100000)) {
        inputDescriptor.tiffSubifd = inputOptions.tiff.subifd;
      } else {
        throw is.invalidParameterError('tiff.subifd', 'integer between -1 and 100000', inputOptions.tiff.subifd);
      }
    } else if (is.defined(inputOptions.subifd)) {
      // Deprecated
      if (is.integer(inputOptions.subifd) && is.inRange(inputOptions.subifd, -1, 100000)) {
        inputDescriptor.tiffSubifd = inputOptions.subifd;
      } else {
        throw is.invalidParameterError('subifd', 'integer between -1 and 100000', inputOptions.subifd);
      }
    }
    // SVG specific options (stored)
    if (is.object(inputOptions.svg)) {
      if (is.defined(inputOptions.svg.stylesheet)) {
        if (is.string(inputOptions.svg.stylesheet)) {
          inputDescriptor.svgStylesheet = inputOptions.svg.stylesheet;
        } else {
          throw is.invalidParameterError('svg.stylesheet', 'string', inputOptions.svg.stylesheet);
        }
      }
      if (is.defined(inputOptions.svg.highBitdepth)) {
        if (is.bool(inputOptions.svg.highBitdepth)) {
          inputDescriptor.svgHighBitdepth = inputOptions.svg.highBitdepth;
        } else {
          throw is.invalidParameterError('svg.highBitdepth', 'boolean', inputOptions.svg.highBitdepth);
        }
      }
    }
    // PDF specific options (stored)
    if (is.object(inputOptions.pdf) && is.defined(inputOptions.pdf.background)) {
      inputDescriptor.pdfBackground = this._getBackgroundColourOption(inputOptions.pdf.background);
    } else if (is.defined(inputOptions.pdfBackground)) {
      // Deprecated
      inputDescriptor.pdfBackground = this._getBackgroundColourOption(inputOptions.pdfBackground);
    }
    // JPEG 2000 specific options (stored)
    if (is.object(inputOptions.jp2) && is.defined(inputOptions.jp2.oneshot)) {
      if (is.bool(inputOptions.jp2.oneshot)) {
        inputDescriptor.jp2Oneshot = inputOptions.jp2.oneshot;
      } else {
        throw is.invalidParameterError('jp2.oneshot', 'boolean', inputOptions.jp2.oneshot);
      }
    }
    // Create new image
    if (is.defined(inputOptions.create)) {
      if (
        is.object(inputOptions.create) &&
        is.integer(inputOptions.create.width) && is.inRange(inputOptions.create.width, 1, 100000000) &&
        is.integer(inputOptions.create.height) && is.inRange(inputOptions.create.height, 1, 100000000) &&
        is.integer(inputOptions.create.channels)
      ) {
        inputDescriptor.createWidth = inputOptions.create.width;
        inputDescriptor.createHeight = inputOptions.create.height;
        inputDescriptor.createChannels = inputOptions.create.channels;
        inputDescriptor.createPageHeight = 0;
        if (is.defined(inputOptions.create.pageHeight)) {
          if (is.integer(inputOptions.create.pageHeight) && inputOptions.create.pageHeight > 0 && inputOptions.create.pageHeight <= inputOptions.create.height) {
            if (inputOptions.create.height % inputOptions.create.pageHeight !== 0) {
              throw new Error(`Expected create.height ${inputOptions.create.height} to be a multiple of create.pageHeight ${inputOptions.create.pageHeight}`);
            }
            inputDescriptor.createPageHeight = inputOptions.create.pageHeight;
          } else {
            throw is.invalidParameterError('create.pageHeight', 'positive integer', inputOptions.create.pageHeight);
          }
        }
        // Noise
        if (is.defined(inputOptions.create.noise)) {
          if (!is.object(inputOptions.create.noise)) {
            throw new Error('Expected noise to be an object');
          }
          if (inputOptions.create.noise.type !== 'gaussian') {
            throw new Error('Only gaussian noise is supported at the moment');
          }
          if (!is.inRange(inputOptions.create.channels, 1, 4)) {
            throw is.invalidParameterError('create.channels', 'number between 1 and 4', inputOptions.create.channels);
          }
          if (is.defined(inputOptions.create.noise.mean)) {
            if (!(is.number(inputOptions.create.noise.mean) && is.inRange(inputOptions.create.noise.mean, 0, 10000))) {
              throw is.invalidParameterError('create.noise.mean', 'number between 0 and 10000', inputOptions.create.noise.mean);
            }
          }
          if (is.defined(inputOptions.create.noise.sigma)) {
            if (!(is.number(inputOptions.create.noise.sigma) && is.inRange(inputOptions.create.noise.sigma, 0, 10000))) {
              throw is.invalidParameterError('create.noise.sigma', 'number between 0 and 10000', inputOptions.create.noise.sigma);
            }
          }
          inputDescriptor.delegate = 'create.noise input';
        } else if (is.defined(inputOptions.create.background)) {
          if (!is.inRange(inputOptions.create.channels, 3, 4)) {
            throw is.invalidParameterError('create.channels', 'number between 3 and 4', inputOptions.create.channels);
          }
          inputDescriptor.createBackground = this._getBackgroundColourOption(inputOptions.create.background);
        } else {
          throw new Error('Expected valid noise or background to create a new input image');
        }
        delete inputDescriptor.buffer;
      } else {
        throw new Error('Expected valid width, height and channels to create a new input image');
      }
    }
    // Create a new image with text
    if (is.defined(inputOptions.text)) {
      if (is.object(inputOptions.text) && is.string(inputOptions.text.text)) {
        // sharp validates the other text options
        inputDescriptor.delegate = 'text input';
      } else {
        throw new Error('Expected a valid string to create an image with text.');
      }
    }
    // Join images together
    if (is.defined(inputOptions.join)) {
      throw new Error('Expected input to be an array of images to join');
    }
  } else if (is.defined(inputOptions)) {
    throw new Error(`Invalid input options ${inputOptions}`);
  }
  return inputDescriptor;
}

function _write (chunk, _encoding, callback) {
  if (Array.isArray(this.options.input.buffer)) {
    if (is.buffer(chunk)) {
      this.options.input.buffer.push(chunk);
      callback();
    } else {
      callback(new Error('Non-Buffer data on Writable Stream'));
    }
  } else {
    callback(new Error('Unexpected data on Writable Stream'));
  }
}

function _flattenBufferIn () {
  if (this._isStreamInput()) {
    this.options.input.buffer = Buffer.concat(this.options.input.buffer);
  }
}

function _isStreamInput () {
  return Array.isArray(this.options.input.buffer);
}

function _whenStreamInFinished (fn) {
  if (this.writableFinished) {
    fn();
  } else {
    this.once('finish', fn);
  }
}

/**
 * Pixels of a `{ create: { background } }` input, 8-bit interleaved.
 * @private
 */
function createPixels (d) {
  const channels = d.createChannels;
  const px = d.createBackground.slice(0, channels).map(v => Math.max(0, Math.min(255, Math.round(v))));
  const pixel = Buffer.from(px);
  const buf = Buffer.allocUnsafe(d.createWidth * d.createHeight * channels);
  if (px.every(v => v === px[0])) {
    buf.fill(px[0]);
  } else {
    buf.fill(pixel);
  }
  return buf;
}

/**
 * Resolve the input descriptor to bytes: { buffer, rawWidth, rawHeight, rawChannels, isRaw }.
 * Rejects with sharp's messages for missing/empty files and raw buffers that are too small.
 * @private
 */
async function _readInput () {
  const d = this.options.input;
  if (is.defined(d.createWidth)) {
    return {
      buffer: createPixels(d),
      rawWidth: d.createWidth,
      rawHeight: d.createHeight,
      rawChannels: d.createChannels,
      isRaw: true,
      isCreate: true
    };
  }
  let buffer;
  if (is.string(d.file)) {
    try {
      buffer = await fs.promises.readFile(d.file);
    } catch (err) {
      if (err && err.code === 'ENOENT') {
        throw new Error(`Input file is missing: ${d.file}`);
      }
      throw new Error(`Input file could not be read: ${d.file}: ${err && err.message}`);
    }
    if (buffer.length === 0) {
      throw new Error('Input file contains unsupported image format');
    }
  } else if (is.buffer(d.buffer)) {
    buffer = d.buffer;
    if (buffer.length === 0) {
      throw new Error('Input buffer contains unsupported image format');
    }
  } else {
    // sharp({}) has neither: sharp's native side then looks for a file named ''.
    throw new Error('Input file is missing:');
  }
  if (d.rawWidth > 0) {
    const needed = d.rawWidth * d.rawHeight * d.rawChannels;
    if (buffer.length < needed) {
      throw new Error(`VipsImage: memory area too small -- should be ${needed} bytes, you passed ${buffer.length}`);
    }
    return { buffer, rawWidth: d.rawWidth, rawHeight: d.rawHeight, rawChannels: d.rawChannels, isRaw: true };
  }
  return { buffer, rawWidth: 0, rawHeight: 0, rawChannels: 0, isRaw: false };
}

/**
 * An error from the native side, worded as sharp words it for this input: the addon always gets
 * bytes, so its "Input buffer ..." becomes "Input file ..." when the input was a file.
 * @private
 */
function _nativeInputError (err) {
  const error = err instanceof Error ? err : new Error(String(err));
  if (is.string(this.options.input.file) && error.message.startsWith('Input buffer ')) {
    error.message = `Input file ${error.message.slice('Input buffer '.length)}`;
  }
  return error;
}

const chromaSubsamplingNames = {
  420: '4:2:0',
  422: '4:2:2',
  444: '4:4:4',
  440: '4:4:0',
  411: '4:1:1'
};

/** sharp's mediaType for its format id (metadata.cc). */
function mediaType (format, compression) {
  if (format === 'svg') {
    return 'image/svg+xml';
  }
  if (format === 'heif') {
    return { av1: 'image/avif', hevc: 'image/heic' }[compression];
  }
  return ['jpeg', 'png', 'webp', 'gif', 'tiff', 'jp2', 'jxl'].includes(format) ? `image/${format}` : undefined;
}

/** The header as the addon's codecs read it (JPEG, PNG, WebP): sharp's fields, no libvips. */
function codecFields (m, input) {
  const bits = m.bitsPerSample || 8;
  const found = readHeader(m.format, input);
  const header = headerFields(m.format, found);
  let space;
  if (m.isCMYK) {
    space = 'cmyk';
  } else if (bits > 8) {
    space = m.channels <= 2 ? 'grey16' : 'rgb16';
  } else {
    space = m.channels <= 2 ? 'b-w' : 'srgb';
  }
  return {
    space,
    depth: bits > 8 ? 'ushort' : 'uchar',
    density: header.density,
    isPalette: Boolean(header.isPalette),
    bitsPerSample: m.format === 'png' ? bits : undefined,
    pages: m.pages > 1 ? m.pages : undefined,
    loop: header.loop,
    delay: header.delay,
    resolutionUnit: header.resolutionUnit,
    background: header.background,
    blocks: embeddedMetadata(found)
  };
}

/** The header as libvips read it (native vips fields): sharp's fields, as its metadata.cc. */
function vipsFields (m) {
  const v = m.vips;
  let background;
  if (v.background.length === 3) {
    background = { r: v.background[0], g: v.background[1], b: v.background[2] };
  } else if (v.background.length) {
    background = { gray: Math.round(v.background[0] * 100 / 255) };
  }
  return {
    space: v.space,
    depth: v.depth,
    density: m.density > 0 ? m.density : undefined,
    isPalette: v.isPalette > 0,
    bitsPerSample: v.bitsPerSample || undefined,
    pages: v.pages || undefined,
    pageHeight: v.pageHeight || undefined,
    loop: v.loop >= 0 ? v.loop : undefined,
    delay: v.delay.length ? v.delay : undefined,
    pagePrimary: v.pagePrimary >= 0 ? v.pagePrimary : undefined,
    compression: v.compression || undefined,
    resolutionUnit: v.resolutionUnit === 'in' ? 'inch' : (v.resolutionUnit || undefined),
    subifds: v.subifds || undefined,
    background,
    blocks: embeddedMetadata(v)
  };
}

/**
 * Map the addon's header probe to sharp's metadata fields (same names, same order).
 * @private
 */
function mapMetadata (m, input, isBufferInput) {
  const f = m.vips ? vipsFields(m) : codecFields(m, input);
  // sharp names AVIF 'heif', with compression 'av1'
  const format = m.format === 'avif' ? 'heif' : m.format;
  const fields = {
    format,
    mediaType: mediaType(format, f.compression),
    size: isBufferInput ? input.length : undefined,
    width: m.width,
    height: m.height,
    space: f.space,
    channels: m.channels,
    depth: f.depth,
    density: f.density,
    chromaSubsampling: chromaSubsamplingNames[m.chromaSubsampling] &&
      chromaSubsamplingNames[m.chromaSubsampling] + (m.isCMYK ? ':4' : ''),
    isProgressive: Boolean(m.isProgressive),
    isPalette: f.isPalette,
    bitsPerSample: f.bitsPerSample,
    pages: f.pages,
    pageHeight: f.pageHeight,
    loop: f.loop,
    delay: f.delay,
    pagePrimary: f.pagePrimary,
    compression: f.compression,
    resolutionUnit: f.resolutionUnit,
    subifds: f.subifds,
    background: f.background,
    hasProfile: Boolean(m.hasProfile),
    hasAlpha: Boolean(m.hasAlpha),
    orientation: m.orientation > 0 ? m.orientation : undefined,
    autoOrient: m.orientation >= 5
      ? { width: m.height, height: m.width }
      : { width: m.width, height: m.height }
  };
  const out = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  // exif, icc, iptc, xmp(AsString), tifftagPhotoshop and PNG comments, where the header has them
  return Object.assign(out, f.blocks);
}

function rawMetadata (width, height, channels, size) {
  const out = { format: 'raw' };
  if (is.defined(size)) {
    out.size = size;
  }
  Object.assign(out, {
    width,
    height,
    space: channels <= 2 ? 'b-w' : 'srgb',
    channels,
    depth: 'uchar',
    isProgressive: false,
    isPalette: false,
    hasProfile: false,
    hasAlpha: channels === 2 || channels === 4,
    autoOrient: { width, height }
  });
  return out;
}

function _metadata () {
  if (this.options.input.delegate) {
    return this._sharpMetadata();
  }
  return this._readInput().then((src) => {
    const d = this.options.input;
    if (src.isRaw) {
      return rawMetadata(src.rawWidth, src.rawHeight, src.rawChannels, src.isCreate ? undefined : src.buffer.length);
    }
    return new Promise((resolve, reject) => {
      native.metadata(src.buffer, (err, m) => {
        if (err) {
          reject(this._nativeInputError(err));
          return;
        }
        if (d.limitInputPixels > 0 && m.width * m.height > d.limitInputPixels) {
          reject(new Error('Input image exceeds pixel limit'));
          return;
        }
        resolve(mapMetadata(m, src.buffer, !is.string(d.file)));
      });
    });
  });
}

/**
 * Fast access to image metadata without decoding any compressed pixel data (see sharp's metadata()).
 * A `Promise` is returned when `callback` is not provided.
 * @param {Function} [callback] - called with the arguments `(err, metadata)`
 * @returns {Promise<Object>|Sharp}
 */
function metadata (callback) {
  const stack = Error();
  const run = () => this._metadata().catch((err) => {
    throw is.nativeError(err, stack);
  });
  const whenReady = () => this._isStreamInput()
    ? new Promise((resolve) => {
      this._whenStreamInFinished(() => {
        this._flattenBufferIn();
        resolve();
      });
    }).then(run)
    : run();
  if (is.fn(callback)) {
    whenReady().then((m) => process.nextTick(callback, null, m), (err) => process.nextTick(callback, err));
    return this;
  }
  return whenReady();
}

module.exports = (Sharp) => {
  Object.assign(Sharp.prototype, {
    // Private
    _inputOptionsFromObject,
    _createInputDescriptor,
    _write,
    _flattenBufferIn,
    _isStreamInput,
    _whenStreamInFinished,
    _readInput,
    _nativeInputError,
    _metadata,
    // Public
    metadata
  });
  // Class attributes
  Sharp.align = align;
};

module.exports.mapMetadata = mapMetadata;
