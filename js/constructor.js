/*!
  Adapted from sharp 0.35.5 (lib/constructor.js), Copyright 2013 Lovell Fuller and others.
  SPDX-License-Identifier: Apache-2.0
  Changes for gpu-resize: only the options that the resize pipeline uses (plus the output
  options sharp validates) are kept; clone() shares the input Buffer instead of copying it.
*/
'use strict';

const util = require('node:util');
const stream = require('node:stream');
const is = require('./is');

// Use NODE_DEBUG=gpu-resize to see the notes sharp logs with NODE_DEBUG=sharp
const debuglog = util.debuglog('gpu-resize');

/**
 * sharp(input?, options?) / new sharp(input?, options?)
 * See sharp's constructor documentation; the accepted inputs are a Buffer, ArrayBuffer,
 * TypedArray, file path, `{ raw }` pixels, `{ create }` or a Stream (no input); text input,
 * arrays of images to join, `create.noise` and raw pixels deeper than 8 bits run on sharp.
 */
const Sharp = function (input, options) {
  // biome-ignore lint/complexity/noArguments: constructor factory
  if (arguments.length === 1 && !is.defined(input)) {
    throw new Error('Invalid input');
  }
  if (!(this instanceof Sharp)) {
    return new Sharp(input, options);
  }
  stream.Duplex.call(this);
  this.options = {
    // resize options
    topOffsetPre: -1,
    leftOffsetPre: -1,
    widthPre: -1,
    heightPre: -1,
    topOffsetPost: -1,
    leftOffsetPost: -1,
    widthPost: -1,
    heightPost: -1,
    width: -1,
    height: -1,
    canvas: 'crop',
    position: 0,
    resizeBackground: [0, 0, 0, 255],
    angle: 0,
    rotationAngle: 0,
    rotateBefore: false,
    orientBefore: false,
    flip: false,
    flop: false,
    withoutEnlargement: false,
    withoutReduction: false,
    kernel: 'lanczos3',
    fastShrinkOnLoad: true,
    // output
    fileOut: '',
    formatOut: 'input',
    streamOut: false,
    typedArrayOut: false,
    resolveWithObject: false,
    loop: -1,
    delay: [],
    timeoutSeconds: 0,
    // output format
    jpegQuality: 80,
    jpegProgressive: false,
    jpegChromaSubsampling: '4:2:0',
    jpegTrellisQuantisation: false,
    jpegOvershootDeringing: false,
    jpegOptimiseScans: false,
    jpegOptimiseCoding: true,
    jpegQuantisationTable: 0,
    pngProgressive: false,
    pngCompressionLevel: 6,
    pngAdaptiveFiltering: false,
    pngPalette: false,
    pngQuality: 100,
    pngEffort: 7,
    pngBitdepth: 8,
    pngDither: 1,
    webpQuality: 80,
    webpAlphaQuality: 100,
    webpLossless: false,
    webpNearLossless: false,
    webpSmartSubsample: false,
    webpSmartDeblock: false,
    webpPreset: 'default',
    webpEffort: 4,
    webpMinSize: false,
    webpMixed: false,
    webpExact: false,
    gifBitdepth: 8,
    gifEffort: 7,
    gifDither: 1,
    gifInterFrameMaxError: 0,
    gifInterPaletteMaxError: 3,
    gifKeepDuplicateFrames: false,
    gifReuse: true,
    gifProgressive: false,
    tiffQuality: 80,
    tiffCompression: 'jpeg',
    tiffBigtiff: false,
    tiffPredictor: 'horizontal',
    tiffPyramid: false,
    tiffMiniswhite: false,
    tiffBitdepth: 0,
    tiffTile: false,
    tiffTileHeight: 256,
    tiffTileWidth: 256,
    tiffXres: 1.0,
    tiffYres: 1.0,
    tiffResolutionUnit: 'inch',
    heifQuality: 50,
    heifLossless: false,
    heifCompression: 'av1',
    heifEffort: 4,
    heifChromaSubsampling: '4:4:4',
    heifBitdepth: 8,
    heifTune: 'auto',
    rawDepth: 'uchar',
    // Function to notify of warnings
    debuglog: (warning) => {
      this.emit('warning', warning);
      debuglog(warning);
    }
  };
  this.options.input = this._createInputDescriptor(input, options, { allowStream: true });
  // For delegation to sharp (js/delegate.js): the constructor's arguments and the builder calls
  this._source = { input, options };
  this._calls = [];
  if (this.options.input.delegate) {
    // An input only sharp produces (text, joined images, ...): sharp validates it and runs it
    this._delegateInput(this.options.input.delegate);
  }
  return this;
};
Object.setPrototypeOf(Sharp.prototype, stream.Duplex.prototype);
Object.setPrototypeOf(Sharp, stream.Duplex);

/**
 * Take a "snapshot" of the Sharp instance, returning a new instance.
 * Cloned instances inherit the input of their parent instance (the input Buffer is shared, not copied).
 * @returns {Sharp}
 */
function clone () {
  // Clone existing options
  const clone = this.constructor.call();
  const { debuglog: _debuglog, input, ...options } = this.options;
  const { buffer, ...inputRest } = input;
  clone.options = structuredClone(options);
  clone.options.debuglog = clone.options.debuglog || ((warning) => {
    clone.emit('warning', warning);
    debuglog(warning);
  });
  clone.options.input = structuredClone(inputRest);
  // Runs of clones started together share one decode (clones.js)
  clone._cloneOf = this;
  if (Array.isArray(buffer)) {
    clone.options.input.buffer = [];
  } else if (is.defined(buffer)) {
    clone.options.input.buffer = buffer;
  }
  // Pass 'finish' event to clone for Stream-based input
  if (this._isStreamInput()) {
    this._whenStreamInFinished(() => {
      // Clone inherits input data
      this._flattenBufferIn();
      clone.options.input.buffer = this.options.input.buffer;
      clone.emit('finish');
    });
  }
  return clone;
}
Object.assign(Sharp.prototype, { clone });

module.exports = Sharp;
