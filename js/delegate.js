// Delegation to sharp for what gpu-resize does not implement: operations (blur, composite, ...),
// inputs (text, joined arrays, create noise, raw pixels deeper than 8 bits) and outputs (jp2, jxl,
// tile/Deep Zoom, raw deeper than 8 bits, .v files).
//
// Every public builder call on an instance is recorded (name and arguments, in order). When the
// input or one of the calls is something gpu-resize does not implement, the output step replays
// all of them on require('sharp')(the same input) and reports info.backend = 'sharp'. sharp is an
// optional peer dependency: without it the constructor or call throws, naming what needs sharp.
'use strict';

const is = require('./is');

// Builder methods whose calls are replayed on sharp (outputs, metadata and clone are not calls
// that change the pipeline). The unsupported operations are added by unsupported.js.
const builders = [
  'resize', 'extract', 'autoOrient', 'rotate', 'flip', 'flop',
  'toFormat', 'jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'jp2', 'jxl', 'raw', 'tile',
  'timeout'
];

let sharpModule;

/**
 * sharp's module, or null when it is not installed. Resolved from gpu-resize's own location,
 * where an application's node_modules provides the peer dependency.
 * @private
 */
function loadSharp () {
  if (sharpModule === undefined) {
    try {
      sharpModule = require('sharp');
    } catch (err) {
      if (!err || err.code !== 'MODULE_NOT_FOUND') {
        throw err;
      }
      sharpModule = null;
    }
  }
  return sharpModule;
}

/** `what` names the operation ('blur()') or the input/output ('text input'). */
function notInstalled (what) {
  return new Error(
    `gpu-resize: ${what} is not implemented by gpu-resize and runs on sharp, which is not installed (npm install sharp)`
  );
}

/** sharp's module; throws naming `what` when it is not installed. */
function requireSharp (what) {
  const sharp = loadSharp();
  if (!sharp) {
    throw notInstalled(what);
  }
  return sharp;
}

function markDelegated (instance, what) {
  if (!instance._delegatedTo) {
    instance._delegatedTo = what;
  }
}

/**
 * Validates an operation gpu-resize does not implement with sharp's own checks (so bad
 * arguments throw sharp's message at the call, as with sharp) and marks the instance for
 * delegation. Throws when sharp is not installed.
 * @private
 */
function _delegateOperation (name, args) {
  const sharp = requireSharp(`${name}()`);
  sharp()[name](...args);
  markDelegated(this, `${name}()`);
}

/**
 * For an input gpu-resize cannot decode or produce (the constructor's descriptor says which):
 * sharp's constructor validates the arguments with its own messages, and the instance is
 * marked for delegation. Throws when sharp is not installed.
 * @private
 */
function _delegateInput (what) {
  const sharp = requireSharp(what);
  sharp(...sharpInputArgs(this));
  markDelegated(this, what);
}

/**
 * For an output gpu-resize does not write, chosen by a file name's extension at toFile()
 * (.dzi/.zip/.szi tiles, .v/.vips): marks the instance for delegation. Throws when sharp is not
 * installed.
 * @private
 */
function _delegateOutput (what) {
  requireSharp(what);
  markDelegated(this, what);
}

/** sharp's constructor arguments for this instance's input. @private */
function sharpInputArgs (instance) {
  const d = instance.options.input;
  const { input, options } = instance._source || {};
  if (Array.isArray(input) || is.typedArray(input)) {
    // Joined images, and typed arrays whose element type is the raw pixel depth
    return [input, options].filter(is.defined);
  }
  // A plain-object first argument carries the input options (create, raw for a stream, ...)
  const inputOptions = is.plainObject(input) && !is.defined(options) ? input : options;
  if (is.string(d.file)) {
    return [d.file, inputOptions].filter(is.defined);
  }
  if (is.buffer(d.buffer)) {
    // Buffer, ArrayBuffer or a finished input stream: the bytes gpu-resize holds
    return [d.buffer, inputOptions].filter(is.defined);
  }
  return [inputOptions].filter(is.defined);
}

/** The recorded calls replayed on sharp: a sharp instance ready for its output. */
function sharpPipeline (instance, sharp) {
  let pipeline = sharp(...sharpInputArgs(instance));
  for (const [name, args] of instance._calls) {
    pipeline = pipeline[name](...args);
  }
  return pipeline;
}

/**
 * Replays the recorded calls on sharp and produces the output: done(err, data, info) with
 * info.backend = 'sharp'.
 * @private
 */
function _runOnSharp (done) {
  const fileOut = this.options.fileOut;
  let pipeline;
  try {
    pipeline = sharpPipeline(this, requireSharp(this._delegatedTo));
  } catch (err) {
    process.nextTick(done, err);
    return;
  }
  const output = fileOut
    ? pipeline.toFile(fileOut).then((info) => ({ data: Buffer.alloc(0), info }))
    : pipeline.toBuffer({ resolveWithObject: true });
  output.then(
    ({ data, info }) => done(null, data, { ...info, backend: 'sharp' }),
    (err) => done(err)
  );
}

/**
 * stats() is computed by sharp (gpu-resize has no statistics of its own).
 * @param {Function} [callback]
 * @returns {Promise<Object>|Sharp}
 */
function stats (callback) {
  const sharp = requireSharp('stats()');
  return whenInputReady(this, () => sharpPipeline(this, sharp).stats(), callback);
}

/**
 * metadata() of an input that only sharp reads (text, joined images, ...): sharp's.
 * @private
 */
function _sharpMetadata () {
  const sharp = requireSharp(this._delegatedTo);
  return Promise.resolve().then(() => sharp(...sharpInputArgs(this)).metadata());
}

/** Runs fn once a stream input is complete; callback(err, result) or a Promise. */
function whenInputReady (instance, fn, callback) {
  const ready = instance._isStreamInput()
    ? new Promise((resolve) => instance._whenStreamInFinished(() => {
      instance._flattenBufferIn();
      resolve();
    })).then(fn)
    : Promise.resolve().then(fn);
  if (is.fn(callback)) {
    ready.then((s) => callback(null, s), (err) => callback(err));
    return instance;
  }
  return ready;
}

/** Wraps a builder so that top-level calls (not those builders make to each other) are recorded. */
function recorder (name, impl) {
  const fn = function (...args) {
    const depth = this._callDepth || 0;
    this._callDepth = depth + 1;
    let result;
    try {
      result = impl.apply(this, args);
    } finally {
      this._callDepth = depth;
    }
    if (depth === 0) {
      this._calls.push([name, args]);
    }
    return result;
  };
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

module.exports = (Sharp, unsupported) => {
  for (const name of [...builders, ...unsupported]) {
    Sharp.prototype[name] = recorder(name, Sharp.prototype[name]);
  }
  const clone = Sharp.prototype.clone;
  Sharp.prototype.clone = function () {
    const copy = clone.call(this);
    copy._calls = this._calls.slice();
    copy._source = this._source;
    copy._delegatedTo = this._delegatedTo;
    return copy;
  };
  Object.assign(Sharp.prototype, { _delegateOperation, _delegateInput, _delegateOutput, _runOnSharp, _sharpMetadata, stats });
  Sharp.delegation = {
    /** Whether sharp is installed, so that operations gpu-resize lacks run on it. */
    get available () {
      return Boolean(loadSharp());
    }
  };
};

module.exports.loadSharp = loadSharp;
