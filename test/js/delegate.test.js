// Operations gpu-resize does not implement run on sharp (an optional peer dependency) with every
// call replayed in order, reported as backend 'sharp'; without sharp they throw naming the
// operation.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { gpu, sharp, image, readImage, makePattern, catchSync } = require('./helpers');

const jpg = image('320x240.jpg');
const png = image('alpha-premultiply-2048x1536-paper.png');

test('delegate: an operation gpu-resize lacks runs the whole pipeline on sharp, calls in order', async () => {
  const build = (s) => s.rotate(90).resize(100, 80, { fit: 'contain', background: '#ff0000' })
    .blur(1.5).extend({ top: 4, bottom: 2, background: 'blue' }).webp({ quality: 60 });
  const ours = await build(gpu(jpg)).toBuffer({ resolveWithObject: true });
  const theirs = await build(sharp(jpg)).toBuffer({ resolveWithObject: true });
  assert.equal(ours.info.backend, 'sharp');
  assert.deepEqual(ours.data, theirs.data);
  assert.deepEqual({ ...ours.info, backend: undefined }, { ...theirs.info, backend: undefined });
  assert.equal(ours.info.width, 100);
  assert.equal(ours.info.height, 86);
});

test('delegate: every input kind and output form', async () => {
  const pattern = makePattern(64, 48, 3);
  const raw = { raw: { width: 64, height: 48, channels: 3 } };
  const cases = [
    [() => gpu(readImage('320x240.jpg')), () => sharp(readImage('320x240.jpg'))],
    [() => gpu(new Uint8Array(readImage('320x240.jpg'))), () => sharp(readImage('320x240.jpg'))],
    [() => gpu(pattern.data, raw), () => sharp(pattern.data, raw)],
    [() => gpu({ create: { width: 20, height: 10, channels: 3, background: 'red' } }),
      () => sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } })]
  ];
  for (const [ours, theirs] of cases) {
    const a = await ours().greyscale().png().toBuffer({ resolveWithObject: true });
    const b = await theirs().greyscale().png().toBuffer({ resolveWithObject: true });
    assert.equal(a.info.backend, 'sharp');
    assert.deepEqual(a.data, b.data);
  }
  // callback form
  const [err, data, info] = await new Promise((resolve) => {
    gpu(jpg).negate().toBuffer((...args) => resolve(args));
  });
  assert.equal(err, null);
  assert.equal(info.backend, 'sharp');
  assert.equal(info.size, data.length);
  // toFile: the format from the extension, as sharp
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-delegate-'));
  try {
    const out = path.join(dir, 'out.webp');
    const fileInfo = await gpu(png).resize(64).sharpen().toFile(out);
    assert.equal(fileInfo.backend, 'sharp');
    assert.equal(fileInfo.format, 'webp');
    assert.deepEqual(fs.readFileSync(out), await sharp(png).resize(64).sharpen().toFile(path.join(dir, 'b.webp')).then(() => fs.readFileSync(path.join(dir, 'b.webp'))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('delegate: sharp validates the arguments at the call, with its own message', () => {
  for (const [name, args] of [['blur', ['x']], ['extend', [-1]], ['modulate', ['bright']], ['composite', ['x']]]) {
    const ours = catchSync(() => gpu(jpg)[name](...args));
    const theirs = catchSync(() => sharp(jpg)[name](...args));
    assert.ok(theirs instanceof Error, name);
    assert.ok(ours instanceof Error, name);
    assert.equal(ours.message, theirs.message, name);
  }
});

test('delegate: clone() carries the calls; pipelines without such operations stay native', async () => {
  const base = gpu(jpg).resize(50);
  const blurred = base.clone().blur(2);
  const plain = base.clone();
  const [a, b] = await Promise.all([blurred.toBuffer({ resolveWithObject: true }), plain.toBuffer({ resolveWithObject: true })]);
  assert.equal(a.info.backend, 'sharp');
  assert.equal(a.info.width, 50);
  assert.notEqual(b.info.backend, 'sharp');
  assert.equal(b.info.width, 50);
  // flatten(false) and friends are sharp no-ops: they do not delegate
  const c = await gpu(jpg).resize(20).flatten(false).greyscale(false).toBuffer({ resolveWithObject: true });
  assert.notEqual(c.info.backend, 'sharp');
});

test('delegate: stats() is sharp\'s, after the recorded calls', async () => {
  const ours = await gpu(jpg).resize(30).stats();
  const theirs = await sharp(jpg).resize(30).stats();
  assert.deepEqual(ours, theirs);
});

test('delegate: without sharp installed an operation throws naming it; native calls work', () => {
  const script = `
    const gpu = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'js'))});
    const out = { available: gpu.delegation.available, errors: {} };
    const attempt = (key, fn) => { try { fn(); out.errors[key] = null; } catch (e) { out.errors[key] = e.message; } };
    for (const name of ['blur', 'composite', 'stats', 'withMetadata', 'jp2', 'jxl', 'tile']) {
      attempt(name + '()', () => gpu(${JSON.stringify(jpg)})[name]());
    }
    attempt('rotate()', () => gpu(${JSON.stringify(jpg)}).rotate(45));
    attempt('raw()', () => gpu(${JSON.stringify(jpg)}).raw({ depth: 'ushort' }));
    attempt('text input', () => gpu({ text: { text: 'x' } }));
    attempt('joining an array of input images', () => gpu([${JSON.stringify(jpg)}, ${JSON.stringify(jpg)}]));
    attempt('create.noise input', () => gpu({ create: { width: 2, height: 2, channels: 3, noise: { type: 'gaussian' } } }));
    attempt('raw pixel input of depth ushort', () => gpu(new Uint16Array(3), { raw: { width: 1, height: 1, channels: 3 } }));
    gpu(${JSON.stringify(jpg)}).toFile(require('node:path').join(require('node:os').tmpdir(), 'gpu-resize-no-sharp.v')).catch((e) => {
      out.errors['vips format output (.v)'] = e.message;
      return gpu(${JSON.stringify(jpg)}).resize(10).toBuffer({ resolveWithObject: true });
    }).then(({ info }) => {
      out.backend = info.backend;
      console.log(JSON.stringify(out));
    });`;
  const out = JSON.parse(execFileSync(process.execPath,
    ['--require', path.join(__dirname, 'fixtures', 'no-sharp.js'), '-e', script], { encoding: 'utf8' }));
  assert.equal(out.available, false);
  const keys = ['blur()', 'composite()', 'stats()', 'withMetadata()', 'jp2()', 'jxl()', 'tile()', 'rotate()', 'raw()',
    'text input', 'joining an array of input images', 'create.noise input', 'raw pixel input of depth ushort',
    'vips format output (.v)'];
  assert.deepEqual(Object.keys(out.errors).sort(), keys.slice().sort());
  for (const what of keys) {
    assert.equal(out.errors[what],
      `gpu-resize: ${what} is not implemented by gpu-resize and runs on sharp, which is not installed (npm install sharp)`);
  }
  assert.ok(['gpu', 'cpu', 'vips'].includes(out.backend));
});
