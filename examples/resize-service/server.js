#!/usr/bin/env node
// An on-the-fly resize service on gpu-resize:
//
//   GET /images/<path>?w=<px>&h=<px>&fit=<fit>&format=<jpeg|png|webp|avif|auto>&q=<1-100>
//
// serves <root>/<path> resized. Responses carry Cache-Control, an ETag (the source's size and
// modification time plus the parameters) and Last-Modified; a matching If-None-Match gets 304
// without resizing. format=auto picks WebP when the client accepts it (Vary: Accept).
// Limits: output dimensions (400), source file size and pixel count (413), images in flight
// (503 with Retry-After). Run: node examples/resize-service/server.js --root <dir> [--port 8080]
// options.onAdmit(req), if given, is called for each request admitted under the in-flight limit;
// the request waits for the promise it returns (a test holds requests open with it).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const sharp = require('../..'); // require('gpu-resize') in an application

const defaults = {
  root: process.cwd(),
  maxDimension: 4096,
  maxInputBytes: 25 * 1024 * 1024,
  limitInputPixels: 50 * 1000 * 1000,
  maxInFlight: 8,
  cacheControl: 'public, max-age=86400, stale-while-revalidate=3600'
};

const mediaTypes = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif', tiff: 'image/tiff' };

class HttpError extends Error {
  constructor (status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/** The validated resize parameters of a query string. */
function parameters (query, accept, options) {
  const dimension = (name) => {
    const value = query.get(name);
    if (value === null || value === '') {
      return undefined;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > options.maxDimension) {
      throw new HttpError(400, `${name} must be an integer from 1 to ${options.maxDimension}`);
    }
    return n;
  };
  const p = { width: dimension('w'), height: dimension('h'), fit: query.get('fit') || undefined };
  const quality = query.get('q');
  if (quality !== null) {
    p.quality = Number(quality);
    if (!Number.isInteger(p.quality) || p.quality < 1 || p.quality > 100) {
      throw new HttpError(400, 'q must be an integer from 1 to 100');
    }
  }
  let format = query.get('format') || undefined;
  if (format === 'auto') {
    format = /\bimage\/webp\b/.test(accept || '') ? 'webp' : undefined;
    p.auto = true;
  }
  if (format !== undefined && !mediaTypes[format]) {
    throw new HttpError(400, `format must be one of ${Object.keys(mediaTypes).join(', ')} or auto`);
  }
  p.format = format;
  return p;
}

/** <root>/<path> for a request path, refusing anything outside root. */
function sourcePath (root, pathname) {
  let relative;
  try {
    relative = decodeURIComponent(pathname.slice('/images/'.length));
  } catch {
    throw new HttpError(400, 'bad path encoding');
  }
  const file = path.resolve(root, relative);
  if (relative.includes('\0') || !file.startsWith(path.resolve(root) + path.sep)) {
    throw new HttpError(400, 'path outside the image root');
  }
  return file;
}

async function handle (req, res, options) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new HttpError(405, 'only GET and HEAD', { Allow: 'GET, HEAD' });
  }
  const url = new URL(req.url, 'http://localhost');
  if (!url.pathname.startsWith('/images/')) {
    throw new HttpError(404, 'not found');
  }
  const file = sourcePath(options.root, url.pathname);
  const p = parameters(url.searchParams, req.headers.accept, options);
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat || !stat.isFile()) {
    throw new HttpError(404, 'not found');
  }
  if (stat.size > options.maxInputBytes) {
    throw new HttpError(413, `source image over ${options.maxInputBytes} bytes`);
  }
  const etag = `"${crypto.createHash('sha1')
    .update(JSON.stringify([url.pathname, stat.size, stat.mtimeMs, p]))
    .digest('base64url').slice(0, 27)}"`;
  const headers = {
    'Cache-Control': options.cacheControl,
    ETag: etag,
    'Last-Modified': stat.mtime.toUTCString()
  };
  if (p.auto) {
    headers.Vary = 'Accept';
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let image = sharp(file, { limitInputPixels: options.limitInputPixels }).rotate();
  try {
    if (p.width || p.height) {
      image = image.resize({ width: p.width, height: p.height, fit: p.fit, withoutEnlargement: true });
    }
    if (p.format || p.quality) {
      image = image.toFormat(p.format || path.extname(file).slice(1).toLowerCase(), p.quality ? { quality: p.quality } : {});
    }
  } catch (err) {
    throw new HttpError(400, err.message); // sharp's validation message (fit, format)
  }
  let output;
  try {
    output = await image.toBuffer({ resolveWithObject: true });
  } catch (err) {
    const status = /exceeds pixel limit/.test(err.message) ? 413 : 422;
    throw new HttpError(status, err.message);
  }
  const { data, info } = output;
  res.writeHead(200, {
    ...headers,
    'Content-Type': mediaTypes[info.format] || 'application/octet-stream',
    'Content-Length': data.length,
    'X-Resize-Backend': info.backend
  });
  res.end(req.method === 'HEAD' ? undefined : data);
}

/** An http.Server for the service; options override `defaults`. */
function createResizeServer (overrides = {}) {
  const options = { ...defaults, ...overrides };
  let inFlight = 0;
  return http.createServer((req, res) => {
    if (inFlight >= options.maxInFlight) {
      res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain' });
      res.end('busy: too many images in flight\n');
      return;
    }
    inFlight++;
    // Released once the response is written (before the client can read it), or on abort
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight--;
      }
    };
    res.on('close', release);
    Promise.resolve(options.onAdmit && options.onAdmit(req))
      .then(() => handle(req, res, options))
      .catch((err) => {
        const status = err instanceof HttpError ? err.status : 500;
        res.writeHead(status, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store', ...(err.headers || {}) });
        res.end(`${status === 500 ? 'internal error' : err.message}\n`);
      })
      .finally(release);
  });
}

module.exports = { createResizeServer, defaults };

if (require.main === module) {
  const { values } = require('node:util').parseArgs({
    options: { root: { type: 'string' }, port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } }
  });
  const server = createResizeServer({ root: path.resolve(values.root || '.') });
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address();
    console.log(`resize service on http://${address}:${port}/images/<path>?w=320&format=auto`);
  });
}
