// Many sizes from one decode: toBuffers() against separate calls (same sizes, formats and
// backends; raw pixels within 40 dB PSNR), one decode shared, chaining, errors, streams,
// delegation and the standalone form.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { gpu, sharp, image, readImage, psnr, catchSync } = require('./helpers');

const photo = image('2569067123_aca715a2ee_o.jpg');

/** The same output as a separate call. */
function separate (input, output, inputOptions) {
  const { format, ...rest } = output;
  const resizeOptions = {};
  const formatOptions = {};
  for (const [key, value] of Object.entries(rest)) {
    (['width', 'height', 'fit', 'position', 'background', 'kernel', 'withoutEnlargement', 'withoutReduction', 'fastShrinkOnLoad'].includes(key) ? resizeOptions : formatOptions)[key] = value;
  }
  let s = gpu(input, inputOptions).resize(resizeOptions);
  if (format) {
    s = s.toFormat(format, formatOptions);
  }
  return s.toBuffer({ resolveWithObject: true });
}

async function compare (input, outputs, inputOptions) {
  const many = await gpu(input, inputOptions).toBuffers(outputs);
  assert.equal(many.length, outputs.length);
  for (let i = 0; i < outputs.length; i++) {
    const one = await separate(input, outputs[i], inputOptions);
    const { info } = many[i];
    for (const key of ['format', 'width', 'height', 'channels', 'backend']) {
      assert.equal(info[key], one.info[key], `output ${i} ${key}`);
    }
    assert.equal(info.size, many[i].data.length);
    if (info.format === 'raw') {
      const db = psnr(many[i].data, one.data);
      assert.ok(db >= 40, `output ${i} (${info.width}x${info.height}): ${db.toFixed(2)} dB`);
    }
  }
  return many;
}

test('many: a responsive set matches separate calls, from one decode', async () => {
  const outputs = [1600, 800, 400, 200, 100].map((width) => ({ width, format: 'raw' }));
  outputs.push({ width: 640, format: 'webp', quality: 70 }, { width: 320, height: 320, format: 'jpeg', quality: 60 },
    { width: 300, height: 100, fit: 'contain', background: 'red', format: 'png' });
  const many = await compare(readImage('2569067123_aca715a2ee_o.jpg'), outputs);
  // One decode (at the size the 1600 output allows) served every output
  for (const { info } of many) {
    assert.deepEqual(info.decoded, { width: 2725, height: 2225 });
  }
  // 800: the 1/2 shrink-on-load size a separate call decodes to; 100 chained from 200
  assert.deepEqual(many[1].info.resizedFrom, { width: 1362, height: 1112, chained: false });
  assert.deepEqual(many[4].info.resizedFrom, { width: 200, height: 164, chained: true });
  assert.equal(many[5].info.format, 'webp');
  assert.equal(many[7].info.width, 300);
});

test('many: raw input, EXIF orientation and input options', async () => {
  const pattern = await sharp(photo).resize(900).raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: pattern.info.width, height: pattern.info.height, channels: 3 } };
  const many = await compare(pattern.data, [
    { width: 400, format: 'raw' }, { width: 200, format: 'raw' }, { width: 100, height: 50, fit: 'fill', format: 'raw' }
  ], raw);
  assert.equal(many[1].info.resizedFrom.chained, true);

  const oriented = await sharp(photo).resize(1200).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  const turned = await gpu(oriented).rotate().toBuffers([{ width: 300, format: 'raw' }, { width: 100, format: 'raw' }]);
  const alone = await gpu(oriented).rotate().resize(300).raw().toBuffer({ resolveWithObject: true });
  assert.equal(turned[0].info.width, alone.info.width);
  assert.equal(turned[0].info.height, alone.info.height);
  assert.ok(turned[0].info.height > turned[0].info.width); // portrait after orientation
  assert.ok(psnr(turned[0].data, alone.data) >= 40);
  await compare(oriented, [{ width: 300, format: 'raw' }, { width: 100, format: 'raw' }], { autoOrient: true });
});

test('many: errors are those of separate calls', async () => {
  const junk = Buffer.alloc(100, 7);
  const one = await separate(junk, { width: 10 }).catch((e) => e);
  await assert.rejects(gpu(junk).toBuffers([{ width: 10 }, { width: 5 }]), { message: one.message });
  await assert.rejects(gpu(photo, { limitInputPixels: 10 }).toBuffers([{ width: 10 }]), /Input image exceeds pixel limit/);
  // Validation throws at the call, with sharp's messages
  assert.equal(catchSync(() => gpu(photo).toBuffers([{ width: -1 }])).message,
    catchSync(() => sharp(photo).resize({ width: -1 })).message);
  assert.equal(catchSync(() => gpu(photo).toBuffers([{ width: 10, format: 'bmp' }])).message,
    catchSync(() => sharp(photo).toFormat('bmp')).message);
  assert.match(catchSync(() => gpu(photo).toBuffers([])).message, /Expected Array of 1 to 256 output objects for outputs/);
  assert.match(catchSync(() => gpu(photo).toBuffers([{ quality: 50 }])).message, /Expected a format for the output options quality/);
});

