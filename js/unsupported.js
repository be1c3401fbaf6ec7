// sharp 0.35.5 methods that gpu-resize does not implement. Each throws
// Error('gpu-resize: <name>() is not supported yet') when called, so that a pipeline never
// silently produces a different image from sharp's.
//
// Exception: the toggles that sharp documents as "pass false to disable" (greyscale(false),
// flatten(false), negate(false), normalise(false), ...) are no-ops when called with exactly
// `false`, since sharp does nothing for them either.
'use strict';

const unsupported = [
  // input
  'stats',
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

function makeUnsupported (name) {
  const fn = function (...args) {
    if (falseIsNoop.has(name) && args.length === 1 && args[0] === false) {
      return this;
    }
    throw new Error(`gpu-resize: ${name}() is not supported yet`);
  };
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

module.exports = (Sharp) => {
  for (const name of unsupported) {
    Sharp.prototype[name] = makeUnsupported(name);
  }
};

module.exports.unsupported = unsupported;
