// The public API around the pipeline: promise / callback / resolveWithObject, toFile, metadata,
// clone, create / raw / typed-array inputs, GIF through libvips, backends(), unsupported ops.
// Needs the native addon (npm run build).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { gpu, sharp, image, readImage, makePattern } = require('./helpers');

const jpg = image('320x240.jpg');
const BACKENDS = ['gpu', 'cpu', 'vips'];

function checkInfo (info, data) {
  assert.equal(typeof info.format, 'string');
  assert.equal(info.size, data.length);
  assert.ok(Number.isInteger(info.width) && info.width > 0);
  assert.ok(Number.isInteger(info.height) && info.height > 0);
  assert.ok([1, 2, 3, 4].includes(info.channels));
  assert.equal(info.premultiplied, false);
  assert.ok(BACKENDS.includes(info.backend), `backend ${info.backend}`);
}

test('api: toBuffer() resolves with a Buffer', async () => {
  const data = await gpu(jpg).resize(100, 50).toBuffer();
  assert.ok(Buffer.isBuffer(data));
  assert.equal(data[0], 0xff); // JPEG in, JPEG out
  assert.equal(data[1], 0xd8);
});

test('api: toBuffer({ resolveWithObject: true }) gives { data, info } like sharp', async () => {
  const { data, info } = await gpu(jpg).resize(100, 50).toBuffer({ resolveWithObject: true });
  checkInfo(info, data);
  const expected = await sharp(jpg).resize(100, 50).toBuffer({ resolveWithObject: true });
  for (const key of ['format', 'width', 'height', 'channels', 'premultiplied']) {
    assert.equal(info[key], expected.info[key], key);
  }
  assert.equal(info.format, 'jpeg');
});

test('api: toBuffer(callback) gives (err, data, info)', async () => {
  await new Promise((resolve, reject) => {
    const ret = gpu(jpg).resize(64).png().toBuffer((err, data, info) => {
      try {
        assert.equal(err, null);
        checkInfo(info, data);
        assert.equal(info.format, 'png');
        assert.equal(info.width, 64);
        assert.equal(info.height, 48);
        resolve();
      } catch (e) {
        reject(e);
      }
    });
    assert.ok(ret instanceof gpu, 'returns the instance with a callback');
  });
});

test('api: toBuffer(options, callback) with an error gives (err)', async () => {
  await new Promise((resolve) => {
    gpu('/does/not/exist.jpg').toBuffer({ resolveWithObject: true }, (err, data) => {
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'Input file is missing: /does/not/exist.jpg');
      assert.equal(data, undefined);
      resolve();
    });
  });
});

test('api: every output format reports sharp\'s info.format', async () => {
  for (const [method, options] of [['jpeg'], ['png'], ['webp'], ['raw'], ['gif'], ['tiff'], ['avif', { effort: 0 }]]) {
    const build = (lib) => lib(jpg).resize(40, 30)[method](options).toBuffer({ resolveWithObject: true });
    const [e, a] = await Promise.all([build(sharp), build(gpu)]);
    assert.equal(a.info.format, e.info.format, method);
    assert.equal(a.info.width, e.info.width, method);
    assert.equal(a.info.height, e.info.height, method);
    assert.equal(a.info.channels, e.info.channels, method);
    checkInfo(a.info, a.data);
  }
});

