// gpu-resize: a drop-in replacement for sharp 0.35.5's resize calls.
//
//   const sharp = require('gpu-resize');
//   await sharp(input).resize(800, 600, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
//
// The JS layer follows sharp's own (Apache-2.0, Copyright 2013 Lovell Fuller and others): same
// option names, defaults, validation and error messages. Pixels are produced by the addon in
// build/Release/gpu_resize.node (GPU, then CPU, then libvips; see js/native.js for the contract).
'use strict';

const Sharp = require('./constructor');

require('./input')(Sharp);
require('./resize')(Sharp);
require('./unsupported')(Sharp);
require('./operation')(Sharp);
require('./colour')(Sharp);
require('./output')(Sharp);
require('./utility')(Sharp);
require('./many')(Sharp);
// Last: records the builder calls of every instance for delegation to sharp
require('./delegate')(Sharp, require('./unsupported').unsupported);

// Constants sharp exports from modules gpu-resize does not implement
Sharp.blend = {
  clear: 'clear',
  source: 'source',
  over: 'over',
  in: 'in',
  out: 'out',
  atop: 'atop',
  dest: 'dest',
  'dest-over': 'dest-over',
  'dest-in': 'dest-in',
  'dest-out': 'dest-out',
  'dest-atop': 'dest-atop',
  xor: 'xor',
  add: 'add',
  saturate: 'saturate',
  multiply: 'multiply',
  screen: 'screen',
  overlay: 'overlay',
  darken: 'darken',
  lighten: 'lighten',
  'colour-dodge': 'colour-dodge',
  'color-dodge': 'colour-dodge',
  'colour-burn': 'colour-burn',
  'color-burn': 'colour-burn',
  'hard-light': 'hard-light',
  'soft-light': 'soft-light',
  difference: 'difference',
  exclusion: 'exclusion'
};
Sharp.bool = {
  and: 'and',
  or: 'or',
  eor: 'eor'
};

module.exports = Sharp;
