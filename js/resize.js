/*!
  Adapted from sharp 0.35.5 (lib/resize.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  resize() and extract() are sharp's, unchanged (same option storage, same ordering flags:
  extract before resize is "pre", after resize or a second extract is "post").
  extend() and trim() are not implemented by gpu-resize (see unsupported.js).
*/
'use strict';

const is = require('./is');
const gravity = {
  center: 0,
  centre: 0,
  north: 1,
  east: 2,
  south: 3,
  west: 4,
  northeast: 5,
  southeast: 6,
  southwest: 7,
  northwest: 8
};

const position = {
  top: 1,
  right: 2,
  bottom: 3,
  left: 4,
  'right top': 5,
  'right bottom': 6,
  'left bottom': 7,
  'left top': 8
};

const strategy = {
  entropy: 16,
  attention: 17
};

const kernel = {
  nearest: 'nearest',
  linear: 'linear',
  cubic: 'cubic',
  mitchell: 'mitchell',
  lanczos2: 'lanczos2',
  lanczos3: 'lanczos3',
  mks2013: 'mks2013',
  mks2021: 'mks2021'
};

const fit = {
  contain: 'contain',
  cover: 'cover',
  fill: 'fill',
  inside: 'inside',
  outside: 'outside'
};

const mapFitToCanvas = {
  contain: 'embed',
  cover: 'crop',
  fill: 'ignore_aspect',
  inside: 'max',
  outside: 'min'
};

const mapCanvasToFit = {
  embed: 'contain',
  crop: 'cover',
  ignore_aspect: 'fill',
  max: 'inside',
  min: 'outside'
};

function isRotationExpected (options) {
  return (options.angle % 360) !== 0 || options.rotationAngle !== 0;
}

function isResizeExpected (options) {
  return options.width !== -1 || options.height !== -1;
}

/**
 * Resize image to `width`, `height` or `width x height` (see sharp's resize()).
 * @param {number|Object} [widthOrOptions]
 * @param {number} [height]
 * @param {Object} [options]
 * @returns {Sharp}
 */
function resize (widthOrOptions, height, options) {
  if (isResizeExpected(this.options)) {
    this.options.debuglog('ignoring previous resize options');
  }
  if (this.options.widthPost !== -1) {
    this.options.debuglog('operation order will be: extract, resize, extract');
  }
  if (is.defined(widthOrOptions)) {
    if (is.object(widthOrOptions) && !is.defined(options)) {
      options = widthOrOptions;
    } else if (is.integer(widthOrOptions) && is.inRange(widthOrOptions, 1, 100000000)) {
      this.options.width = widthOrOptions;
    } else {
      throw is.invalidParameterError('width', 'positive integer between 1 and 100000000', widthOrOptions);
    }
  } else {
    this.options.width = -1;
  }
  if (is.defined(height)) {
    if (is.integer(height) && is.inRange(height, 1, 100000000)) {
      this.options.height = height;
    } else {
      throw is.invalidParameterError('height', 'positive integer between 1 and 100000000', height);
    }
  } else {
    this.options.height = -1;
  }
  if (is.object(options)) {
    // Width
    if (is.defined(options.width)) {
      if (is.integer(options.width) && is.inRange(options.width, 1, 100000000)) {
        this.options.width = options.width;
      } else {
        throw is.invalidParameterError('width', 'positive integer between 1 and 100000000', options.width);
      }
    }
    // Height
    if (is.defined(options.height)) {
      if (is.integer(options.height) && is.inRange(options.height, 1, 100000000)) {
        this.options.height = options.height;
      } else {
        throw is.invalidParameterError('height', 'positive integer between 1 and 100000000', options.height);
      }
    }
    // Fit
    if (is.defined(options.fit)) {
      const canvas = mapFitToCanvas[options.fit];
      if (is.string(canvas)) {
        this.options.canvas = canvas;
      } else {
        throw is.invalidParameterError('fit', 'valid fit', options.fit);
      }
    }
    // Position
    if (is.defined(options.position)) {
      const pos = is.integer(options.position)
        ? options.position
        : strategy[options.position] || position[options.position] || gravity[options.position];
      if (is.integer(pos) && (is.inRange(pos, 0, 8) || is.inRange(pos, 16, 17))) {
        this.options.position = pos;
      } else {
        throw is.invalidParameterError('position', 'valid position/gravity/strategy', options.position);
      }
    }
    // Background
    this._setBackgroundColourOption('resizeBackground', options.background);
    // Kernel
    if (is.defined(options.kernel)) {
      if (is.string(kernel[options.kernel])) {
        this.options.kernel = kernel[options.kernel];
      } else {
        throw is.invalidParameterError('kernel', 'valid kernel name', options.kernel);
      }
    }
    // Without enlargement
    if (is.defined(options.withoutEnlargement)) {
      this._setBooleanOption('withoutEnlargement', options.withoutEnlargement);
    }
    // Without reduction
    if (is.defined(options.withoutReduction)) {
      this._setBooleanOption('withoutReduction', options.withoutReduction);
    }
    // Shrink on load
    if (is.defined(options.fastShrinkOnLoad)) {
      this._setBooleanOption('fastShrinkOnLoad', options.fastShrinkOnLoad);
    }
  }
  if (isRotationExpected(this.options) && isResizeExpected(this.options)) {
    this.options.rotateBefore = true;
  }
  return this;
}

/**
 * Extract/crop a region of the image (see sharp's extract()).
 * @param {Object} options - { left, top, width, height }
 * @returns {Sharp}
 */
function extract (options) {
  const suffix = isResizeExpected(this.options) || this.options.widthPre !== -1 ? 'Post' : 'Pre';
  if (this.options[`width${suffix}`] !== -1) {
    this.options.debuglog('ignoring previous extract options');
  }
  ['left', 'top', 'width', 'height'].forEach(function (name) {
    const value = options[name];
    if (is.integer(value) && is.inRange(value, 0, 100000000)) {
      this.options[name + (name === 'left' || name === 'top' ? 'Offset' : '') + suffix] = value;
    } else {
      throw is.invalidParameterError(name, 'integer between 0 and 100000000', value);
    }
  }, this);
  // Ensure existing rotation occurs before pre-resize extraction
  if (isRotationExpected(this.options) && !isResizeExpected(this.options)) {
    if (this.options.widthPre === -1 || this.options.widthPost === -1) {
      this.options.rotateBefore = true;
    }
  }
  if (this.options.input.autoOrient) {
    this.options.orientBefore = true;
  }
  return this;
}

module.exports = (Sharp) => {
  Object.assign(Sharp.prototype, {
    resize,
    extract
  });
  // Class attributes
  Sharp.gravity = gravity;
  Sharp.strategy = strategy;
  Sharp.kernel = kernel;
  Sharp.fit = fit;
  Sharp.position = position;
};

module.exports.mapCanvasToFit = mapCanvasToFit;
// The resize() options (and baton fields of the same names) that may differ between the outputs
// of one decode (gr_output_spec): toBuffers() outputs, clones run together.
module.exports.outputResizeKeys = new Set([
  'width', 'height', 'fit', 'position', 'background', 'kernel', 'withoutEnlargement',
  'withoutReduction', 'fastShrinkOnLoad'
]);
module.exports.isRotationExpected = isRotationExpected;
module.exports.isResizeExpected = isResizeExpected;
