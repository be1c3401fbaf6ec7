/*!
  Adapted from sharp 0.35.5 (lib/colour.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  gpu-resize keeps sharp's colour parsing (via @img/colour, as sharp does) so that background
  values and their validation errors are identical.
*/
'use strict';

const color = require('@img/colour');
const is = require('./is');

const colourspace = {
  multiband: 'multiband',
  'b-w': 'b-w',
  bw: 'b-w',
  cmyk: 'cmyk',
  srgb: 'srgb'
};

/**
 * Parse a colour (string or object) to [red, green, blue, alpha] with alpha 0-255.
 * @private
 */
function _getBackgroundColourOption (value) {
  if (
    is.object(value) ||
    (is.string(value) && value.length >= 3 && value.length <= 200)
  ) {
    const colour = color(value);
    const red = colour.red();
    const green = colour.green();
    const blue = colour.blue();
    const alpha = Math.round(colour.alpha() * 255);
    for (const [channel, component] of [['red', red], ['green', green], ['blue', blue], ['alpha', alpha]]) {
      if (!is.number(component)) {
        throw is.invalidParameterError(`background.${channel}`, 'number', component);
      }
    }
    return [red, green, blue, alpha];
  } else {
    throw is.invalidParameterError('background', 'object or string', value);
  }
}

function _setBackgroundColourOption (key, value) {
  if (is.defined(value)) {
    this.options[key] = _getBackgroundColourOption(value);
  }
}

module.exports = (Sharp) => {
  Object.assign(Sharp.prototype, {
    _getBackgroundColourOption,
    _setBackgroundColourOption
  });
  Sharp.colourspace = colourspace;
  Sharp.colorspace = colourspace;
};