test('api: toFile() writes the file, format from the extension, resolves with info without data', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-'));
  try {
    for (const [ext, format, magic] of [['jpg', 'jpeg', [0xff, 0xd8]], ['png', 'png', [0x89, 0x50]], ['webp', 'webp', [0x52, 0x49]], ['gif', 'gif', [0x47, 0x49]], ['tiff', 'tiff', null]]) {
      const out = path.join(dir, `out.${ext}`);
      const info = await gpu(jpg).resize(80).toFile(out);
      assert.equal(info.format, format, ext);
      assert.equal(info.width, 80);
      assert.equal(info.height, 60);
      assert.equal('data' in info, false);
      const written = fs.readFileSync(out);
      assert.equal(info.size, written.length);
      if (magic) {
        assert.deepEqual([...written.subarray(0, 2)], magic, ext);
      }
      const meta = await sharp(out).metadata();
      assert.equal(meta.format, format);
      assert.equal(meta.width, 80);
    }
    // explicit format wins over the extension, as in sharp
    const info = await gpu(jpg).png().toFile(path.join(dir, 'x.jpg'));
    assert.equal(info.format, 'png');
    // unknown extension: the input's format
    const same = await gpu(jpg).toFile(path.join(dir, 'x.unknown'));
    assert.equal(same.format, 'jpeg');
    // callback form
    await new Promise((resolve, reject) => {
      gpu(jpg).resize(10).toFile(path.join(dir, 'cb.webp'), (err, i) => {
        if (err) return reject(err);
        assert.equal(i.format, 'webp');
        resolve();
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('api: toFile() errors match sharp', async () => {
  for (const args of [[], [''], [jpg]]) {
    const e = await sharp(jpg).toFile(...args).then(() => null, (err) => err);
    const a = await gpu(jpg).toFile(...args).then(() => null, (err) => err);
    assert.ok(e instanceof Error);
    assert.ok(a instanceof Error);
    assert.equal(a.message, e.message);
  }
});

const metadataFields = ['format', 'width', 'height', 'channels', 'hasAlpha', 'orientation', 'isProgressive', 'chromaSubsampling', 'space', 'depth', 'autoOrient', 'size'];

for (const file of [
  '2569067123_aca715a2ee_o.jpg', '320x240.jpg', '4.webp', '5_webp_a.webp', 'Channel_digital_image_CMYK_color.jpg',
  'Crash_test.gif', 'Landscape_1.jpg', 'Landscape_6.jpg', 'Portrait_8.jpg', 'alpha-premultiply-2048x1536-paper.png',
  'blackbug.png', 'concert.jpg', 'flowers.jpeg', 'gradients-rgb8.png'
]) {
  test(`api: metadata() equals sharp's for ${file}`, async () => {
    for (const input of [image(file), readImage(file)]) {
      const [e, a] = await Promise.all([sharp(input).metadata(), gpu(input).metadata()]);
      for (const key of metadataFields) {
        assert.deepEqual(a[key], e[key], `${file} ${typeof input === 'string' ? 'file' : 'buffer'}: ${key}`);
      }
    }
  });
}

test('api: metadata(callback) and raw/create metadata', async () => {
  await new Promise((resolve, reject) => {
    gpu(jpg).metadata((err, m) => {
      if (err) return reject(err);
      assert.equal(m.width, 320);
      resolve();
    });
  });
  const raw = makePattern(7, 5, 3);
  const rawOpts = { raw: { width: 7, height: 5, channels: 3 } };
  assert.deepEqual(await gpu(raw.data, rawOpts).metadata(), await sharp(raw.data, rawOpts).metadata());
  const create = { create: { width: 9, height: 4, channels: 4, background: 'blue' } };
  assert.deepEqual(await gpu(create).metadata(), await sharp(create).metadata());
});

test('api: clone() gives two independent pipelines', async () => {
  const base = gpu(jpg).rotate(90);
  const a = base.clone().resize(100, 100).png();
  const b = base.clone().extract({ left: 0, top: 0, width: 50, height: 40 }).webp();
  const [ra, rb] = await Promise.all([
    a.toBuffer({ resolveWithObject: true }),
    b.toBuffer({ resolveWithObject: true })
  ]);
  assert.deepEqual([ra.info.format, ra.info.width, ra.info.height], ['png', 100, 100]);
  assert.deepEqual([rb.info.format, rb.info.width, rb.info.height], ['webp', 50, 40]);
  // the parent is unchanged
  const rbase = await base.toBuffer({ resolveWithObject: true });
  assert.deepEqual([rbase.info.format, rbase.info.width, rbase.info.height], ['jpeg', 240, 320]);
});

test('api: create input', async () => {
  const opts = { create: { width: 30, height: 20, channels: 3, background: '#336699' } };
  const { data, info } = await gpu(opts).resize(15).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [15, 10, 3]);
  assert.deepEqual([...data.subarray(0, 3)], [0x33, 0x66, 0x99]);
  const png = await gpu(opts).png().toBuffer({ resolveWithObject: true });
  assert.equal(png.info.format, 'png');
});

test('api: raw input and raw output', async () => {
  const raw = makePattern(64, 32, 4);
  const opts = { raw: { width: 64, height: 32, channels: 4 } };
  const { data, info } = await gpu(raw.data, opts).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels, info.format], [64, 32, 4, 'raw']);
  assert.equal(data.length, 64 * 32 * 4);
  assert.ok(data.equals(raw.data), 'identity keeps the pixels');
  // format 'input' for raw input gives raw output in sharp too
  const e = await sharp(raw.data, opts).resize(32).toBuffer({ resolveWithObject: true });
  const a = await gpu(raw.data, opts).resize(32).toBuffer({ resolveWithObject: true });
  assert.equal(a.info.format, e.info.format);
});

test('api: Uint8Array, Uint8ClampedArray and ArrayBuffer inputs', async () => {
  const bytes = readImage('320x240.jpg');
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const clamped = new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.length);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  for (const input of [u8, clamped, ab]) {
    const { info } = await gpu(input).resize(32).toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [32, 24]);
  }
  // no copy of a typed array's memory
  const img = gpu(u8);
  assert.equal(img.options.input.buffer.buffer, u8.buffer);
});

test('api: GIF input runs on libvips', async () => {
  const { data, info } = await gpu(image('Crash_test.gif')).resize(100).toBuffer({ resolveWithObject: true });
  const e = await sharp(image('Crash_test.gif')).resize(100).toBuffer({ resolveWithObject: true });
  checkInfo(info, data);
  assert.equal(info.backend, 'vips');
  assert.deepEqual([info.format, info.width, info.height, info.channels], [e.info.format, e.info.width, e.info.height, e.info.channels]);
});

test('api: backends() shape', () => {
  const b = gpu.backends();
  for (const name of BACKENDS) {
    assert.equal(typeof b[name], 'object', name);
    assert.equal(typeof b[name].available, 'boolean', `${name}.available`);
    for (const key of ['requests', 'failures', 'skipped']) {
      assert.equal(typeof b[name][key], 'number', `${name}.${key}`);
    }
  }
  assert.equal(b.cpu.available, true);
  assert.equal(b.vips.available, true);
});

test('api: stream input and output', async () => {
  const { Readable, Writable } = require('node:stream');
  const chunks = [];
  let info;
  await new Promise((resolve, reject) => {
    const transformer = gpu().resize(50).on('info', (i) => { info = i; }).on('error', reject);
    Readable.from([readImage('320x240.jpg')]).pipe(transformer).pipe(new Writable({
      write (chunk, _enc, cb) { chunks.push(chunk); cb(); },
      final (cb) { resolve(); cb(); }
    }));
  });
  assert.equal(info.width, 50);
  assert.equal(Buffer.concat(chunks).length, info.size);
});

test('api: operations gpu-resize lacks run on sharp (backend \'sharp\')', async () => {
  for (const name of ['blur', 'sharpen', 'greyscale', 'negate', 'normalise']) {
    const { info } = await gpu(jpg)[name]().resize(20).toBuffer({ resolveWithObject: true });
    assert.equal(info.backend, 'sharp', name);
    assert.equal(info.width, 20, name);
  }
});

test('api: toUint8Array()', async () => {
  const { data, info } = await gpu(jpg).resize(10).toUint8Array();
  assert.ok(data instanceof Uint8Array);
  assert.equal(info.size, data.length);
});
