// Bad input must reject with an Error (never crash the process), on the CPU and libvips
// backends, and many requests in flight at once must all complete correctly.
// The C side reads GPU_RESIZE_BACKEND on each request, so it is set around each call.
// Needs the native addon (npm run build).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { gpu, sharp, image, readImage, withBackend } = require('./helpers');

const rejects = (promise) => promise.then(
  (value) => { throw new Error(`expected a rejection, resolved with ${value && value.info ? JSON.stringify(value.info) : typeof value}`); },
  (err) => err
);

const random = crypto.randomBytes(4096);
random[0] = 0x42; // make sure it does not start with a known magic number

const badInputs = [
  ['truncated.jpg', () => gpu(image('truncated.jpg')), null],
  ['truncated.png', () => gpu(image('truncated.png')), null],
  ['corrupt-header.jpg', () => gpu(image('corrupt-header.jpg')), /corrupt header|premature end|unsupported image format/i],
  ['truncated.jpg as Buffer', () => gpu(readImage('truncated.jpg')), null],
  ['random bytes', () => gpu(random), /unsupported image format/],
  ['JPEG header only', () => gpu(readImage('320x240.jpg').subarray(0, 200)), null],
  ['missing file', () => gpu('/no/such/dir/missing.jpg'), /^Input file is missing: \/no\/such\/dir\/missing.jpg$/],
  ['raw descriptor larger than the buffer', () => gpu(Buffer.alloc(10), { raw: { width: 2, height: 2, channels: 3 } }),
    /^VipsImage: memory area too small -- should be 12 bytes, you passed 10$/],
  ['giant-image.jpg over the pixel limit', () => gpu(image('giant-image.jpg')), /^Input image exceeds pixel limit$/],
  ['pixel limit set low', () => gpu(image('320x240.jpg'), { limitInputPixels: 320 * 240 - 1 }), /^Input image exceeds pixel limit$/],
  ['raw input over the pixel limit', () => gpu(Buffer.alloc(300), { raw: { width: 10, height: 10, channels: 3 }, limitInputPixels: 99 }),
    /^Input image exceeds pixel limit$/]
];

for (const backend of ['cpu', 'vips']) {
  for (const [name, make, message] of badInputs) {
    test(`badinput (${backend}): ${name} rejects`, async () => {
      await withBackend(backend, async () => {
        for (const run of [
          (img) => img.resize(100, 100).toBuffer(),
          (img) => img.resize(64).jpeg().toBuffer({ resolveWithObject: true }),
          (img) => img.raw().toBuffer()
        ]) {
          const err = await rejects(run(make()));
          assert.ok(err instanceof Error, `${name}: an Error`);
          assert.ok(err.message.length > 0);
          if (message) {
            assert.match(err.message, message);
          }
        }
      });
    });
  }

  test(`badinput (${backend}): messages of the JS-side checks equal sharp's`, async () => {
    await withBackend(backend, async () => {
      for (const make of [
        (s) => s('/no/such/file.png'),
        (s) => s(Buffer.alloc(10), { raw: { width: 2, height: 2, channels: 3 } }),
        (s) => s(image('giant-image.jpg'))
      ]) {
        const e = await rejects(make(sharp).resize(10).toBuffer());
        const a = await rejects(make(gpu).resize(10).toBuffer());
        assert.equal(a.message, e.message);
      }
    });
  });

  test(`badinput (${backend}): failOn 'none' decodes truncated input like sharp`, async () => {
    await withBackend(backend, async () => {
      for (const file of ['truncated.jpg', 'truncated.png']) {
        const build = (lib) => lib(image(file), { failOn: 'none' }).resize(100).toBuffer({ resolveWithObject: true });
        const e = await build(sharp);
        const a = await build(gpu);
        assert.deepEqual([a.info.width, a.info.height, a.info.channels], [e.info.width, e.info.height, e.info.channels], file);
      }
    });
  });

  test(`badinput (${backend}): metadata() of bad input rejects`, async () => {
    await withBackend(backend, async () => {
      for (const input of [random, image('corrupt-header.jpg'), '/no/such/file.jpg']) {
        const err = await rejects(gpu(input).metadata());
        assert.ok(err instanceof Error);
      }
      assert.equal((await rejects(gpu(image('giant-image.jpg')).metadata())).message, 'Input image exceeds pixel limit');
    });
  });

  test(`badinput (${backend}): a good request after bad ones still works`, async () => {
    await withBackend(backend, async () => {
      const { info } = await gpu(image('320x240.jpg')).resize(32).toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], [32, 24]);
      assert.ok(['cpu', 'vips'].includes(info.backend), info.backend);
    });
  });
}

