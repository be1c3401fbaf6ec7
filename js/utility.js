/*!
  Adapted from sharp 0.35.5 (lib/utility.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  gpu-resize has no libvips operation cache, no libvips thread pool and no SIMD switch of its
  own: cache(), concurrency() and simd() validate as sharp does and return sharp-shaped values.
*/
'use strict';

const is = require('./is');
const native = require('./native');
const counterState = require('./counters');
const pkg = require('../package.json');

// sharp 0.35.5's format table for its prebuilt libvips, which gpu-resize also uses for the
// formats it hands to libvips. Outputs gpu-resize does not write (dz tiles, .v) are false.
const format = {
  jpeg: {
    id: 'jpeg',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.jpg',
        '.jpeg',
        '.jpe',
        '.jfif'
      ]
    },
    output: {
      file: true,
      buffer: true,
      stream: true,
      alias: [
        'jpe',
        'jpg'
      ]
    }
  },
  png: {
    id: 'png',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.png'
      ]
    },
    output: {
      file: true,
      buffer: true,
      stream: true
    }
  },
  webp: {
    id: 'webp',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.webp'
      ]
    },
    output: {
      file: true,
      buffer: true,
      stream: true
    }
  },
  tiff: {
    id: 'tiff',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.tif',
        '.tiff'
      ]
    },
    output: {
      file: true,
      buffer: true,
      stream: true,
      alias: [
        'tif'
      ]
    }
  },
  magick: {
    id: 'magick',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  openslide: {
    id: 'openslide',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  dz: {
    id: 'dz',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  ppm: {
    id: 'ppm',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  fits: {
    id: 'fits',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  gif: {
    id: 'gif',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.gif'
      ]
    },
    output: {
      file: true,
      buffer: true,
      stream: true
    }
  },
  svg: {
    id: 'svg',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.svg',
        '.svgz',
        '.svg.gz'
      ]
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  heif: {
    id: 'heif',
    input: {
      file: true,
      buffer: true,
      stream: true,
      fileSuffix: [
        '.avif'
      ]
    },
    output: {
      file: true,
      buffer: true,
      stream: true,
      alias: [
        'avif'
      ]
    }
  },
  pdf: {
    id: 'pdf',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  vips: {
    id: 'vips',
    input: {
      file: true,
      buffer: false,
      stream: false,
      fileSuffix: [
        '.v',
        '.vips'
      ]
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  jp2: {
    id: 'jp2',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false,
      alias: [
        'j2c',
        'j2k',
        'jp2',
        'jpx'
      ]
    }
  },
  jxl: {
    id: 'jxl',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  rad: {
    id: 'rad',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  dcraw: {
    id: 'dcraw',
    input: {
      file: false,
      buffer: false,
      stream: false
    },
    output: {
      file: false,
      buffer: false,
      stream: false
    }
  },
  raw: {
    id: 'raw',
    input: {
      file: false,
      buffer: true,
      stream: true
    },
    output: {
      file: false,
      buffer: true,
      stream: true
    }
  }
};

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

const defaultConcurrency = () => {
  const n = Number.parseInt(process.env.UV_THREADPOOL_SIZE, 10);
  return Number.isInteger(n) && n > 0 ? n : 4;
};
let concurrencyValue = defaultConcurrency();

/**
 * Compatibility: requests run on libuv's thread pool (UV_THREADPOOL_SIZE, default 4), whose
 * size cannot change once started. Returns the value last set, or the pool size.
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
