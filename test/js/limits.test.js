// Limits as sharp has them: limitInputPixels (default 0x3FFF * 0x3FFF, true/false/0), the output
// formats' largest dimensions, failOn's four levels, decompression bombs refused from the header
// before pixel memory is committed, and the argument checks for sizes, raw descriptors and
// options. Each case is run on the cpu, vips and (falling back, no GPU here) gpu backends and
// compared with sharp. Needs the native addon (npm run build).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { gpu, sharp, image, catchSync, withBackend } = require('./helpers');

const CORPUS = path.join(__dirname, '..', 'badinput', 'corpus');
const corpus = (name) => fs.readFileSync(path.join(CORPUS, name));
const BACKENDS = ['cpu', 'vips', 'gpu'];

const settle = (promise) => promise.then(
  ({ info }) => ({ ok: true, info }),
  (err) => ({ ok: false, err, message: err.message.split('\n')[0] })
);

/** The valid 48x32 JPEG of the corpus with its frame header saying width x height. */
function jpegClaiming (width, height) {
  const jpeg = Buffer.from(corpus('valid.jpg'));
  for (let i = 2; i + 8 < jpeg.length; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
  }
  throw new Error('no SOF0');
}

/** Runs build(lib) for sharp and for gpu-resize on each backend: same outcome, same first line. */
async function sameAsSharp (what, build, check) {
  const e = await settle(build(sharp));
  for (const backend of BACKENDS) {
    const a = await withBackend(backend, () => settle(build(gpu)));
    const label = `${what} (${backend})`;
    assert.equal(a.ok, e.ok, `${label}: ${a.ok ? 'resolved' : a.message}; sharp: ${e.ok ? 'resolved' : e.message}`);
    if (e.ok) {
      assert.deepEqual([a.info.width, a.info.height, a.info.channels], [e.info.width, e.info.height, e.info.channels], label);
    } else {
      assert.ok(a.err instanceof Error, label);
      assert.equal(a.message, e.message, label);
    }
    if (check) {
      check(a, backend);
    }
  }
  return e;
}

// ---- limitInputPixels ----

test('limits: limitInputPixels allows exactly the limit and refuses one pixel more', async () => {
  const inputs = {
    jpeg: corpus('valid.jpg'),
    png: corpus('valid.png'),
    webp: corpus('valid.webp')
  };
  for (const [name, input] of Object.entries(inputs)) {
    await sameAsSharp(`${name} at the limit`, (lib) => lib(input, { limitInputPixels: 48 * 32 }).resize(8).toBuffer({ resolveWithObject: true }),
      (a) => assert.ok(a.ok));
    await sameAsSharp(`${name} over the limit`, (lib) => lib(input, { limitInputPixels: 48 * 32 - 1 }).resize(8).toBuffer({ resolveWithObject: true }),
      (a) => assert.equal(a.message, 'Input image exceeds pixel limit'));
  }
  const raw = { raw: { width: 10, height: 10, channels: 3 } };
  await sameAsSharp('raw at the limit', (lib) => lib(Buffer.alloc(300), { ...raw, limitInputPixels: 100 }).resize(5).toBuffer({ resolveWithObject: true }),
    (a) => assert.ok(a.ok));
  await sameAsSharp('raw over the limit', (lib) => lib(Buffer.alloc(300), { ...raw, limitInputPixels: 99 }).resize(5).toBuffer({ resolveWithObject: true }),
    (a) => assert.equal(a.message, 'Input image exceeds pixel limit'));
});

test('limits: the default limit is 0x3FFF * 0x3FFF pixels (268402689), true means the default, false and 0 none', async () => {
  const atLimit = jpegClaiming(16383, 16383); // 268402689 pixels: allowed, then the data runs short
  const overLimit = jpegClaiming(16384, 16383); // 268419072
  const huge = jpegClaiming(60000, 60000);
  const cases = [
    ['at the default limit', atLimit, {}, /^VipsJpeg: Corrupt JPEG data: premature end of data segment$/],
    ['over the default limit', overLimit, {}, /^Input image exceeds pixel limit$/],
    ['over, limitInputPixels true', overLimit, { limitInputPixels: true }, /^Input image exceeds pixel limit$/],
    ['over, limitInputPixels false', huge, { limitInputPixels: false }, /^VipsJpeg: Corrupt JPEG data/],
    ['over, limitInputPixels 0', huge, { limitInputPixels: 0 }, /^VipsJpeg: Corrupt JPEG data/]
  ];
  for (const [what, input, options, message] of cases) {
    await sameAsSharp(what, (lib) => lib(input, options).resize(64).jpeg().toBuffer({ resolveWithObject: true }),
      (a) => assert.match(a.message, message));
  }
  assert.equal((await gpu(overLimit).metadata().catch((e) => e)).message, 'Input image exceeds pixel limit');
  assert.equal((await gpu(atLimit).metadata()).width, 16383);
});

