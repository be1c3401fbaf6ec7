// A gpu-resize instance is a Duplex stream, as sharp's: input written to it, output read from it,
// back-pressure on the output, errors reaching stream.pipeline() and 'error' listeners.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable, Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { gpu, image, readImage } = require('./helpers');

const photo = image('2569067123_aca715a2ee_o.jpg');

/** A Writable that collects what it receives, calling back after `delayMs`. */
function sink ({ delayMs = 0, highWaterMark } = {}) {
  const chunks = [];
  const w = new Writable({
    highWaterMark,
    write (chunk, _enc, cb) {
      chunks.push(chunk);
      if (delayMs) {
        setTimeout(cb, delayMs);
      } else {
        cb();
      }
    }
  });
  w.chunks = chunks;
  w.data = () => Buffer.concat(chunks);
  return w;
}

test('stream: readable.pipe(gpu().resize(200)).pipe(writable) gives the same bytes as toBuffer()', async () => {
  const out = sink();
  let info;
  await new Promise((resolve, reject) => {
    const transformer = gpu().resize(200).on('info', (i) => { info = i; }).on('error', reject);
    fs.createReadStream(photo, { highWaterMark: 8192 }).pipe(transformer).pipe(out)
      .on('finish', resolve).on('error', reject);
  });
  const expected = await gpu(readImage('2569067123_aca715a2ee_o.jpg')).resize(200).toBuffer({ resolveWithObject: true });
  assert.deepEqual(out.data(), expected.data);
  assert.equal(info.width, 200);
  assert.equal(info.size, expected.info.size);
  assert.equal(info.backend, expected.info.backend);
});

test('stream: output is pushed in chunks as the consumer reads (back-pressure)', async () => {
  const transformer = gpu().resize(1500).raw();
  const out = sink({ delayMs: 1, highWaterMark: 1024 });
  let maxBuffered = 0;
  const write = out._write.bind(out);
  out._write = (chunk, enc, cb) => {
    maxBuffered = Math.max(maxBuffered, transformer.readableLength);
    write(chunk, enc, cb);
  };
  await pipeline(fs.createReadStream(photo), transformer, out);
  const total = out.data().length;
  assert.equal(total, 1500 * 1225 * 3);
  assert.ok(out.chunks.length > 10, `${out.chunks.length} chunks`);
  assert.ok(out.chunks.every((c) => c.length <= 64 * 1024));
  // Only about a chunk plus the readable high-water mark waits in the stream, not the whole image
  assert.ok(maxBuffered <= 64 * 1024 + transformer.readableHighWaterMark, `buffered ${maxBuffered} of ${total}`);
});

test('stream: a corrupt input rejects stream.pipeline() with the decode error', async () => {
  const out = sink();
  await assert.rejects(
    pipeline(Readable.from([Buffer.from('this is not an image')]), gpu().resize(10), out),
    /Input buffer contains unsupported image format/
  );
  assert.equal(out.chunks.length, 0);
});

test('stream: an error of the source stream reaches stream.pipeline()', async () => {
  const source = new Readable({
    read () {
      this.destroy(new Error('source failed'));
    }
  });
  const transformer = gpu().resize(10);
  await assert.rejects(pipeline(source, transformer, sink()), /source failed/);
  assert.ok(transformer.destroyed);
});

test('stream: an error reaches the instance\'s error listener when piped', async () => {
  const err = await new Promise((resolve) => {
    const transformer = gpu().resize(10).on('error', resolve);
    Readable.from([readImage('truncated.jpg').subarray(0, 200)]).pipe(transformer).pipe(sink());
  });
  assert.ok(err instanceof Error);
  assert.match(err.message, /premature end|unsupported image format|corrupt|truncated/i);
});

test('stream: writing to an instance with another input fails the write', async () => {
  const transformer = gpu(photo);
  const err = await new Promise((resolve) => {
    transformer.on('error', resolve);
    transformer.write(Buffer.from([1, 2, 3]));
  });
  assert.equal(err.message, 'Unexpected data on Writable Stream');
});

test('stream: input stream with toBuffer(), metadata(), toFile() and clone()', async () => {
  const photoBytes = readImage('2569067123_aca715a2ee_o.jpg');
  const expected = await gpu(photoBytes).resize(120).toBuffer();

  const a = gpu().resize(120);
  fs.createReadStream(photo).pipe(a);
  assert.deepEqual(await a.toBuffer(), expected);

  const m = gpu();
  fs.createReadStream(photo).pipe(m);
  const meta = await m.metadata();
  assert.equal(meta.width, 2725);
  assert.equal(meta.height, 2225);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-stream-'));
  try {
    const f = gpu().resize(120);
    fs.createReadStream(photo).pipe(f);
    const info = await f.toFile(path.join(dir, 'out.jpg'));
    assert.equal(info.width, 120);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'out.jpg')), expected);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const parent = gpu();
  const small = parent.clone().resize(50).png();
  const large = parent.clone().resize(300);
  fs.createReadStream(photo).pipe(parent);
  const [s, l] = await Promise.all([small.toBuffer({ resolveWithObject: true }), large.toBuffer({ resolveWithObject: true })]);
  assert.deepEqual([s.info.format, s.info.width, l.info.format, l.info.width], ['png', 50, 'jpeg', 300]);
});

test('stream: file input piped to a file output emits info, end and close once', async () => {
  const out = sink();
  const transformer = gpu(photo).resize(64);
  const events = [];
  for (const name of ['info', 'end', 'close']) {
    transformer.on(name, () => events.push(name));
  }
  await pipeline(transformer, out);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(events, ['info', 'end', 'close']);
  assert.equal(out.data()[0], 0xff);
});

test('stream: an operation delegated to sharp streams too', async () => {
  const out = sink();
  let info;
  const transformer = gpu().resize(80).blur(1).on('info', (i) => { info = i; });
  await pipeline(fs.createReadStream(photo), transformer, out);
  assert.equal(info.backend, 'sharp');
  assert.equal(info.width, 80);
  assert.equal(out.data().length, info.size);
});
