#!/usr/bin/env node
// Builds the libFuzzer harness (fuzz/fuzz_pipeline.c, ASan + UBSan, clang) in build/cmake-fuzz,
// makes a seed corpus from the test images, runs the fuzzer for a bounded time and reports the
// figures. Any crash, sanitizer report, leak or timeout fails the run (exit status 1), and the
// input that caused it is kept in build/fuzz/artifacts/.
//   node scripts/fuzz.js [--time=60] [--workers=1] [--seed=N] [--out=DIR] [--corpus=DIR]
// --out writes DIR/fuzz.json and DIR/fuzz.md; --corpus keeps the growing corpus there (default
// build/fuzz/corpus, which later runs start from). --seed fixes libFuzzer's random seed: from a
// fresh corpus the run then tries the same inputs every time (npm test's run, so that CI
// repeats, and a finding there reproduces); long runs leave it random to explore further.
// Needs clang with libFuzzer (Debian: clang).
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const value = (name, fallback) => {
  const a = args.find((x) => x.startsWith(`${name}=`));
  return a ? a.slice(name.length + 1) : fallback;
};
const seconds = Number(value('--time', '60'));
const workers = Number(value('--workers', '1'));
const out = value('--out');
const seed = value('--seed');
const buildDir = path.join(root, 'build', 'cmake-fuzz');
const work = path.join(root, 'build', 'fuzz');
const corpusDir = path.resolve(value('--corpus', path.join(work, 'corpus')));
const seedDir = path.join(work, 'seeds');
const artifacts = path.join(work, 'artifacts') + path.sep;
const images = process.env.GPU_RESIZE_IMAGES || path.resolve(root, '..', 'shared', 'images');
const HEADER = 16; // parameter bytes before the image, see fuzz/fuzz_pipeline.c

function run (cmd, argv) {
  console.error(`> ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status || 1);
}

function build () {
  run('cmake', ['-S', root, '-B', buildDir, '-DCMAKE_C_COMPILER=clang', '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
    '-DGR_SANITIZE=address,undefined,fuzzer-no-link', '-DGR_FUZZ=ON', '-DGR_BUILD_ADDON=OFF',
    '-DGR_BUILD_TESTS=OFF', '-DGR_WITH_VIPS=OFF', '-DGR_WITH_CUDA=OFF']);
  run('cmake', ['--build', buildDir, '--target', 'fuzz_pipeline', '--parallel', String(Math.max(2, os.cpus().length))]);
  return path.join(buildDir, 'fuzz', 'fuzz_pipeline');
}

// A few parameter headers per image, so that the seeds start on different paths (formats,
// fits, kernels, raw input, extracts); the fuzzer mutates both parts.
const PARAMS = [
  [1, 64, 48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 80, 6, 80],
  [2, 17, 200, 26, 3, 7, 0x15, 0x0b, 5, 6, 30, 20, 0x40, 200, 0x49, 0x80],
  [0, 120, 9, 13, 8, 14, 0x62, 0x16, 1, 2, 3, 4, 0xff, 10, 0x81, 40],
  [3, 5, 5, 4, 1, 18, 0x1c, 0xe0, 15, 12, 2, 0, 0, 50, 3, 5] // raw input
];

function seeds () {
  fs.rmSync(seedDir, { recursive: true, force: true });
  fs.mkdirSync(seedDir, { recursive: true });
  const files = [];
  const badinput = path.join(root, 'test', 'badinput', 'corpus');
  for (const f of fs.readdirSync(badinput)) files.push(path.join(badinput, f));
  // The shared test images up to 100 KB as they are (larger ones fail the harness's pixel limit
  // or slow every run; test/badinput holds small versions of each format).
  if (fs.existsSync(images)) {
    for (const f of fs.readdirSync(images)) {
      const p = path.join(images, f);
      if (fs.statSync(p).size <= 100 * 1024) files.push(p);
    }
  }
  let n = 0;
  for (const file of files) {
    const data = fs.readFileSync(file);
    PARAMS.forEach((params, i) => {
      fs.writeFileSync(path.join(seedDir, `${path.basename(file)}.${i}`), Buffer.concat([Buffer.from(params), data]));
      n++;
    });
  }
  return n;
}

function figures (log, status, wall) {
  const stat = (name) => {
    const m = log.match(new RegExp(`stat::${name}:\\s+(\\d+)`));
    return m ? Number(m[1]) : null;
  };
  const lines = log.split('\n').filter((l) => /^#\d+/.test(l));
  const last = lines.reverse().find((l) => /cov: \d+/.test(l)) || '';
  const num = (re) => { const m = last.match(re); return m ? Number(m[1]) : null; };
  const crashes = fs.existsSync(artifacts)
    ? fs.readdirSync(artifacts).filter((f) => /^(crash|leak|timeout|oom)-/.test(f)) : [];
  return {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    seconds_requested: seconds,
    wall_seconds: Math.round(wall),
    workers,
    executions: stat('number_of_executed_units'),
    execs_per_second: stat('average_exec_per_sec'),
    edges_covered: num(/cov: (\d+)/),
    edges_instrumented: (log.match(/Loaded 1 modules\s+\((\d+) inline 8-bit counters/) || [])[1] * 1 || null,
    features: num(/ft: (\d+)/),
    corpus_units: num(/corp: (\d+)/),
    new_units_added: stat('new_units_added'),
    peak_rss_mb: stat('peak_rss_mb'),
    exit_status: status,
    artifacts: crashes
  };
}

function writeOut (f) {
  if (!out) return;
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'fuzz.json'), JSON.stringify(f, null, 2) + '\n');
  const md = [
    '# Fuzzing figures: fuzz/fuzz_pipeline.c (ASan + UBSan, libFuzzer)', '',
    `Command: \`node scripts/fuzz.js --time=${seconds} --workers=${workers}${out ? ` --out=${path.relative(root, out)}` : ''}\``, '',
    '| figure | value |', '|---|---|',
    ...Object.entries(f).map(([k, v]) => `| ${k} | ${Array.isArray(v) ? (v.join(', ') || 'none') : v} |`), ''
  ].join('\n');
  fs.writeFileSync(path.join(out, 'fuzz.md'), md);
}