test('limits: giant-image.jpg is refused with sharp\'s message on every backend', async () => {
  await sameAsSharp('giant-image.jpg', (lib) => lib(image('giant-image.jpg')).resize(100).toBuffer({ resolveWithObject: true }),
    (a) => assert.equal(a.message, 'Input image exceeds pixel limit'));
});

// ---- decompression bombs ----

test('limits: decompression bombs are refused from the header, before pixel memory is committed', async () => {
  const bombs = ['jpeg-bomb-65000x65000.jpg', 'png-bomb-100000x100000.png', 'webp-bomb-vp8l-16384x16384.webp',
    'webp-bomb-vp8x-16777216x16777216.webp'];
  for (const name of bombs) {
    const input = corpus(name);
    assert.ok(input.length < 1024, `${name} is ${input.length} bytes`);
    for (const backend of BACKENDS) {
      // a first good request, so that libvips' start-up is not counted
      await withBackend(backend, () => gpu(corpus('valid.webp')).resize(100).toBuffer());
      const rss = process.memoryUsage.rss();
      const started = process.hrtime.bigint();
      const results = await withBackend(backend, () => Promise.all(
        Array.from({ length: 8 }, () => settle(gpu(input).resize(100).toBuffer({ resolveWithObject: true })))));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      for (const r of results) {
        assert.equal(r.ok, false, `${name} (${backend})`);
        // libvips' reason can be missing when several fail at once (its error buffer is per thread)
        assert.match(r.message, /^(Input image exceeds pixel limit|Input buffer has corrupt header:( webp: (bad image dimensions|unable to parse image))?)$/, `${name} (${backend})`);
      }
      const grown = process.memoryUsage.rss() - rss;
      assert.ok(grown < 64 * 1024 * 1024, `${name} (${backend}): RSS grew ${(grown / 1048576).toFixed(1)} MiB`);
      assert.ok(ms < 5000, `${name} (${backend}): ${ms.toFixed(0)} ms`);
    }
  }
});

test('limits: with limitInputPixels false a bomb still ends in a clean Error, not a crash or a huge allocation', async () => {
  for (const name of ['png-bomb-100000x100000.png', 'jpeg-bomb-65000x65000.jpg']) {
    const input = corpus(name);
    for (const backend of BACKENDS) {
      const rss = process.memoryUsage.rss();
      const r = await withBackend(backend, () => settle(gpu(input, { limitInputPixels: false }).resize(100).toBuffer({ resolveWithObject: true })));
      assert.equal(r.ok, false, `${name} (${backend})`);
      assert.ok(r.err instanceof Error && r.message.length > 0);
      const grown = process.memoryUsage.rss() - rss;
      assert.ok(grown < 512 * 1024 * 1024, `${name} (${backend}): RSS grew ${(grown / 1048576).toFixed(1)} MiB`);
    }
  }
});

// ---- output dimension limits ----

test('limits: output formats refuse dimensions past their limits with sharp\'s messages', async () => {
  const px = Buffer.alloc(12, 128);
  const raw = { raw: { width: 2, height: 2, channels: 3 } };
  const cases = [
    ['webp', 16383, 1, null],
    ['webp', 16384, 1, 'Processed image is too large for the WebP format'],
    ['webp', 1, 16384, 'Processed image is too large for the WebP format'],
    ['jpeg', 65500, 1, null],
    ['jpeg', 65501, 1, 'VipsJpeg: Maximum supported image dimension is 65500 pixels'],
    ['jpeg', 65536, 1, 'Processed image is too large for the JPEG format'],
    ['jpeg', 1, 65536, 'Processed image is too large for the JPEG format'],
    ['gif', 65535, 1, null],
    ['gif', 65536, 1, 'Processed image is too large for the GIF format'],
    ['avif', 16385, 1, 'Processed image is too large for the HEIF format'],
    ['tiff', 70000, 1, 'Processed image is too large for the JPEG format'],
    ['png', 100000, 1, null],
    ['raw', 100000, 1, null]
  ];
  for (const [format, width, height, message] of cases) {
    await sameAsSharp(`${format} ${width}x${height}`,
      (lib) => lib(px, raw).resize(width, height, { fit: 'fill' }).toFormat(format).toBuffer({ resolveWithObject: true }),
      (a) => message ? assert.equal(a.message, message) : assert.ok(a.ok));
  }
});