test('badinput: zero-length input throws synchronously as in sharp', () => {
  assert.throws(() => gpu(Buffer.alloc(0)), { message: 'Input Buffer is empty' });
  assert.throws(() => gpu(new Uint8Array(0)), { message: 'Input Bit Array is empty' });
});

test('badinput: an empty file rejects as in sharp', async () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-')), 'empty.jpg');
  fs.writeFileSync(file, '');
  try {
    const e = await rejects(sharp(file).toBuffer());
    const a = await rejects(gpu(file).toBuffer());
    assert.equal(a.message, e.message);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

test('badinput: 200 requests in flight at once all resolve with correct dimensions', async () => {
  const inputs = [readImage('320x240.jpg'), readImage('Landscape_1.jpg'), readImage('5_webp_a.webp'), readImage('gradients-rgb8.png')];
  const jobs = [];
  for (let i = 0; i < 200; i++) {
    const input = inputs[i % inputs.length];
    const width = 16 + (i % 50);
    const height = 10 + (i % 37);
    const fit = ['cover', 'contain', 'fill', 'inside', 'outside'][i % 5];
    const format = ['jpeg', 'png', 'webp', 'raw'][i % 4];
    jobs.push({ input, width, height, fit, format });
  }
  const run = (lib, j) => lib(j.input).resize(j.width, j.height, { fit: j.fit }).toFormat(j.format).toBuffer({ resolveWithObject: true });
  const results = await Promise.all(jobs.map((j) => run(gpu, j)));
  const expected = await Promise.all(jobs.map((j) => run(sharp, j)));
  results.forEach((r, i) => {
    const e = expected[i].info;
    assert.deepEqual([r.info.width, r.info.height, r.info.channels, r.info.format], [e.width, e.height, e.channels, e.format], `job ${i}`);
    assert.equal(r.info.size, r.data.length);
  });
  // bad and good mixed in flight
  const mixed = await Promise.allSettled([
    ...jobs.slice(0, 20).map((j) => run(gpu, j)),
    gpu(random).toBuffer(),
    gpu(image('truncated.jpg')).toBuffer(),
    gpu(image('giant-image.jpg')).toBuffer()
  ]);
  assert.equal(mixed.filter((r) => r.status === 'fulfilled').length, 20);
  assert.equal(mixed.filter((r) => r.status === 'rejected').length, 3);
});

// ---- the corpus (test/badinput/corpus, made by test/badinput/make-corpus.js) ----
// Each file is run through sharp and through gpu-resize on every backend, with every failOn and
// three output formats. Where sharp resolves, so must we, with the same dimensions; where sharp
// rejects, so must we, with an Error whose first line starts with sharp's first line. (sharp's
// further lines repeat libvips' per-thread error buffer and are not stable; where libvips drops
// libpng's reason, "Input buffer has corrupt header:", ours adds it after sharp's words.)
// Where sharp's message names no reason, only a rejection is required: its PNG writer's failure
// ("vips2png: unable to write to target target") hides the loader's reason, and a failure that
// libvips' loader records as a warning comes back as "Warning treated as error due to failOn
// setting" or as "Unknown error" from one run to the next (libvips' error buffer is per thread).
const sharpGaveNoReason = (line) =>
  /^(Unknown error|Warning treated as error due to failOn setting|vips2\w+: unable to write to target)/.test(line);
const CORPUS = require('node:path').join(__dirname, '..', 'badinput', 'corpus');
const corpusFiles = require('node:fs').readdirSync(CORPUS).filter((f) => !f.startsWith('.')).sort();
const firstLine = (err) => err.message.split('\n')[0];

const outcome = (promise) => promise.then(
  ({ info }) => ({ ok: true, size: [info.width, info.height, info.channels] }),
  (err) => ({ ok: false, err })
);

test('badinput corpus: the corpus is there and has every kind of case', () => {
  for (const prefix of ['jpeg-', 'png-', 'webp-', 'valid', 'empty', 'text', 'gif-', 'tiff-', 'svg-']) {
    assert.ok(corpusFiles.some((f) => f.startsWith(prefix)), prefix);
  }
  assert.ok(corpusFiles.length >= 50, `${corpusFiles.length} files`);
});

for (const backend of ['cpu', 'vips', 'gpu']) {
  test(`badinput corpus (${backend}): every file behaves as in sharp, with sharp's message`, async () => {
    const fs = require('node:fs');
    let rejected = 0;
    await withBackend(backend, async () => {
      for (const file of corpusFiles) {
        const input = fs.readFileSync(require('node:path').join(CORPUS, file));
        if (input.length === 0) {
          continue; // a zero-length Buffer throws synchronously: tested above
        }
        for (const failOn of ['none', 'truncated', 'error', 'warning']) {
          for (const format of ['jpeg', 'webp', 'raw', 'png']) {
            const build = (lib) => lib(input, { failOn }).resize(20).toFormat(format).toBuffer({ resolveWithObject: true });
            const e = await outcome(build(sharp));
            const a = await outcome(build(gpu));
            const what = `${file} failOn ${failOn} to ${format}`;
            assert.equal(a.ok, e.ok, `${what}: ${a.ok ? 'resolved' : firstLine(a.err)}, sharp: ${e.ok ? 'resolved' : firstLine(e.err)}`);
            if (e.ok) {
              assert.deepEqual(a.size, e.size, what);
              continue;
            }
            rejected++;
            assert.ok(a.err instanceof Error, what);
            if (!sharpGaveNoReason(firstLine(e.err))) {
              assert.ok(firstLine(a.err).startsWith(firstLine(e.err)), `${what}: "${firstLine(a.err)}" should start with sharp's "${firstLine(e.err)}"`);
            }
          }
        }
      }
    });
    assert.ok(rejected > 500, `${rejected} rejections`);
  });
}

test('badinput corpus: metadata() of every file behaves as in sharp', async () => {
  const path = require('node:path');
  // The reason after the loader's name may differ (sharp opens files with libvips' file loaders).
  const head = (line) => line.replace(/^(Input (?:buffer|file) has corrupt header:).*$/, '$1');
  for (const file of corpusFiles) {
    for (const input of [path.join(CORPUS, file)]) {
      const e = await sharp(input).metadata().then((m) => ({ ok: true, m }), (err) => ({ ok: false, err }));
      const a = await gpu(input).metadata().then((m) => ({ ok: true, m }), (err) => ({ ok: false, err }));
      assert.equal(a.ok, e.ok, `${file}: ${a.ok ? 'resolved' : a.err.message}, sharp: ${e.ok ? 'resolved' : e.err.message}`);
      if (e.ok) {
        assert.deepEqual([a.m.format, a.m.width, a.m.height], [e.m.format, e.m.width, e.m.height], file);
      } else {
        assert.ok(firstLine(a.err).startsWith(head(firstLine(e.err))), `${file}: ${a.err.message} vs ${e.err.message}`);
      }
    }
  }
});

test('badinput corpus: file inputs are named "Input file" in messages, as in sharp', async () => {
  const path = require('node:path');
  for (const file of ['jpeg-soi-only.jpg', 'png-zero-width.png', 'webp-riff-only.webp', 'text.jpg', 'empty.jpg']) {
    const input = path.join(CORPUS, file);
    const e = await rejects(sharp(input).resize(10).toBuffer());
    for (const backend of ['cpu', 'vips']) {
      await withBackend(backend, async () => {
        const a = await rejects(gpu(input).resize(10).toBuffer());
        assert.ok(firstLine(a).startsWith(firstLine(e)), `${backend} ${file}: "${a.message}" vs sharp's "${e.message}"`);
        assert.match(a.message, /^Input file /);
      });
    }
  }
});

test('badinput: wrong input types throw or reject with sharp\'s messages', async () => {
  const { catchSync } = require('./helpers');
  for (const input of [42, true, () => 1, Symbol('x'), {}, [], new Float32Array(4), new ArrayBuffer(0)]) {
    const run = (lib) => {
      const thrown = catchSync(() => lib(input));
      if (thrown) {
        return Promise.resolve(thrown);
      }
      return rejects(lib(input).toBuffer());
    };
    const e = await run(sharp);
    const a = await run(gpu);
    assert.ok(a instanceof Error, String(typeof input));
    assert.equal(a.message, e.message, `input of type ${typeof input}`);
  }
});
