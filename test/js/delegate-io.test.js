// Inputs and outputs that sharp handles and gpu-resize does not write or decode natively run on
// sharp (backend 'sharp'): text, joined arrays, create noise, raw pixels deeper than 8 bits;
// jp2, jxl, tile/Deep Zoom, raw deeper than 8 bits, .v files; rotate by any angle. Where sharp's
// prebuilt libvips lacks the codec (jp2, jxl), sharp's own error comes through.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { gpu, sharp, image, psnr, catchSync } = require('./helpers');

const jpg = image('320x240.jpg');
const png = image('gradients-rgb8.png');

/** Runs build on both libraries: { ours, theirs } as { data, info }. */
async function both (build) {
  const [ours, theirs] = await Promise.all([
    build(gpu).toBuffer({ resolveWithObject: true }),
    build(sharp).toBuffer({ resolveWithObject: true })
  ]);
  return { ours, theirs };
}

function assertSameAsSharp ({ ours, theirs }, label) {
  assert.equal(ours.info.backend, 'sharp', label);
  assert.deepEqual({ ...ours.info, backend: undefined }, { ...theirs.info, backend: undefined }, label);
  assert.equal(psnr(ours.data, theirs.data), Infinity, label);
}

function tempDir () {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-delegate-io-'));
}

/** Relative paths of the files under dir, sorted. */
function listFiles (dir) {
  return fs.readdirSync(dir, { recursive: true })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

test('delegate inputs: text, joined images and deep raw pixels run on sharp, with its pixels', async () => {
  const text = { text: { text: 'gpu-resize <b>on sharp</b>', dpi: 144, rgba: true } };
  assertSameAsSharp(await both((s) => s(text).resize(120).png()), 'text');

  const join = (s) => s([jpg, png], { join: { across: 2, shim: 4, background: 'white' } }).resize(300).raw();
  const joined = await both(join);
  assertSameAsSharp(joined, 'join');
  assert.equal(joined.ours.info.width, 300);

  const deep = new Uint16Array(16 * 8 * 3).map((_, i) => (i * 997) & 0xffff);
  const raw16 = { raw: { width: 16, height: 8, channels: 3 } };
  const fromDeep = await both((s) => s(deep, raw16).resize(8).png());
  assertSameAsSharp(fromDeep, 'raw Uint16Array');
  const floats = new Float32Array(4 * 4).map((_, i) => i / 16);
  assertSameAsSharp(await both((s) => s(floats, { raw: { width: 4, height: 4, channels: 1 } }).raw()), 'raw Float32Array');
});

test('delegate inputs: create noise runs on sharp (random pixels: size and statistics)', async () => {
  const noise = { create: { width: 64, height: 32, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 20 } } };
  const { data, info } = await gpu(noise).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.backend, 'sharp');
  assert.deepEqual([info.width, info.height, info.channels, data.length], [64, 32, 3, 64 * 32 * 3]);
  const mean = data.reduce((a, v) => a + v, 0) / data.length;
  assert.ok(Math.abs(mean - 128) < 6, `mean ${mean}`);
  assert.ok(new Set(data).size > 40, 'noise, not a flat image');
});

test('delegate inputs: sharp validates the arguments with its own messages; metadata() is sharp\'s', async () => {
  for (const args of [
    [{ text: { text: 'x', font: 5 } }],
    [{ text: { text: 'x', height: 10, dpi: 72 } }],
    [[jpg, jpg], { join: { across: 'x' } }],
    [{ create: { width: 2, height: 2, channels: 3, noise: { type: 'gaussian', mean: -1 } } }],
    [new Uint16Array(3), { raw: { width: 1, height: 1, channels: 3, premultiplied: 'yes' } }]
  ]) {
    const theirs = catchSync(() => sharp(...args));
    assert.ok(theirs instanceof Error, JSON.stringify(args));
    assert.equal(catchSync(() => gpu(...args)).message, theirs.message);
  }
  const text = { text: { text: 'Hello', dpi: 144 } };
  assert.deepEqual(await gpu(text).metadata(), await sharp(text).metadata());
  const deep = [new Uint16Array(12), { raw: { width: 2, height: 2, channels: 3 } }];
  assert.deepEqual(await gpu(...deep).metadata(), await sharp(...deep).metadata());
  // sharp cannot read metadata of joined images: its error comes through
  const theirs = await sharp([jpg, jpg], { join: { across: 2 } }).metadata().catch((e) => e);
  const ours = await gpu([jpg, jpg], { join: { across: 2 } }).metadata().catch((e) => e);
  assert.ok(theirs instanceof Error);
  assert.equal(ours.message, theirs.message);
});