test('limits: an enlargement past libvips\' affine range is refused with sharp\'s message, before any pixel memory', async () => {
  // 1x167773 to width 200 is 200x33554600: past INT_MAX / 64, the largest coordinate vips_affine
  // takes (sharp enlarges with it). The native path used to allocate the frame (gigabytes).
  const grey = Buffer.alloc(167773, 128);
  const cases = [
    ['1x167773 to width 200', { width: 1, height: 167773 }, [200, null]],
    ['167773x1 to height 200', { width: 167773, height: 1 }, [null, 200]]
  ];
  for (const [what, size, resize] of cases) {
    await sameAsSharp(what, (lib) => lib(grey, { raw: { ...size, channels: 1 } }).resize(...resize).raw().toBuffer({ resolveWithObject: true }),
      (a) => assert.equal(a.message, 'affine: output coordinates out of range'));
  }
  // Encoded input: refused from its header, before its pixels are read, as libvips does, so
  // a file whose pixel data is cut short gives the same answer (it used to be a decode error).
  const png = await sharp({ create: { width: 1, height: 167773, channels: 3, background: '#808080' } }).png().toBuffer();
  for (const input of [png, png.subarray(0, png.length >> 1)]) {
    await sameAsSharp(`PNG of ${input.length} bytes`, (lib) => lib(input).resize(200).raw().toBuffer({ resolveWithObject: true }),
      (a) => assert.equal(a.message, 'affine: output coordinates out of range'));
  }
});

test('limits: an output larger than limitInputPixels runs on libvips, which streams it', async () => {
  // 1x500 to width 200 is 200x100000: over a limit of 1000 pixels the native path (whole frames)
  // declines, libvips answers as in sharp; within the limit it stays native.
  const input = Buffer.alloc(500, 128);
  const build = (limitInputPixels) => (lib) => lib(input, { raw: { width: 1, height: 500, channels: 1 }, limitInputPixels })
    .resize(200).raw().toBuffer({ resolveWithObject: true });
  await sameAsSharp('over the limit', build(1000), (a) => assert.equal(a.info.backend, 'vips'));
  await sameAsSharp('within the limit', build(200 * 100000), (a, backend) => {
    if (backend !== 'vips') assert.notEqual(a.info.backend, 'vips', backend);
  });
});

// ---- failOn ----

test('limits: failOn levels mean what they mean in sharp', async () => {
  // [file, levels that reject, first line of the message]
  const cases = [
    ['jpeg-truncated-half.jpg', ['truncated', 'error', 'warning'], 'VipsJpeg: premature end of JPEG image'],
    ['jpeg-no-eoi.jpg', ['truncated', 'error', 'warning'], 'VipsJpeg: premature end of JPEG image'],
    ['jpeg-corrupt-scan.jpg', ['warning'], 'VipsJpeg: Corrupt JPEG data: bad Huffman code'],
    ['jpeg-extraneous-bytes.jpg', [], null],
    ['png-idat-truncated.png', ['truncated', 'error', 'warning'], 'vipspng: libpng read error'],
    ['png-idat-corrupt-zlib.png', ['truncated', 'error', 'warning'], 'vipspng: libpng read error'],
    ['png-idat-bad-crc.png', ['error', 'warning'], 'vipspng: libpng read error'],
    ['png-ancillary-bad-crc.png', [], null], // a PNG warning: sharp does not fail on it, even with 'warning'
    ['png-no-iend.png', [], null],
    ['webp-truncated-half.webp', ['none', 'truncated', 'error', 'warning'], 'Input buffer has corrupt header: webp: unable to parse image'],
    ['webp-corrupt-data.webp', [], null]
  ];
  for (const [file, rejecting, message] of cases) {
    const input = corpus(file);
    for (const failOn of ['none', 'truncated', 'error', 'warning']) {
      await sameAsSharp(`${file} failOn ${failOn}`, (lib) => lib(input, { failOn }).resize(16).jpeg().toBuffer({ resolveWithObject: true }),
        (a, backend) => {
          assert.equal(!a.ok, rejecting.includes(failOn), `${file} failOn ${failOn} (${backend})`);
          if (!a.ok) {
            assert.equal(a.message, message, `${file} failOn ${failOn} (${backend})`);
          }
        });
    }
  }
});

