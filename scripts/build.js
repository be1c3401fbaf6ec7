#!/usr/bin/env node
// Builds the addon and the C tests with CMake (the one list of sources). Used by `npm install`,
// `npm run build` and binding.gyp. Options: --debug, --if-needed (skip when the addon exists and
// no source is newer), --sanitize=address,undefined (a separate build directory), --no-cuda.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => {
  const a = args.find((x) => x.startsWith(`${name}=`));
  return a ? a.slice(name.length + 1) : undefined;
};
const sanitize = value('--sanitize');
const buildDir = path.join(root, 'build', sanitize ? 'cmake-sanitize' : 'cmake');
const addon = path.join(root, 'build', 'Release', 'gpu_resize.node');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

if (flag('--if-needed') && !sanitize && fs.existsSync(addon)) {
  const sources = Math.max(...['src', 'include', 'kernels', 'cmake', 'test/c']
    .map((d) => path.join(root, d)).filter(fs.existsSync).map(newestSource),
  fs.statSync(path.join(root, 'CMakeLists.txt')).mtimeMs);
  if (fs.statSync(addon).mtimeMs >= sources) process.exit(0);
}

function run(cmd, argv) {
  console.error(`> ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status || 1);
}

const configure = ['-S', root, '-B', buildDir,
  `-DCMAKE_BUILD_TYPE=${flag('--debug') || sanitize ? 'Debug' : 'Release'}`];
if (sanitize) configure.push(`-DGR_SANITIZE=${sanitize}`, '-DGR_BUILD_ADDON=OFF');
configure.push(`-DGR_WITH_CUDA=${flag('--no-cuda') || process.env.GPU_RESIZE_NO_CUDA === '1' ? 'OFF' : 'ON'}`);
if (!process.env.CUDACXX && !fs.existsSync('/usr/bin/nvcc') && fs.existsSync('/usr/local/cuda/bin/nvcc')) {
  configure.push('-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc');
}
try {
  configure.push(`-DGR_NODE_API_INCLUDE=${require('node-api-headers').include_dir}`);
} catch { /* cmake/node_api.cmake looks in Node's own headers */ }

run('cmake', configure);
run('cmake', ['--build', buildDir, '--parallel', String(Math.max(2, os.cpus().length))]);
