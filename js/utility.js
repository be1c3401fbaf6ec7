/*!
  Adapted from sharp 0.35.5 (lib/utility.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  gpu-resize has no libvips operation cache, no libvips thread pool and no SIMD switch of its
  own: cache(), concurrency() and simd() validate as sharp does and return sharp-shaped values.
*/
'use strict';

const os = require('node:os');
const is = require('./is');
const native = require('./native');
const counterState = require('./counters');
const pkg = require('../package.json');

// sharp 0.35.5's format table for its prebuilt libvips, which gpu-resize also uses for the
// formats it hands to libvips. Outputs gpu-resize does not write (dz tiles, .v) are false.
const format = Object.fromEntries([
  // id, input [file, buffer, stream], output [file, buffer, stream], input suffixes, output aliases
  ['jpeg', [1, 1, 1], [1, 1, 1], ['.jpg', '.jpeg', '.jpe', '.jfif'], ['jpe', 'jpg']],
  ['png', [1, 1, 1], [1, 1, 1], ['.png']],
  ['webp', [1, 1, 1], [1, 1, 1], ['.webp']],
  ['tiff', [1, 1, 1], [1, 1, 1], ['.tif', '.tiff'], ['tif']],
  ['magick', [0, 0, 0], [0, 0, 0]],
  ['openslide', [0, 0, 0], [0, 0, 0]],
  ['dz', [0, 0, 0], [0, 0, 0]],
  ['ppm', [0, 0, 0], [0, 0, 0]],
  ['fits', [0, 0, 0], [0, 0, 0]],
  ['gif', [1, 1, 1], [1, 1, 1], ['.gif']],
  ['svg', [1, 1, 1], [0, 0, 0], ['.svg', '.svgz', '.svg.gz']],
  ['heif', [1, 1, 1], [1, 1, 1], ['.avif'], ['avif']],
  ['pdf', [0, 0, 0], [0, 0, 0]],
  ['vips', [1, 0, 0], [0, 0, 0], ['.v', '.vips']],
  ['jp2', [0, 0, 0], [0, 0, 0], null, ['j2c', 'j2k', 'jp2', 'jpx']],
  ['jxl', [0, 0, 0], [0, 0, 0]],
  ['rad', [0, 0, 0], [0, 0, 0]],
  ['dcraw', [0, 0, 0], [0, 0, 0]],
  ['raw', [0, 1, 1], [0, 1, 1]]
].map(([id, input, output, fileSuffix, alias]) => {
  const io = ([file, buffer, stream]) => ({ file: !!file, buffer: !!buffer, stream: !!stream });
  return [id, {
    id,
    input: { ...io(input), ...(fileSuffix ? { fileSuffix } : {}) },
    output: { ...io(output), ...(alias ? { alias } : {}) }
  }];
}));

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

module.exports = (Sharp) => {
  Sharp.cache = cache;
  Sharp.concurrency = concurrency;
  Sharp.counters = counters;
  Sharp.simd = simd;
  Sharp.format = format;
  Sharp.interpolators = interpolators;
  Sharp.versions = versions;
  Sharp.queue = counterState.queue;
  Sharp.block = block;
  Sharp.unblock = unblock;
  Sharp.backends = backends;
};
