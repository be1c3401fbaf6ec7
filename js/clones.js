// Clones of one instance that run together share one decode: sharp's way to make several sizes,
//   const p = sharp(buffer); await Promise.all([p.clone().resize(800).toBuffer(), p.clone().resize(400).toBuffer()]);
// runs as toBuffers() would (src/pipeline/multi.c: one decode, on the GPU where a separate call
// would decode there). Runs of the parent's clones are gathered until the event loop's next turn
// (setImmediate: every clone started in the same synchronous block has read its input by then);
// those with the same input Buffer and the same steps before the resize go to the addon as one
// processMany call, the others (and a lone run) as before.
'use strict';

const native = require('./native');
const { outputResizeKeys } = require('./resize');

// What a baton may set per output (gr_output_spec, src/pipeline/multi.c); every other field must
// be the same for its runs to share a decode.
const outputKeys = new Set([...outputResizeKeys, 'input', 'format', 'jpeg', 'png', 'webp']);

function baseKey (baton) {
  return JSON.stringify(Object.entries(baton).filter(([key]) => !outputKeys.has(key)));
}

function runAlone ({ baton, callback }) {
  try {
    native.process(baton, callback);
  } catch (err) {
    callback(err);
  }
}

function runTogether (runs) {
  if (runs.length === 1) {
    runAlone(runs[0]);
    return;
  }
  try {
    native.processMany(runs.map((run) => run.baton), (err, outputs) => {
      runs.forEach((run, i) => {
        if (err) {
          run.callback(err);
        } else if (outputs[i].error) {
          run.callback(outputs[i].error);
        } else {
          run.callback(null, outputs[i].data, outputs[i].info);
        }
      });
    });
  } catch (err) {
    runs.forEach(runAlone);
  }
}

function flush (parent) {
  const runs = parent._cloneRuns;
  parent._cloneRuns = null;
  const groups = new Map(); // input Buffer -> base key -> runs
  for (const run of runs) {
    const byKey = groups.get(run.baton.input) || new Map();
    groups.set(run.baton.input, byKey);
    const key = baseKey(run.baton);
    byKey.set(key, (byKey.get(key) || []).concat([run]));
  }
  for (const byKey of groups.values()) {
    for (const group of byKey.values()) {
      for (let i = 0; i < group.length; i += native.maxMany) {
        runTogether(group.slice(i, i + native.maxMany));
      }
    }
  }
}

/**
 * Runs a baton (its input read): with the other runs of the same parent's clones when
 * `instance` is a clone of an instance with Buffer input, else at once.
 * callback(err, data, info) as native.process's.
 * @private
 */
function dispatch (instance, baton, callback) {
  const parent = instance._cloneOf;
  if (!parent || !Buffer.isBuffer(baton.input)) {
    runAlone({ baton, callback });
    return;
  }
  if (!parent._cloneRuns) {
    parent._cloneRuns = [];
    setImmediate(flush, parent);
  }
  parent._cloneRuns.push({ baton, callback });
}

module.exports = { dispatch };
