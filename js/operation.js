/*!
  Adapted from sharp 0.35.5 (lib/operation.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  rotate(), autoOrient(), flip() and flop() keep sharp's option storage. Difference: rotate()
  by an angle that is not a multiple of 90 runs on sharp (js/delegate.js): gpu-resize has no
  arbitrary-angle rotation.
*/
'use strict';

const is = require('./is');

/**
 * Rotate the output image, or auto-orient with no angle (see sharp's rotate()). Multiples of 90
 * run natively; other angles on sharp.
 * @param {number} [angle]
 * @param {Object} [options] - `background`, for angles that are not multiples of 90
 * @returns {Sharp}
 */
function rotate (angle, options) {
  if (!is.defined(angle)) {
    return this.autoOrient();
  }
  if (this.options.angle || this.options.rotationAngle) {
    this.options.debuglog('ignoring previous rotate options');
    this.options.angle = 0;
    this.options.rotationAngle = 0;
  }
  if (is.integer(angle) && !(angle % 90)) {
    this.options.angle = angle;
  } else if (is.number(angle)) {
    // sharp validates options.background and rotates
    this._delegateOperation('rotate', [angle, options]);
  } else {
    throw is.invalidParameterError('angle', 'numeric', angle);
  }
  return this;
}

/**
 * Auto-orient based on the EXIF Orientation tag, then remove the tag (see sharp's autoOrient()).
 * @returns {Sharp}
 */
function autoOrient () {
  this.options.input.autoOrient = true;
  return this;
}

/**
 * Mirror the image vertically (up-down) about the x-axis.
 * @param {boolean} [flip=true]
 * @returns {Sharp}
 */
function flip (flip) {
  this.options.flip = is.bool(flip) ? flip : true;
  return this;
}

/**
 * Mirror the image horizontally (left-right) about the y-axis.
 * @param {boolean} [flop=true]
 * @returns {Sharp}
 */
function flop (flop) {
  this.options.flop = is.bool(flop) ? flop : true;
  return this;
}

module.exports = (Sharp) => {
  Object.assign(Sharp.prototype, {
    autoOrient,
    rotate,
    flip,
    flop
  });
};
