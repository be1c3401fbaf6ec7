// The example resize service (examples/resize-service) driven over loopback: resizing, cache
// headers and 304, format negotiation, limits (400, 404, 413, 503), HEAD and 405.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { sharp, image } = require('./helpers');
const { createResizeServer } = require('../../examples/resize-service/server');

let root;
const servers = [];

async function start (options = {}) {
  const server = createResizeServer({ root, ...options });
  servers.push(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

async function get (url, headers = {}, method = 'GET') {
  const res = await fetch(url, { headers, method });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-service-'));
  fs.mkdirSync(path.join(root, 'photos'));
  fs.copyFileSync(image('2569067123_aca715a2ee_o.jpg'), path.join(root, 'photos', 'photo.jpg'));
  fs.copyFileSync(image('320x240.jpg'), path.join(root, 'small.jpg'));
  fs.writeFileSync(path.join(root, 'junk.png'), Buffer.alloc(64, 3));
});

after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  fs.rmSync(root, { recursive: true, force: true });
});

test('service: resizes with cache headers; If-None-Match gets 304', async () => {
  const base = await start();
  const r = await get(`${base}/images/photos/photo.jpg?w=300&q=70`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/jpeg');
  assert.equal(Number(r.headers.get('content-length')), r.body.length);
  assert.match(r.headers.get('cache-control'), /public, max-age=\d+/);
  assert.match(r.headers.get('etag'), /^"[\w-]+"$/);
  assert.equal(r.headers.get('last-modified'), fs.statSync(path.join(root, 'photos', 'photo.jpg')).mtime.toUTCString());
  assert.ok(['gpu', 'cpu', 'vips'].includes(r.headers.get('x-resize-backend')));
  const m = await sharp(r.body).metadata();
  assert.deepEqual([m.format, m.width, m.height], ['jpeg', 300, 245]);

  const again = await get(`${base}/images/photos/photo.jpg?w=300&q=70`, { 'If-None-Match': r.headers.get('etag') });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  // Other parameters, other entity
  const other = await get(`${base}/images/photos/photo.jpg?w=200`);
  assert.notEqual(other.headers.get('etag'), r.headers.get('etag'));
  const head = await get(`${base}/images/small.jpg?w=64`, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers.get('content-length')) > 0);
});

test('service: format=auto follows Accept and says Vary: Accept', async () => {
  const base = await start();
  const webp = await get(`${base}/images/small.jpg?w=100&format=auto`, { Accept: 'image/avif,image/webp,*/*' });
  assert.equal(webp.headers.get('content-type'), 'image/webp');
  assert.equal(webp.headers.get('vary'), 'Accept');
  assert.equal((await sharp(webp.body).metadata()).format, 'webp');
  const jpeg = await get(`${base}/images/small.jpg?w=100&format=auto`, { Accept: 'image/*' });
  assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');
  assert.notEqual(jpeg.headers.get('etag'), webp.headers.get('etag'));
  const png = await get(`${base}/images/small.jpg?h=50&format=png`);
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.equal((await sharp(png.body).metadata()).height, 50);
});

test('service: bad requests and limits', async () => {
  const base = await start({ maxDimension: 1000, maxInputBytes: 200 * 1024 });
  const cases = [
    ['/images/small.jpg?w=5000', 400, /w must be an integer from 1 to 1000/],
    ['/images/small.jpg?w=abc', 400, /w must be an integer/],
    ['/images/small.jpg?w=10&q=0', 400, /q must be an integer from 1 to 100/],
    ['/images/small.jpg?w=10&fit=squash', 400, /Expected valid fit for fit but received squash/],
    ['/images/small.jpg?format=bmp', 400, /format must be one of/],
    ['/images/..%2f..%2fetc%2fpasswd', 400, /outside the image root/],
    ['/images/missing.jpg?w=10', 404, /not found/],
    ['/other', 404, /not found/],
    ['/images/photos/photo.jpg?w=10', 413, /source image over 204800 bytes/],
    ['/images/junk.png?w=10', 422, /unsupported image format/]
  ];
  for (const [url, status, message] of cases) {
    const r = await get(base + url);
    assert.equal(r.status, status, url);
    assert.match(r.body.toString(), message, url);
    assert.equal(r.headers.get('cache-control'), 'no-store', url);
  }
  const pixels = await start({ limitInputPixels: 1000 });
  const r = await get(`${pixels}/images/small.jpg?w=10`);
  assert.equal(r.status, 413);
  assert.match(r.body.toString(), /Input image exceeds pixel limit/);
  const post = await get(`${base}/images/small.jpg`, {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('service: over the in-flight limit answers 503 with Retry-After', async () => {
  // The first request is held once admitted, so the second one meets a full service
  let admitted;
  const firstAdmitted = new Promise((resolve) => { admitted = resolve; });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let calls = 0;
  const base = await start({
    maxInFlight: 1,
    onAdmit: () => {
      calls++;
      if (calls === 1) {
        admitted();
        return held;
      }
      return undefined;
    }
  });
  const first = get(`${base}/images/small.jpg?w=10`);
  await firstAdmitted;
  const busy = await get(`${base}/images/small.jpg?w=20`);
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.match(busy.body.toString(), /too many images in flight/);
  assert.equal(calls, 1, 'a refused request is not admitted');
  release();
  const r = await first;
  assert.equal(r.status, 200);
  assert.equal((await sharp(r.body).metadata()).width, 10);
  // The slot is free again once a response is written; errors free it too
  assert.equal((await get(`${base}/images/junk.png?w=10`)).status, 422);
  assert.equal((await get(`${base}/images/small.jpg?w=10`)).status, 200);
  assert.equal(calls, 3);
});
