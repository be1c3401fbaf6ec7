// Many outputs from one input, decoded once: sharp(input).toBuffers([{ width, format, ... }, ...])
// and the standalone sharp.toBuffers(input, outputs, inputOptions). Each output object holds
// resize() options and a format with that format's options; the native side decodes once and
// produces the outputs largest first, each from the nearest larger one where quality allows
// (gr_process_many in include/gpu_resize.h).
'use strict';

const is = require('./is');
const native = require('./native');
const counters = require('./counters');
const { mapInfo } = require('./output');

const { outputResizeKeys: resizeKeys } = require('./resize');

const maxOutputs = native.maxMany;

/**
 * A clone of this instance with one output's resize and format options applied (validated by
 * resize() and toFormat(), so with sharp's messages).
 * @private
 */
function _outputClone (output) {
  if (!is.plainObject(output)) {
    throw is.invalidParameterError('output', 'object', output);
  }
  const { format, ...rest } = output;
  const resizeOptions = {};
  const formatOptions = {};
  for (const [key, value] of Object.entries(rest)) {
    (resizeKeys.has(key) ? resizeOptions : formatOptions)[key] = value;
  }
  const clone = this.clone();
  if (Object.keys(resizeOptions).length) {
    clone.resize(resizeOptions);
  }
  if (is.defined(format)) {
    clone.toFormat(format, formatOptions);
  } else if (Object.keys(formatOptions).length) {
    throw new Error(`Expected a format for the output options ${Object.keys(formatOptions).join(', ')}`);
  }
  return clone;
}

function runOne (clone) {
  return new Promise((resolve, reject) => {
    clone._run((err, data, info) => (err ? reject(err) : resolve({ data, info })));
  });
}

function runMany (batons) {
  return new Promise((resolve, reject) => {
    counters.start();
    native.processMany(batons, (err, outputs) => {
      counters.end();
      if (err) {
        reject(err);
        return;
      }
      const failed = outputs.find((o) => o.error);
      if (failed) {
        reject(failed.error);
        return;
      }
      resolve(outputs.map(({ data, info }) => {
        const mapped = mapInfo(info, data);
        for (const key of ['resizedFrom', 'decoded']) {
          if (info[key]) {
            mapped[key] = info[key];
          }
        }
        return { data, info: mapped };
      }));
    });
  });
}

/**
 * Produce several outputs of this image, decoding it once.
 *
 * @example
 * const set = await sharp('photo.jpg').toBuffers([
 *   { width: 1600, format: 'webp', quality: 80 },
 *   { width: 800, format: 'webp', quality: 80 },
 *   { width: 320, height: 320, fit: 'cover', format: 'jpeg', quality: 70 }
 * ]);
 * // set[i] is { data, info } for outputs[i]; info.resizedFrom says what the resize read
 *
 * @param {Array<Object>} outputs - 1 to 256 objects of resize() options (width, height, fit,
 *   position, background, kernel, withoutEnlargement, withoutReduction, fastShrinkOnLoad) plus `format` and that
 *   format's options (quality, ...). Steps set on this instance (rotate, extract, ...) apply to all.
 * @returns {Promise<Array<{data: Buffer, info: Object}>>} in the order of `outputs`; rejects
 *   with the first output's error when any fails.
 */
function toBuffers (outputs) {
  if (!Array.isArray(outputs) || outputs.length < 1 || outputs.length > maxOutputs) {
    throw is.invalidParameterError('outputs', `Array of 1 to ${maxOutputs} output objects`, outputs);
  }
  const stack = Error();
  const clones = outputs.map((output) => this._outputClone(output));
  const ready = this._isStreamInput()
    ? new Promise((resolve) => this._whenStreamInFinished(() => {
      this._flattenBufferIn();
      resolve();
    }))
    : Promise.resolve();
  return ready
    .then(() => {
      if (clones.some((clone) => clone._delegatedTo)) {
        // Operations gpu-resize lacks run on sharp, one output at a time
        return Promise.all(clones.map(runOne));
      }
      const batons = clones.map((clone) => clone._buildBaton());
      return this._readInput().then((src) => {
        for (const baton of batons) {
          baton.input = src.buffer;
          baton.rawWidth = src.rawWidth;
          baton.rawHeight = src.rawHeight;
          baton.rawChannels = src.rawChannels;
        }
        return runMany(batons);
      });
    })
    .catch((err) => {
      throw is.nativeError(err, stack);
    });
}

module.exports = (Sharp) => {
  Object.assign(Sharp.prototype, { _outputClone, toBuffers });
  /**
   * Standalone form: sharp.toBuffers(input, outputs, options) is sharp(input, options).toBuffers(outputs).
   */
  Sharp.toBuffers = (input, outputs, options) => Sharp(input, options).toBuffers(outputs);
};
