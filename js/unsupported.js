// sharp 0.35.5 methods that gpu-resize does not implement natively. Calling one validates its
// arguments with sharp's own checks and marks the instance for delegation: the whole pipeline
// then runs on sharp (an optional peer dependency) and info.backend is 'sharp'. Without sharp
// installed the call throws an Error naming the operation, so that a pipeline never silently
// produces a different image from sharp's (see js/delegate.js).
//
// Exception: the toggles that sharp documents as "pass false to disable" (greyscale(false),
// flatten(false), negate(false), normalise(false), ...) are no-ops when called with exactly
// `false`, since sharp does nothing for them either.
'use strict';

const unsupported = [
  // resize
  'extend', 'trim',
  // composite
  'composite',
  // operation
  'affine', 'sharpen', 'erode', 'dilate', 'median', 'blur', 'flatten', 'unflatten', 'gamma',
  'negate', 'normalise', 'normalize', 'clahe', 'convolve', 'threshold', 'boolean', 'linear',
  'recomb', 'modulate',
  // colour
  'tint', 'greyscale', 'grayscale', 'pipelineColourspace', 'pipelineColorspace',
  'toColourspace', 'toColorspace',
  // channel
  'removeAlpha', 'ensureAlpha', 'extractChannel', 'joinChannel', 'bandbool',
  // output metadata
  'withDensity', 'keepExif', 'withExif', 'withExifMerge', 'keepIccProfile', 'withIccProfile',
  'keepGainMap', 'withGainMap', 'keepXmp', 'withXmp', 'keepMetadata', 'withMetadata'
];

// Called with `false` (or, for blur/sharpen/median-like toggles, nothing else) these do nothing in sharp.
const falseIsNoop = new Set([
  'greyscale', 'grayscale', 'flatten', 'negate', 'normalise', 'normalize', 'blur', 'sharpen'
]);

function makeDelegated (name) {
  const fn = function (...args) {
    if (falseIsNoop.has(name) && args.length === 1 && args[0] === false) {
      return this;
    }
    this._delegateOperation(name, args);
    return this;
  };
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

module.exports = (Sharp) => {
  for (const name of unsupported) {
    Sharp.prototype[name] = makeDelegated(name);
  }
};

module.exports.unsupported = unsupported;