test('limits: the default failOn is \'warning\'', async () => {
  const input = corpus('jpeg-corrupt-scan.jpg');
  for (const backend of BACKENDS) {
    const r = await withBackend(backend, () => settle(gpu(input).resize(16).toBuffer({ resolveWithObject: true })));
    assert.equal(r.message, 'VipsJpeg: Corrupt JPEG data: bad Huffman code', backend);
  }
});

// ---- argument checks (synchronous, in JS, so identical on every backend) ----

function sameThrow (what, make) {
  const e = catchSync(() => make(sharp));
  const a = catchSync(() => make(gpu));
  assert.ok(e instanceof Error, `${what}: sharp throws`);
  assert.ok(a instanceof Error, `${what}: gpu-resize throws`);
  assert.equal(a.message, e.message, what);
}

test('limits: limitInputPixels, failOn and unlimited are checked as in sharp', () => {
  const px = Buffer.alloc(12);
  const raw = { width: 2, height: 2, channels: 3 };
  for (const v of [-1, 1.5, 'x', NaN, Infinity, Number.MAX_SAFE_INTEGER + 2, {}]) {
    sameThrow(`limitInputPixels ${String(v)}`, (lib) => lib(px, { raw, limitInputPixels: v }));
  }
  for (const v of ['x', 'Warning', 1, true, {}]) {
    sameThrow(`failOn ${String(v)}`, (lib) => lib(px, { raw, failOn: v }));
  }
  sameThrow('unlimited 1', (lib) => lib(px, { raw, unlimited: 1 }));
});

test('limits: raw descriptors, channel counts and dimensions are checked as in sharp', async () => {
  const px = Buffer.alloc(12);
  const bad = [
    { width: 0, height: 2, channels: 3 }, { width: 2, height: 0, channels: 3 },
    { width: -2, height: 2, channels: 3 }, { width: NaN, height: 2, channels: 3 },
    { width: 2.5, height: 2, channels: 3 }, { width: Infinity, height: 2, channels: 3 },
    { width: '2', height: 2, channels: 3 }, { width: 2, height: 2, channels: 0 },
    { width: 2, height: 2, channels: 5 }, { width: 2, height: 2 }, { width: 1e9, height: 1, channels: 3 },
    'x', 42, []
  ];
  for (const r of bad) {
    sameThrow(`raw ${JSON.stringify(r)}`, (lib) => lib(px, { raw: r }));
  }
  // Valid descriptors that the buffer cannot fill: rejected when run, with sharp's message.
  for (const r of [{ width: 2, height: 2, channels: 4 }, { width: 100000000, height: 100000000, channels: 4 }]) {
    await sameAsSharp(`raw ${JSON.stringify(r)} over a 12-byte buffer`, (lib) => lib(px, { raw: r }).toBuffer({ resolveWithObject: true }),
      (a) => assert.match(a.message, /^VipsImage: memory area too small -- should be \d+ bytes, you passed 12$/));
  }
  // Every channel count from 1 to 4 works, and a longer buffer than needed is fine.
  for (const channels of [1, 2, 3, 4]) {
    await sameAsSharp(`raw ${channels} channels`, (lib) => lib(Buffer.alloc(4 * 4 * channels + 7, 99), { raw: { width: 4, height: 4, channels } }).resize(2).png().toBuffer({ resolveWithObject: true }),
      (a) => assert.ok(a.ok));
  }
});

test('limits: resize dimensions that are NaN, negative, fractional, huge or of the wrong type throw as in sharp', () => {
  const px = Buffer.alloc(12);
  const raw = { raw: { width: 2, height: 2, channels: 3 } };
  for (const v of [NaN, -1, 0, 1.5, Infinity, -Infinity, '10', 1e8 + 1, 1e10, true]) {
    sameThrow(`resize width ${String(v)}`, (lib) => lib(px, raw).resize(v));
    sameThrow(`resize height ${String(v)}`, (lib) => lib(px, raw).resize(null, v));
    sameThrow(`resize { width: ${String(v)} }`, (lib) => lib(px, raw).resize({ width: v }));
  }
  for (const v of [NaN, -1, 1.5, 'x']) {
    sameThrow(`extract left ${String(v)}`, (lib) => lib(px, raw).extract({ left: v, top: 0, width: 1, height: 1 }));
  }
});
