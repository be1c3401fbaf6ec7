/*!
  Adapted from sharp 0.35.5 (lib/utility.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  gpu-resize has no libvips operation cache, no libvips thread pool and no SIMD switch of its
  own: cache(), concurrency() and simd() validate as sharp does and return sharp-shaped values.
*/
'use strict';

const buffer = require('node:buffer');
const os = require('node:os');
const is = require('./is');
const native = require('./native');
const counterState = require('./counters');
const pkg = require('../package.json');
const { loadSharp } = require('./delegate');

// sharp 0.35.5's format table for its prebuilt libvips, as gpu-resize does it itself: JPEG, PNG
// and WebP with its own codecs, GIF, TIFF, HEIF/AVIF and SVG through its libvips backend (the
// `vips` flag: true only when the addon's libvips loads), raw pixels. What it hands to sharp
// (js/delegate.js) is filled in by formatTable().
const ownFormats = [
  // id, input [file, buffer, stream], output [file, buffer, stream], needs libvips, input suffixes, output aliases
  ['jpeg', [1, 1, 1], [1, 1, 1], false, ['.jpg', '.jpeg', '.jpe', '.jfif'], ['jpe', 'jpg']],
  ['png', [1, 1, 1], [1, 1, 1], false, ['.png']],
  ['webp', [1, 1, 1], [1, 1, 1], false, ['.webp']],
  ['tiff', [1, 1, 1], [1, 1, 1], true, ['.tif', '.tiff'], ['tif']],
  ['magick', [0, 0, 0], [0, 0, 0]],
  ['openslide', [0, 0, 0], [0, 0, 0]],
  ['dz', [0, 0, 0], [0, 0, 0]],
  ['ppm', [0, 0, 0], [0, 0, 0]],
  ['fits', [0, 0, 0], [0, 0, 0]],
  ['gif', [1, 1, 1], [1, 1, 1], true, ['.gif']],
  ['svg', [1, 1, 1], [0, 0, 0], true, ['.svg', '.svgz', '.svg.gz']],
  ['heif', [1, 1, 1], [1, 1, 1], true, ['.avif'], ['avif']],
  ['pdf', [0, 0, 0], [0, 0, 0]],
  // gpu-resize reads no .v file; sharp writes them (toFile('x.v') is delegated)
  ['vips', [0, 0, 0], [0, 0, 0], false, ['.v', '.vips']],
  ['jp2', [0, 0, 0], [0, 0, 0], false, null, ['j2c', 'j2k', 'jp2', 'jpx']],
  ['jxl', [0, 0, 0], [0, 0, 0]],
  ['rad', [0, 0, 0], [0, 0, 0]],
  ['dcraw', [0, 0, 0], [0, 0, 0]],
  ['raw', [0, 1, 1], [0, 1, 1]]
];

// Outputs that run on sharp when it is installed (tile(), toFile('x.v'), jp2(), jxl()): as
// sharp's own table says there.
const delegatedOutputs = ['dz', 'vips', 'jp2', 'jxl'];

function vipsBackendAvailable () {
  try {
    return Boolean(native.backends().vips.available);
  } catch {
    return false; // no addon: nothing is read or written
  }
}

/** The table, for this installation: the addon's libvips and an installed sharp. */
function formatTable () {
  const vips = vipsBackendAvailable();
  const sharp = loadSharp();
  return Object.fromEntries(ownFormats.map(([id, input, output, needsVips, fileSuffix, alias]) => {
    const io = ([file, buffer, stream]) => {
      const on = !needsVips || vips;
      return { file: on && !!file, buffer: on && !!buffer, stream: on && !!stream };
    };
    let out = io(output);
    if (sharp && delegatedOutputs.includes(id) && sharp.format[id]) {
      const theirs = sharp.format[id].output;
      out = { file: !!theirs.file, buffer: !!theirs.buffer, stream: !!theirs.stream };
    }
    return [id, {
      id,
      input: { ...io(input), ...(fileSuffix ? { fileSuffix } : {}) },
      output: { ...out, ...(alias ? { alias } : {}) }
    }];
  }));
}

const interpolators = {
  nearest: 'nearest',
  bilinear: 'bilinear',
  bicubic: 'bicubic',
  locallyBoundedBicubic: 'lbb',
  nohalo: 'nohalo',
  vertexSplitQuadraticBasisSpline: 'vsqbs'
};

let versions = { vips: '8.18.7' };
try {
  versions = { ...require(`@img/sharp-libvips-${process.platform}-${process.arch}/versions`) };
} catch {
  try {
    versions = { ...require('@img/sharp-libvips-dev/versions') };
  } catch {}
}
// The sharp API version gpu-resize follows, and gpu-resize's own version
versions.sharp = '0.35.5';
versions['gpu-resize'] = pkg.version;

const cacheState = { memory: 50, files: 20, items: 100 };

