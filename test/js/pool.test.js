// Requests run on gpu-resize's own request pool (src/core/pool.c), not libuv's: they hold no
// libuv thread (Node's fs, dns and crypto keep theirs, and a request waiting for a GPU batch does
// not cap batches at UV_THREADPOOL_SIZE), and they complete as libuv async work did: in the
// caller's async context, exceptions from callbacks as 'uncaughtException' (like sharp), the
// process exits when idle, and worker threads work and may end with requests in flight.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { AsyncLocalStorage } = require('node:async_hooks');
const path = require('node:path');
const { gpu, image } = require('./helpers');

const ROOT = path.join(__dirname, '..', '..');
const PHOTO = image('2569067123_aca715a2ee_o.jpg');

/** Runs a script in a fresh Node with env; returns { status, stdout, stderr }. */
function child (script, env = {}) {
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60000
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

test("requests leave libuv's pool to Node: fs completes while they run (UV_THREADPOOL_SIZE=1)", () => {
  const r = child(`
    const fs = require('node:fs');
    const lib = require('./js');
    const order = [];
    const jobs = Array.from({ length: 4 }, (_, i) => lib(${JSON.stringify(PHOTO)})
      .resize(2000, null, { fastShrinkOnLoad: false }).raw().toBuffer().then(() => order.push('resize ' + i)));
    setTimeout(() => fs.readFile(__filename === '[eval]' ? 'package.json' : __filename, () => order.push('readFile')), 20);
    Promise.all(jobs).then(() => setTimeout(() => console.log(JSON.stringify(order)), 50));
  `, { UV_THREADPOOL_SIZE: '1', GPU_RESIZE_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.stderr);
  const order = JSON.parse(r.stdout.trim());
  assert.equal(order.length, 5, r.stdout);
  assert.equal(order[0], 'readFile', `fs waited behind the resizes: ${r.stdout}`);
});

test('callbacks run in the async context of the call (AsyncLocalStorage)', async () => {
  const als = new AsyncLocalStorage();
  const seen = await Promise.all([1, 2, 3].map((id) => new Promise((resolve, reject) => {
    als.run({ id }, () => {
      gpu(PHOTO).resize(64, 48).jpeg().toBuffer((err) => {
        if (err) reject(err);
        else resolve(als.getStore() && als.getStore().id);
      });
    });
  })));
  assert.deepEqual(seen, [1, 2, 3]);
  const store = await als.run({ id: 9 }, async () => {
    await gpu(PHOTO).metadata();
    await gpu(PHOTO).resize(10).toBuffer();
    return als.getStore();
  });
  assert.deepEqual(store, { id: 9 });
});

test("an exception thrown in a toBuffer callback is an 'uncaughtException', as with sharp", () => {
  const script = (lib) => `
    process.on('uncaughtException', (e) => { console.log('uncaught ' + e.message); process.exit(0); });
    require(${JSON.stringify(lib)})(${JSON.stringify(PHOTO)}).resize(32).toBuffer(() => { throw new Error('boom'); });
    setTimeout(() => { console.log('nothing'); process.exit(3); }, 20000);
  `;
  const ours = child(script('./js'));
  const theirs = child(script('sharp'));
  assert.equal(theirs.stdout.trim(), 'uncaught boom', `sharp: ${theirs.stdout} ${theirs.stderr}`);
  assert.equal(ours.stdout.trim(), 'uncaught boom', `gpu-resize: ${ours.stdout} ${ours.stderr}`);
  assert.equal(ours.status, 0);
});

test('the process exits by itself when its requests are done', () => {
  const t0 = Date.now();
  const r = child(`
    const lib = require('./js');
    Promise.all([lib(${JSON.stringify(PHOTO)}).resize(100).toBuffer(), lib(${JSON.stringify(PHOTO)}).metadata()])
      .then(([b, m]) => console.log(b.length > 0 && m.width));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '2725');
  assert.ok(Date.now() - t0 < 30000);
});

test('worker threads: requests in a worker complete, and a worker ended with requests in flight harms nothing', () => {
  const r = child(`
    const { Worker } = require('node:worker_threads');
    const lib = require('./js');
    const body = (n, report) => \`
      const { parentPort } = require('node:worker_threads');
      const lib = require(\${JSON.stringify(require.resolve('./js'))});
      const jobs = Array.from({ length: \${n} }, () => lib(\${JSON.stringify(${JSON.stringify(PHOTO)})}).resize(300).jpeg().toBuffer());
      \${report ? 'Promise.all(jobs).then((b) => parentPort.postMessage(b.every((x) => x.length > 0) ? b.length : -1));' : 'parentPort.postMessage(0);'}
    \`;
    const done = new Worker(body(6, true), { eval: true });
    done.on('message', (count) => {
      console.log('worker results ' + count);
      const ended = new Worker(body(12, false), { eval: true });
      ended.on('message', () => ended.terminate());
      ended.on('exit', () => setTimeout(() => {
        lib(${JSON.stringify(PHOTO)}).resize(50).toBuffer().then((b) => console.log('main after ' + (b.length > 0)));
      }, 2000));
    });
  `);
  assert.equal(r.status, 0, `${r.signal || ''} ${r.stderr}`);
  assert.deepEqual(r.stdout.trim().split('\n'), ['worker results 6', 'main after true']);
});

test('GPU_RESIZE_WORKERS bounds the requests on the CPU; counters() shows the others queued', () => {
  const r = child(`
    const lib = require('./js');
    let done = 0;
    const jobs = Array.from({ length: 16 }, () => lib(${JSON.stringify(PHOTO)})
      .resize(1500, null, { fastShrinkOnLoad: false }).raw().toBuffer().then(() => done++));
    setTimeout(() => {
      console.log(JSON.stringify({ concurrency: lib.concurrency(), counters: lib.counters(), done }));
      Promise.all(jobs).then(() => console.log(JSON.stringify(lib.counters())));
    }, 100);
  `, { GPU_RESIZE_WORKERS: '2', GPU_RESIZE_BACKEND: 'cpu' });
  assert.equal(r.status, 0, r.stderr);
  const [during, after] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(during.concurrency, 2);
  // Two run, the others (less those done) wait; a job just finished whose callback has not run
  // yet still counts as in process.
  const { queue, process: running } = during.counters;
  assert.equal(queue + running, 16 - during.done, JSON.stringify(during));
  assert.ok(running >= 2 && running <= 4 && queue >= 8, JSON.stringify(during));
  assert.deepEqual(after, { queue: 0, process: 0 });
});

test("the GPU JPEG batchers' figures: all there, and zero where no JPEG went to the GPU", async () => {
  const native = require('../../js/native');
  await gpu(PHOTO).resize(64).toBuffer();
  const b = native.jpegBatches();
  const fields = ['batches', 'images', 'outputs', 'hybrid', 'busy', 'batchMs', 'decodeMs', 'blockedMs', 'resets', 'resetMs', 'refused', 'skipped'];
  assert.deepEqual(Object.keys(b).sort(), [...fields].sort());
  for (const f of fields) assert.ok(Number.isFinite(b[f]) && b[f] >= 0, `${f}: ${b[f]}`);
  if (!gpu.backends().gpu.available) {
    for (const f of fields) assert.equal(b[f], 0, `${f} without a GPU`);
  } else {
    assert.ok(b.images >= b.batches && b.images >= b.hybrid);
  }
});
