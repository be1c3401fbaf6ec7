// Delegation to sharp for the operations gpu-resize does not implement (blur, composite, ...).
//
// Every public builder call on an instance is recorded (name and arguments, in order). When one
// of them is an operation gpu-resize does not implement, the output step replays all of them on
// require('sharp')(the same input) and reports info.backend = 'sharp'. sharp is an optional peer
// dependency: without it those operations throw, naming the operation, when they are called.
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

function notInstalled (name) {
  return new Error(
    `gpu-resize: ${name}() is not implemented by gpu-resize and runs on sharp, which is not installed (npm install sharp)`
  );
}

/**
 * Validates an operation gpu-resize does not implement with sharp's own checks (so bad
 * arguments throw sharp's message at the call, as with sharp) and marks the instance for
 * delegation. Throws when sharp is not installed.
 * @private
 */
function _delegateOperation (name, args) {
  const sharp = loadSharp();
  if (!sharp) {
    throw notInstalled(name);
  }
  sharp()[name](...args);
  if (!this._delegatedTo) {
    this._delegatedTo = name;
  }
}

/** sharp's constructor arguments for this instance's input. @private */
function sharpInputArgs (instance) {
  const d = instance.options.input;
  const { input, options } = instance._source || {};
  // A plain-object first argument carries the input options (create, raw for a stream, ...)
  const inputOptions = is.plainObject(input) && !is.defined(options) ? input : options;
  if (is.string(d.file)) {
    return [d.file, inputOptions];
  }
  if (is.buffer(d.buffer)) {
    // Buffer, typed array, ArrayBuffer or a finished input stream: the bytes gpu-resize holds
    return [d.buffer, inputOptions];
  }
  return [inputOptions];
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
    const sharp = loadSharp();
    if (!sharp) {
      throw notInstalled(this._delegatedTo);
    }
    pipeline = sharp(...sharpInputArgs(this).filter(is.defined));
    for (const [name, args] of this._calls) {
      pipeline = pipeline[name](...args);
    }
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
  const sharp = loadSharp();
  if (!sharp) {
    throw notInstalled('stats');
  }
  const run = () => {
    let pipeline = sharp(...sharpInputArgs(this).filter(is.defined));
    for (const [name, args] of this._calls) {
      pipeline = pipeline[name](...args);
    }
    return pipeline.stats();
  };
  const ready = this._isStreamInput()
    ? new Promise((resolve) => this._whenStreamInFinished(() => {
      this._flattenBufferIn();
      resolve();
    })).then(run)
    : Promise.resolve().then(run);
  if (is.fn(callback)) {
    ready.then((s) => callback(null, s), (err) => callback(err));
    return this;
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
  Object.assign(Sharp.prototype, { _delegateOperation, _runOnSharp, stats });
  Sharp.delegation = {
    /** Whether sharp is installed, so that operations gpu-resize lacks run on it. */
    get available () {
      return Boolean(loadSharp());
    }
  };
};

module.exports.loadSharp = loadSharp;