/**
 * Compatibility no-op: gpu-resize keeps no operation cache. Validates as sharp does and returns
 * sharp's shape, with the limits last set.
 * @param {Object|boolean} [options]
 * @returns {Object}
 */
function cache (options) {
  if (is.bool(options)) {
    if (options) {
      Object.assign(cacheState, { memory: 50, files: 20, items: 100 });
    } else {
      Object.assign(cacheState, { memory: 0, files: 0, items: 0 });
    }
  } else if (is.object(options)) {
    for (const property of ['memory', 'files', 'items']) {
      const value = options[property];
      if (is.defined(value) && !(is.integer(value) && value >= 0)) {
        throw is.invalidParameterError(property, 'a positive integer', value);
      }
    }
    for (const property of ['memory', 'files', 'items']) {
      if (is.defined(options[property])) {
        cacheState[property] = options[property];
      }
    }
  }
  return {
    memory: { current: 0, high: 0, max: cacheState.memory },
    files: { current: 0, max: cacheState.files },
    items: { current: 0, max: cacheState.items }
  };
}

// The request pool's limit (src/core/pool.c): GPU_RESIZE_WORKERS, else the core count, at least 4.
const defaultConcurrency = () => {
  const n = Number.parseInt(process.env.GPU_RESIZE_WORKERS, 10);
  return Number.isInteger(n) && n > 0 ? n : Math.max(4, os.cpus().length);
};
let concurrencyValue = defaultConcurrency();

/**
 * Compatibility: requests run on gpu-resize's request pool, at most GPU_RESIZE_WORKERS at once on
 * the CPU (default: the core count, at least 4), read when the first request runs. Returns the
 * value last set, or that limit.
 * @param {number} [concurrency]
 * @returns {number}
 */
function concurrency (concurrency) {
  if (is.integer(concurrency)) {
    concurrencyValue = concurrency > 0 ? concurrency : defaultConcurrency();
  }
  return concurrencyValue;
}

let simdValue = true;

/**
 * Compatibility no-op: returns the value last set (default true).
 * @param {boolean} [simd]
 * @returns {boolean}
 */
function simd (simd) {
  if (is.bool(simd)) {
    simdValue = simd;
  }
  return simdValue;
}

/**
 * Requests in flight: `{ queue: 0, process: n }`.
 * @returns {Object}
 */
function counters () {
  return counterState.counters();
}

function block (options) {
  if (is.object(options)) {
    if (!(Array.isArray(options.operation) && options.operation.every(is.string))) {
      throw is.invalidParameterError('operation', 'Array<string>', options.operation);
    }
  } else {
    throw is.invalidParameterError('options', 'object', options);
  }
}

function unblock (options) {
  block(options);
}

/**
 * gpu-resize: state of the three backends (GPU, CPU, libvips), from the addon.
 * @returns {{gpu: Object, cpu: Object, vips: Object}}
 */
function backends () {
  return native.backends();
}

/**
 * gpu-resize: a zero-filled Buffer of `size` bytes in page-locked (pinned) host memory. Raw
 * input in such a Buffer goes to the GPU without the host copy every other Buffer needs first,
 * which for large frames is what bounds throughput. Allocate once and reuse: pinning costs
 * more than one copy. Freed buffers are kept for reuse (up to 1 GiB). Without a GPU, or when
 * no pinned memory can be had, a plain Buffer: it works everywhere the same way.
 * @param {number} size - bytes
 * @returns {Buffer}
 */
function pinnedBuffer (size) {
  if (!is.integer(size) || size < 1 || size > buffer.constants.MAX_LENGTH) {
    throw is.invalidParameterError('size', `integer between 1 and ${buffer.constants.MAX_LENGTH}`, size);
  }
  const pinned = native.isAvailable() ? native.pinnedBuffer(size) : null;
  return pinned || Buffer.alloc(size);
}

/**
 * gpu-resize: the pinned buffers' figures: live `buffers` and `bytes`, `cachedBuffers` and
 * `cachedBytes` kept for reuse, `directUploads` (GPU requests whose input went up straight from
 * one).
 * @returns {{buffers: number, bytes: number, cachedBuffers: number, cachedBytes: number, directUploads: number}}
 */
function pinnedMemory () {
  return native.pinnedMemory();
}

module.exports = (Sharp) => {
  Sharp.cache = cache;
  Sharp.concurrency = concurrency;
  Sharp.counters = counters;
  Sharp.simd = simd;
  // Built on first read: it asks the addon for libvips and loads sharp, where installed
  let format;
  Object.defineProperty(Sharp, 'format', {
    enumerable: true,
    configurable: true,
    get () {
      if (!format) {
        format = formatTable();
      }
      return format;
    }
  });
  Sharp.interpolators = interpolators;
  Sharp.versions = versions;
  Sharp.queue = counterState.queue;
  Sharp.block = block;
  Sharp.unblock = unblock;
  Sharp.backends = backends;
  Sharp.pinnedBuffer = pinnedBuffer;
  Sharp.pinnedMemory = pinnedMemory;
};
