// `npm pack` gives a tarball that installs in an empty project and builds there from source with
// CMake (its install script), with its dependencies from the npm registry or cache only; the
// installed package then works through require, import, its bin and without sharp (an optional
// peer dependency, so not installed).
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-resize-pack-'));
const quiet = { npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function sh (cmd, args, cwd, env = {}) {
  try {
    return await run(cmd, args, { cwd, env: { ...process.env, ...quiet, ...env }, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    err.message += `\n--- stdout\n${err.stdout}\n--- stderr\n${String(err.stderr).slice(-8000)}`;
    throw err;
  }
}

test('pack: the tarball installs, builds and runs in an empty project', async () => {
  const { stdout } = await sh(npm, ['pack', '--json', '--pack-destination', tmp], root);
  const [packed] = JSON.parse(stdout);
  const files = packed.files.map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'index.d.ts', 'js/index.js', 'js/index.mjs', 'bin/gpu-resize.js',
    'CMakeLists.txt', 'scripts/build.js', 'src/pipeline/multi.c', 'include/gpu_resize.h']) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.ok(!files.some((f) => /^(test|build|node_modules|bench)\//.test(f)), 'no tests, builds or benchmarks');

  const project = path.join(tmp, 'app');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // The install script builds the addon with CMake; dependencies come from the registry or cache
  await sh(npm, ['install', '--prefer-offline', '--foreground-scripts', path.join(tmp, packed.filename)], project);
  const installed = path.join(project, 'node_modules', 'gpu-resize');
  assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'gpu_resize.node')), 'built addon');
  assert.ok(fs.existsSync(path.join(installed, 'build', 'cmake', 'CMakeCache.txt')), 'built with CMake');
  assert.ok(!fs.existsSync(path.join(project, 'node_modules', 'sharp')), 'the optional peer sharp is not installed');

  const cjs = `
    const sharp = require('gpu-resize');
    const input = { create: { width: 64, height: 48, channels: 3, background: '#336699' } };
    sharp(input).resize(16).png().toBuffer({ resolveWithObject: true }).then(async ({ info }) => {
      let delegated;
      try { sharp(input).blur(2); } catch (e) { delegated = e.message; }
      const many = await sharp(input).toBuffers([{ width: 32, format: 'raw' }, { width: 8, format: 'webp' }]);
      console.log(JSON.stringify({ info, delegated, many: many.map((o) => o.info.width) }));
    });`;
  const out = JSON.parse((await sh(process.execPath, ['-e', cjs], project)).stdout);
  assert.equal(out.info.width, 16);
  assert.equal(out.info.format, 'png');
  assert.ok(['gpu', 'cpu'].includes(out.info.backend));
  assert.match(out.delegated, /blur\(\) is not implemented by gpu-resize and runs on sharp, which is not installed/);
  assert.deepEqual(out.many, [32, 8]);

  const esm = "import sharp from 'gpu-resize'; const b = sharp.backends(); console.log(typeof sharp, b.cpu.available);";
  assert.equal((await sh(process.execPath, ['--input-type=module', '-e', esm], project)).stdout.trim(), 'function true');

  const bin = path.join(project, 'node_modules', '.bin', 'gpu-resize');
  const info = await sh(bin, ['info'], project);
  assert.match(info.stdout, /^cpu +available/m);
  assert.match(info.stdout, /^sharp not installed/m);
});