const binary = build();
const nseeds = seeds();
fs.mkdirSync(corpusDir, { recursive: true });
fs.rmSync(artifacts, { recursive: true, force: true }); // only this run's findings count
fs.mkdirSync(artifacts, { recursive: true });
console.error(`fuzz: ${nseeds} seeds, ${seconds} s, ${workers} worker(s), corpus ${corpusDir}`);
const fuzzArgs = [corpusDir, seedDir, `-max_total_time=${seconds}`, '-timeout=60', '-rss_limit_mb=2048',
  '-max_len=131072', '-print_final_stats=1', `-artifact_prefix=${artifacts}`];
if (workers > 1) fuzzArgs.push(`-fork=${workers}`, '-ignore_crashes=0');
if (seed !== undefined) fuzzArgs.push(`-seed=${Number(seed)}`);
const started = Date.now();
const child = spawn(binary, fuzzArgs, {
  cwd: root,
  env: {
    ...process.env,
    GPU_RESIZE_THREADS: '1', // one request per worker: the parallel split is not what is fuzzed
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1'
  }
});
let log = '';
const keep = (chunk) => {
  const s = chunk.toString();
  log += s;
  if (log.length > 4e6) log = log.slice(-2e6);
  process.stderr.write(s.split('\n').filter((l) => !/^#\d+\s+(NEW|REDUCE)/.test(l)).join('\n'));
};
child.stdout.on('data', keep);
child.stderr.on('data', keep);
child.on('close', (status) => {
  const f = figures(log, status, (Date.now() - started) / 1000);
  console.log(JSON.stringify(f, null, 2));
  writeOut(f);
  if (status !== 0 || f.artifacts.length) {
    console.error(`fuzz: FAILED (exit ${status}); inputs in ${artifacts}`);
    process.exit(1);
  }
});
