// The gpu-resize CLI on a temporary directory: directories (recursive or not), globs, formats,
// the progress bar, the summary (count, bytes saved, backends), exit codes, `info`.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { sharp, image } = require('./helpers');
const { globToRegExp } = require('../../bin/inputs');

const cli = path.resolve(__dirname, '..', '..', 'bin', 'gpu-resize.js');
let dir;

/** Runs the CLI: { code, stdout, stderr }. */
function run (args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, cwd: dir }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

const listFiles = (root) => fs.readdirSync(root, { recursive: true })
  .filter((f) => fs.statSync(path.join(root, f)).isFile()).map((f) => f.split(path.sep).join('/')).sort();

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-cli-'));
  fs.mkdirSync(path.join(dir, 'in', 'sub', 'deeper'), { recursive: true });
  fs.copyFileSync(image('320x240.jpg'), path.join(dir, 'in', 'a.jpg'));
  fs.copyFileSync(image('4.webp'), path.join(dir, 'in', 'b.webp'));
  fs.copyFileSync(image('gradients-rgb8.png'), path.join(dir, 'in', 'sub', 'c.png'));
  fs.copyFileSync(image('flowers.jpeg'), path.join(dir, 'in', 'sub', 'deeper', 'd.jpeg'));
  fs.writeFileSync(path.join(dir, 'in', 'notes.txt'), 'not an image');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('cli: a directory, recursively, to WebP with a JSON summary', async () => {
  const { code, stdout } = await run(['-r', '-w', '120', '-f', 'webp', '-q', '70', '-o', 'out1', '--json', 'in']);
  assert.equal(code, 0);
  assert.deepEqual(listFiles(path.join(dir, 'out1')), ['a.webp', 'b.webp', 'sub/c.webp', 'sub/deeper/d.webp']);
  const summary = JSON.parse(stdout);
  assert.equal(summary.count, 4);
  assert.equal(summary.written, 4);
  assert.equal(summary.failed, 0);
  const inputBytes = ['a.jpg', 'b.webp', 'sub/c.png', 'sub/deeper/d.jpeg'].reduce((n, f) => n + fs.statSync(path.join(dir, 'in', f)).size, 0);
  const outputBytes = listFiles(path.join(dir, 'out1')).reduce((n, f) => n + fs.statSync(path.join(dir, 'out1', f)).size, 0);
  assert.equal(summary.inputBytes, inputBytes);
  assert.equal(summary.outputBytes, outputBytes);
  assert.equal(summary.bytesSaved, inputBytes - outputBytes);
  assert.equal(Object.values(summary.backends).reduce((a, b) => a + b, 0), 4);
  for (const f of listFiles(path.join(dir, 'out1'))) {
    const m = await sharp(path.join(dir, 'out1', f)).metadata();
    assert.equal(m.format, 'webp');
    assert.equal(m.width, 120);
  }
});

test('cli: without -r only the directory\'s own images; globs pick by pattern', async () => {
  let r = await run(['-w', '50', '-o', 'out2', 'in']);
  assert.equal(r.code, 0);
  assert.deepEqual(listFiles(path.join(dir, 'out2')), ['a.jpg', 'b.webp']);
  r = await run(['-w', '50', '-h', '50', '--fit', 'contain', '-o', 'out3', '--suffix=-thumb', 'in/**/*.{jpg,jpeg}']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(listFiles(path.join(dir, 'out3')), ['a-thumb.jpg', 'sub/deeper/d-thumb.jpeg']);
  const m = await sharp(path.join(dir, 'out3', 'sub', 'deeper', 'd-thumb.jpeg')).metadata();
  assert.deepEqual([m.width, m.height], [50, 50]);
  assert.match(r.stdout, /^Resized 2 of 2 images in [\d.]+ s \([\d.]+ img\/s\)$/m);
  assert.match(r.stdout, /^Input [\d.]+ [kM]?B -> output [\d.]+ [kM]?B: [\d.]+ [kM]?B saved \([\d.]+%\)$/m);
  assert.match(r.stdout, /^Backends: (cpu|gpu|vips) 2$/m);
});

test('cli: failures are listed and the exit status is 1; the progress bar shows rate and ETA', async () => {
  fs.mkdirSync(path.join(dir, 'bad'));
  fs.copyFileSync(image('320x240.jpg'), path.join(dir, 'bad', 'ok.jpg'));
  fs.copyFileSync(image('truncated.jpg'), path.join(dir, 'bad', 'truncated.jpg'));
  fs.writeFileSync(path.join(dir, 'bad', 'junk.png'), Buffer.alloc(100, 1));
  const { code, stdout, stderr } = await run(['-w', '40', '-o', 'out4', '--progress', '-c', '2', 'bad']);
  assert.equal(code, 1);
  assert.match(stdout, /^Resized 1 of 3 images/m);
  assert.match(stdout, /^Failed 2:$/m);
  assert.match(stdout, /truncated\.jpg: .*(Premature end|truncated)/i);
  assert.match(stdout, /junk\.png: .*unsupported image format/);
  assert.match(stderr, /\[#+\] 3\/3 100% [\d.]+ img\/s [\d.]+ [kM]?B\/s ETA [\d.]+ s/);
  assert.deepEqual(listFiles(path.join(dir, 'out4')), ['ok.jpg']);
});

test('cli: usage errors exit 2 with a message', async () => {
  let r = await run(['-w', '10', 'in']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--out <dir> is required/);
  r = await run(['-o', 'x', '--fit', 'squash', '-w', '10', 'in']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Expected valid fit for fit but received squash of type string/); // sharp's message
  r = await run(['-o', 'x', '-w', '0', 'in']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--width must be an integer from 1/);
  r = await run(['-o', 'x', 'nothing-here/*.jpg']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no such file, directory or matching image: nothing-here\/\*\.jpg/);
  r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: gpu-resize \[options\] <input\.\.\.>/);
});

test('cli: info prints the backends and devices', async () => {
  const { code, stdout } = await run(['info']);
  assert.equal(code, 0);
  assert.match(stdout, /^gpu-resize \d+\.\d+\.\d+/);
  assert.match(stdout, /^gpu +(available: .+|unavailable \(.+\))$/m);
  assert.match(stdout, /^cpu +available: \d+ threads$/m);
  assert.match(stdout, /^vips +(available|unavailable)/m);
  assert.match(stdout, /^sharp installed/m);
});

test('cli: glob patterns', () => {
  const re = globToRegExp('**/*.{jpg,png}');
  assert.ok(re.test('a.jpg') && re.test('x/y/b.png'));
  assert.ok(!re.test('a.webp') && !re.test('a.jpgx'));
  assert.ok(globToRegExp('img-?.[ab]*').test('img-1.a1'));
  assert.ok(!globToRegExp('*.jpg').test('sub/a.jpg'));
});