test('many: stream input, delegation to sharp, standalone form', async () => {
  const fromStream = gpu();
  fs.createReadStream(photo).pipe(fromStream);
  const a = await fromStream.toBuffers([{ width: 200 }, { width: 50, format: 'png' }]);
  assert.deepEqual(a.map(({ info }) => [info.format, info.width]), [['jpeg', 200], ['png', 50]]);

  const blurred = await gpu(photo).blur(2).toBuffers([{ width: 120 }, { width: 60, format: 'webp' }]);
  assert.deepEqual(blurred.map(({ info }) => [info.backend, info.format, info.width]), [['sharp', 'jpeg', 120], ['sharp', 'webp', 60]]);
  assert.deepEqual(blurred[1].data, await sharp(photo).blur(2).resize({ width: 60 }).webp().toBuffer());

  const standalone = await gpu.toBuffers(readImage('320x240.jpg'), [{ width: 100, format: 'raw' }]);
  assert.equal(standalone[0].info.width, 100);
  assert.equal(standalone[0].data.length, 100 * 75 * 3);
});

test('many: clones started together share one decode, as toBuffers does (js/clones.js)', async () => {
  const input = readImage('2569067123_aca715a2ee_o.jpg');
  const outputs = [{ width: 800, format: 'raw' }, { width: 200, format: 'raw' }, { width: 300, format: 'png' }];
  const set = await gpu(input).toBuffers(outputs);
  const p = gpu(input);
  const together = await Promise.all([
    p.clone().resize(800).raw().toBuffer({ resolveWithObject: true }),
    p.clone().resize(200).raw().toBuffer({ resolveWithObject: true }),
    p.clone().resize(300).png().toBuffer({ resolveWithObject: true })
  ]);
  together.forEach(({ data, info }, i) => {
    assert.deepEqual(data, set[i].data, `clone ${i}: the set's output`);
    assert.deepEqual([info.format, info.width, info.height], [set[i].info.format, set[i].info.width, set[i].info.height]);
    assert.equal(info.resizedFrom, undefined, 'sharp\'s info fields only');
  });
  // The shared decode shows: alone, width 200 decodes at 1/8 itself
  const alone = await separate(input, outputs[1]);
  assert.notDeepEqual(together[1].data, alone.data);
  assert.ok(psnr(together[1].data, alone.data) >= 40);
  // A clone run on its own, or with other steps before the resize, runs as a separate call
  assert.deepEqual(await p.clone().resize(200).raw().toBuffer(), alone.data);
  const [turned, plain] = await Promise.all([
    p.clone().rotate(90).resize(200).raw().toBuffer(),
    p.clone().resize(200).raw().toBuffer()
  ]);
  assert.deepEqual(turned, await gpu(input).rotate(90).resize(200).raw().toBuffer());
  assert.deepEqual(plain, alone.data);
  // Errors reach every clone, as separate calls give them
  const junk = Buffer.alloc(100, 7);
  const one = await separate(junk, { width: 10 }).catch((e) => e);
  const q = gpu(junk);
  const failed = await Promise.allSettled([q.clone().resize(10).toBuffer(), q.clone().resize(5).toBuffer()]);
  assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
  failed.forEach((r) => assert.equal(r.reason.message, one.message));
});

test('many: fastShrinkOnLoad is per output, as on separate calls', async () => {
  const input = readImage('2569067123_aca715a2ee_o.jpg');
  const outputs = [{ width: 200, fastShrinkOnLoad: false, format: 'raw' }, { width: 200, format: 'raw' }];
  const [exact, fast] = await gpu(input).toBuffers(outputs);
  // The photo to width 200: 200x163 from the full size, 200x164 from the 1/8 decode (as sharp)
  assert.deepEqual([exact.info.width, exact.info.height, fast.info.width, fast.info.height], [200, 163, 200, 164]);
  const alone = await separate(input, outputs[0]);
  assert.deepEqual(exact.data, alone.data);
  assert.ok(psnr(fast.data, (await separate(input, outputs[1])).data) >= 40);
});
