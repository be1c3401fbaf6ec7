// Lazy loader for the compiled addon (build/Release/gpu_resize.node).
//
// The addon is loaded on first use, not when gpu-resize is required, so that everything that
// happens synchronously in the builder methods (argument validation, which throws exactly as
// sharp does) works without a build.
//
// Contract with the C side (src/napi):
//   process(baton, callback(err, data, info))   async (on the addon's request pool, src/core/pool.c)
//   processMany(batons, callback(err, outputs)) async; batons share one input Buffer; outputs[i]
//                                               is { data, info } or { error }
//   metadata(buffer, callback(err, m))          async
//   backends()                                  sync
//   pool()                                      sync: { maxActive, threads, active, waiting, queued }
//   pinnedBuffer(size)                          sync: Buffer in page-locked memory, or null
//   pinnedMemory()                              sync: the pinned buffers' figures
'use strict';

const path = require('node:path');

// GPU_RESIZE_ADDON overrides the path (e.g. a Debug or sanitizer build); read once, on first use.
const defaultAddonPath = path.join(__dirname, '..', 'build', 'Release', 'gpu_resize.node');
let addonPath = defaultAddonPath;

let addon = null;
let loadError = null;

function load () {
  if (addon) {
    return addon;
  }
  if (loadError) {
    throw loadError;
  }
  addonPath = process.env.GPU_RESIZE_ADDON ? path.resolve(process.env.GPU_RESIZE_ADDON) : defaultAddonPath;
  try {
    addon = require(addonPath);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      loadError = new Error(
        `gpu-resize: the native addon ${addonPath} is missing; run \`npm run build\` in ${path.dirname(__dirname)}`
      );
    } else {
      loadError = new Error(`gpu-resize: could not load the native addon ${addonPath}: ${err && err.message}`);
    }
    loadError.cause = err;
    throw loadError;
  }
  return addon;
}

module.exports = {
  get addonPath () {
    return addonPath;
  },
  load,
  /** Whether the addon can be loaded (does not throw). */
  isAvailable () {
    try {
      load();
      return true;
    } catch {
      return false;
    }
  },
  process (baton, callback) {
    return load().process(baton, callback);
  },
  /** Batons of one input run with one decode: 1 to maxMany of them (src/napi/many.c). */
  processMany (batons, callback) {
    return load().processMany(batons, callback);
  },
  maxMany: 256,
  metadata (buffer, callback) {
    return load().metadata(buffer, callback);
  },
  backends () {
    return load().backends();
  },
  /** The request pool's figures, or null while the addon is not loaded (nothing ran yet). */
  pool () {
    return addon ? addon.pool() : null;
  },
  /** A zero-filled Buffer in page-locked memory, or null (no GPU, or pinning failed). */
  pinnedBuffer (size) {
    return load().pinnedBuffer(size);
  },
  pinnedMemory () {
    return load().pinnedMemory();
  },
  /** The GPU JPEG batchers' figures (batches, images, outputs, hybrid, busy, batchMs, decodeMs, blockedMs, ...). */
  jpegBatches () {
    return load().jpegBatches();
  }
};