test('delegate outputs: tile() and Deep Zoom file names run on sharp', async () => {
  // toBuffer(): a zip (with timestamps, so sizes not bytes are compared)
  const zip = await both((s) => s(jpg).tile({ size: 128 }));
  assert.equal(zip.ours.info.backend, 'sharp');
  assert.equal(zip.ours.info.format, 'dz');
  assert.equal(zip.ours.data.readUInt32LE(0), 0x04034b50, 'a zip');
  assert.equal(zip.ours.data.length, zip.theirs.data.length);
  const dz = await both((s) => s(jpg).toFormat('dz', { size: 64 }));
  assert.equal(dz.ours.info.backend, 'sharp');
  assert.equal(dz.ours.data.length, dz.theirs.data.length);

  const dir = tempDir();
  try {
    const ours = await gpu(jpg).resize(200).tile({ size: 64, layout: 'google' }).toFile(path.join(dir, 'ours', 'out.dzi'));
    const theirs = await sharp(jpg).resize(200).tile({ size: 64, layout: 'google' }).toFile(path.join(dir, 'theirs', 'out.dzi'));
    assert.equal(ours.backend, 'sharp');
    assert.deepEqual({ ...ours, backend: undefined }, { ...theirs, backend: undefined });
    const files = listFiles(path.join(dir, 'ours'));
    assert.ok(files.length > 4, files.join());
    assert.deepEqual(files, listFiles(path.join(dir, 'theirs')));
    assert.ok(files.some((name) => /\.jpe?g$/.test(name)), files.join());
    for (const f of files.filter((name) => !name.endsWith('.xml'))) { // the properties hold a timestamp
      assert.deepEqual(fs.readFileSync(path.join(dir, 'ours', f)), fs.readFileSync(path.join(dir, 'theirs', f)), f);
    }
    // .dzi, .zip and .szi take tiles when no format method was called, as sharp (which then
    // names them out.dzi.dzi and out.dzi_files/)
    const dzi = await gpu(jpg).toFile(path.join(dir, 'plain', 'ours', 'out.dzi'));
    await sharp(jpg).toFile(path.join(dir, 'plain', 'theirs', 'out.dzi'));
    assert.equal(dzi.backend, 'sharp');
    assert.ok(listFiles(path.join(dir, 'plain', 'ours')).length > 4);
    assert.deepEqual(listFiles(path.join(dir, 'plain', 'ours')), listFiles(path.join(dir, 'plain', 'theirs')));
    const zipFile = await gpu(jpg).resize(100).toFile(path.join(dir, 'out.zip'));
    assert.deepEqual([zipFile.backend, zipFile.format], ['sharp', 'dz']);
    assert.equal(fs.readFileSync(path.join(dir, 'out.zip')).readUInt32LE(0), 0x04034b50);
    // With a format method, sharp writes that format whatever the extension: so do we, natively
    const pngInZip = await gpu(jpg).resize(100).png().toFile(path.join(dir, 'png.zip'));
    assert.notEqual(pngInZip.backend, 'sharp');
    assert.equal((await sharp(path.join(dir, 'png.zip')).metadata()).format, 'png');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('delegate outputs: raw() deeper than 8 bits and .v files run on sharp', async () => {
  for (const depth of ['ushort', 'float', 'char']) {
    assertSameAsSharp(await both((s) => s(jpg).resize(40).raw({ depth })), depth);
  }
  const dir = tempDir();
  try {
    const info = await gpu(png).resize(50).toFile(path.join(dir, 'ours.v'));
    await sharp(png).resize(50).toFile(path.join(dir, 'theirs.v'));
    assert.equal(info.backend, 'sharp');
    assert.equal(info.format, 'v');
    const [a, b] = await Promise.all(['ours.v', 'theirs.v'].map((f) => sharp(path.join(dir, f)).raw().toBuffer({ resolveWithObject: true })));
    assert.deepEqual(a.info, b.info);
    assert.equal(psnr(a.data, b.data), Infinity);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('delegate outputs: jp2 and jxl, which sharp\'s prebuilt libvips lacks, give sharp\'s errors', async () => {
  assert.equal(sharp.format.jp2.output.buffer, false, 'this check assumes a libvips without OpenJPEG');
  assert.equal(sharp.format.jxl.output.buffer, false, 'this check assumes a libvips without libjxl');
  // jp2(): sharp throws at the call; toFile(*.jp2) rejects
  const jp2Call = catchSync(() => sharp(jpg).jp2());
  assert.ok(jp2Call instanceof Error);
  assert.equal(catchSync(() => gpu(jpg).jp2()).message, jp2Call.message);
  assert.equal(catchSync(() => gpu(jpg).toFormat('j2k')).message, jp2Call.message);
  const dir = tempDir();
  try {
    const jp2File = await gpu(jpg).toFile(path.join(dir, 'x.jp2')).catch((e) => e);
    assert.equal(jp2File.message, jp2Call.message);
    // jxl(): sharp validates at the call, fails at the output
    assert.equal(catchSync(() => gpu(jpg).jxl({ quality: 1000 })).message, catchSync(() => sharp(jpg).jxl({ quality: 1000 })).message);
    const theirs = await sharp(jpg).jxl().toBuffer().catch((e) => e);
    const ours = await gpu(jpg).jxl().toBuffer().catch((e) => e);
    assert.ok(theirs instanceof Error);
    assert.equal(ours.message, theirs.message);
    const oursFile = await gpu(jpg).toFormat('jxl').toFile(path.join(dir, 'a.jxl')).catch((e) => e);
    const theirsFile = await sharp(jpg).toFormat('jxl').toFile(path.join(dir, 'b.jxl')).catch((e) => e);
    assert.ok(theirsFile instanceof Error);
    assert.equal(oursFile.message, theirsFile.message);
    // A .jxl name without a format method: sharp writes the input's format there, so do we
    const plain = await gpu(jpg).resize(30).toFile(path.join(dir, 'c.jxl'));
    await sharp(jpg).resize(30).toFile(path.join(dir, 'd.jxl'));
    assert.notEqual(plain.backend, 'sharp');
    assert.equal(plain.format, 'jpeg');
    assert.equal((await sharp(path.join(dir, 'd.jxl')).metadata()).format, 'jpeg');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('delegate: rotate() by an angle that is not a multiple of 90 runs on sharp', async () => {
  assertSameAsSharp(await both((s) => s(jpg).rotate(30, { background: '#00ff0080' }).resize(100).png()), 'rotate 30');
  assert.equal(catchSync(() => gpu(jpg).rotate(45, { background: 'nonsense' })).message,
    catchSync(() => sharp(jpg).rotate(45, { background: 'nonsense' })).message);
  // Multiples of 90 stay native
  const { info } = await gpu(jpg).rotate(-90).resize(20).toBuffer({ resolveWithObject: true });
  assert.notEqual(info.backend, 'sharp');
});

test('delegate: toBuffers() and clone() of a delegated input run each output on sharp', async () => {
  const text = { text: { text: 'many', dpi: 200 } };
  const set = await gpu(text).toBuffers([{ width: 40, format: 'png' }, { width: 20, format: 'webp', quality: 50 }]);
  const a = await sharp(text).resize({ width: 40 }).png().toBuffer();
  const b = await sharp(text).resize({ width: 20 }).webp({ quality: 50 }).toBuffer();
  assert.deepEqual(set.map((o) => o.info.backend), ['sharp', 'sharp']);
  assert.deepEqual(set[0].data, a);
  assert.deepEqual(set[1].data, b);
  const base = gpu([jpg, jpg], { join: { across: 2 } });
  const { info } = await base.clone().resize(64).jpeg().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.backend, info.width, info.height], ['sharp', 64, 24]);
});
