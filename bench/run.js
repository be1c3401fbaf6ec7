#!/usr/bin/env node
// The gpu-resize benchmark: every task for gpu-resize (auto and each backend forced) and for
// sharp at its best settings, in the same process, contenders alternating in short slices.
//
//   npm run bench -- [--tasks 1,2,...] [--seconds S] [--inflight 1,4,16,64] [--out DIR]
//                    [--label NAME] [--contenders auto,gpu,cpu,vips,sharp] [--slice S]
//                    [--gpu-poll MS]   (nvidia-smi sampling interval, default 500; 0: none)
//
// See bench/README.md for what each figure means and the fairness rules.
'use strict';

const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, execFile } = require('node:child_process');
const { performance } = require('node:perf_hooks');

const CORES = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

// libuv's thread pool (which sharp runs requests on; gpu-resize has its own, GPU_RESIZE_WORKERS,
// the core count by default) reads UV_THREADPOOL_SIZE once, when it starts: re-run this script
// with it set to the core count.
if (process.env.UV_THREADPOOL_SIZE !== String(CORES) && !process.env.GR_BENCH_CHILD) {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(CORES), GR_BENCH_CHILD: '1' }
  });
  if (r.error) {
    console.error(r.error);
    process.exit(1);
  }
  process.exit(r.status === null ? 1 : r.status);
}

const { writeReport } = require('./report');
const { defineTasks } = require('./tasks');
const quality = require('./quality');

// ---- arguments ----
function parseArgs(argv) {
  const opts = {
    tasks: null,
    seconds: 5,
    inflight: [1, 4, 16, 64],
    out: null,
    label: os.hostname(),
    contenders: ['auto', 'gpu', 'cpu', 'vips', 'sharp'],
    slice: 1,
    gpuPoll: 500,
    images: path.resolve(__dirname, '..', '..', 'shared', 'images')
  };
  const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const value = () => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '--tasks': opts.tasks = list(value()).map(Number); break;
      case '--seconds': opts.seconds = Number(value()); break;
      case '--inflight': opts.inflight = list(value()).map(Number); break;
      case '--out': opts.out = path.resolve(value()); break;
      case '--label': opts.label = value(); break;
      case '--contenders': opts.contenders = list(value()); break;
      case '--slice': opts.slice = Number(value()); break;
      case '--gpu-poll': opts.gpuPoll = Number(value()); break;
      case '--images': opts.images = path.resolve(value()); break;
      case '-h': case '--help':
        console.log('usage: node bench/run.js [--tasks 1,2,...] [--seconds S] [--inflight 1,4,16,64] ' +
          '[--out DIR] [--label NAME] [--contenders auto,gpu,cpu,vips,sharp] [--slice S] [--gpu-poll MS] [--images DIR]');
        process.exit(0);
        break;
      default:
        console.error(`unknown argument ${a} (see --help)`);
        process.exit(2);
    }
  }
  if (!(opts.seconds > 0) || !(opts.slice > 0)) throw new Error('--seconds and --slice must be > 0');
  if (!opts.inflight.length || opts.inflight.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error('--inflight must be a list of positive integers');
  }
  const known = new Set(['auto', 'gpu', 'cpu', 'vips', 'sharp']);
  for (const c of opts.contenders) if (!known.has(c)) throw new Error(`unknown contender ${c}`);
  if (!opts.out) {
    const date = new Date().toISOString().slice(0, 10);
    const safe = String(opts.label).replace(/[^A-Za-z0-9._-]+/g, '_');
    opts.out = path.join(__dirname, 'results', `${safe}-${date}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const gr = require(path.resolve(__dirname, '..'));
const sharp = require('sharp');

sharp.cache(false);
const SHARP_DEFAULT_CONCURRENCY = sharp.concurrency(); // 1 on glibc without jemalloc, else cores

// ---- GPU memory poller (nvidia-smi, when present) ----
const gpuPoll = {
  available: false,
  current: null, // the slice being measured: {max, utilSum, utilN}
  baselineMB: null,
  driver: null,
  names: null,
  timer: null,
  busy: false,
  start() {
    const r = spawnSync('nvidia-smi', ['--query-gpu=memory.used,name,driver_version,memory.total',
      '--format=csv,noheader,nounits'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return;
    const rows = r.stdout.trim().split('\n').map((l) => l.split(',').map((x) => x.trim()));
    if (!rows.length || !rows[0][0]) return;
    this.available = true;
    this.baselineMB = rows.reduce((s, row) => s + Number(row[0]), 0);
    this.names = rows.map((row) => `${row[1]} (${row[3]} MiB)`);
    this.driver = rows[0][2];
    if (!(opts.gpuPoll > 0)) return; // --gpu-poll 0: the start figures only, no sampling
    this.timer = setInterval(() => this.sample(), opts.gpuPoll);
    this.timer.unref();
  },
  sample() {
    if (this.busy) return;
    this.busy = true;
    execFile('nvidia-smi', ['--query-gpu=memory.used,utilization.gpu', '--format=csv,noheader,nounits'],
      (err, stdout) => {
        this.busy = false;
        if (err || !this.current) return;
        let mem = 0, util = 0, n = 0;
        for (const line of stdout.trim().split('\n')) {
          const [m, u] = line.split(',').map((x) => Number(x.trim()));
          if (Number.isFinite(m)) mem += m;
          if (Number.isFinite(u)) { util += u; n++; }
        }
        this.current.max = Math.max(this.current.max, mem);
        if (n) { this.current.utilSum += util / n; this.current.utilN++; }
      });
  },
  stop() { if (this.timer) clearInterval(this.timer); }
};

// ---- progress line ----
const progress = {
  text: '',
  last: 0,
  tty: process.stderr.isTTY,
  set(text) {
    this.text = text;
    const now = Date.now();
    if (now - this.last < (this.tty ? 200 : 5000)) return;
    this.last = now;
    const cols = this.tty ? (process.stderr.columns || 120) - 1 : 200;
    process.stderr.write(`\r${text.slice(0, cols).padEnd(this.tty ? cols : 0)}${this.tty ? '' : '\n'}`);
  },
  done() { if (this.tty) process.stderr.write('\n'); this.last = 0; }
};

function log(line) {
  if (progress.tty && progress.text) process.stderr.write(`\r${' '.repeat((process.stderr.columns || 120) - 1)}\r`);
  console.log(line);
}

// ---- contenders ----
function makeContenders(backends) {
  const all = [
    { id: 'auto', family: 'gpu-resize', label: 'gpu-resize auto', lib: gr, backend: null },
    { id: 'gpu', family: 'gpu-resize', label: 'gpu-resize gpu', lib: gr, backend: 'gpu' },
    { id: 'cpu', family: 'gpu-resize', label: 'gpu-resize cpu', lib: gr, backend: 'cpu' },
    { id: 'vips', family: 'gpu-resize', label: 'gpu-resize vips', lib: gr, backend: 'vips' }
  ];
  const sharpLevels = [...new Set([SHARP_DEFAULT_CONCURRENCY, CORES])];
  for (const c of sharpLevels) {
    all.push({
      id: `sharp-c${c}`,
      family: 'sharp',
      label: `sharp concurrency ${c}${c === SHARP_DEFAULT_CONCURRENCY ? ' (default)' : ''}`,
      lib: sharp,
      concurrency: c
    });
  }
  const chosen = all.filter((c) => opts.contenders.includes(c.family === 'sharp' ? 'sharp' : c.id));
  for (const c of chosen) {
    c.available = true;
    c.reason = '';
    if (c.backend && backends[c.backend] && !backends[c.backend].available) {
      c.available = false;
      c.reason = backends[c.backend].reason || `${c.backend} backend unavailable`;
    }
  }
  return chosen;
}

// Puts the process in the contender's configuration. The C side reads GPU_RESIZE_BACKEND on
// each request; sharp.concurrency() is libvips' global thread count, which gpu-resize's vips
// backend shares (same libvips): its slices run at libvips' own default (0 = reset).
function configure(c) {
  if (c.backend) process.env.GPU_RESIZE_BACKEND = c.backend;
  else delete process.env.GPU_RESIZE_BACKEND;
  sharp.concurrency(c.family === 'sharp' ? c.concurrency : 0);
}

// ---- tasks: bench/tasks.js ----

// ---- statistics ----
function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

function newLevel() {
  return {
    ops: 0, wallMs: 0, lat: [], cpuUserUs: 0, cpuSystemUs: 0, peakRss: 0,
    gpuMax: null, gpuUtilSum: 0, gpuUtilN: 0, backends: {}, errors: 0, firstError: null, slices: 0
  };
}

function summarise(level) {
  const lat = Float64Array.from(level.lat).sort();
  const cpuMs = (level.cpuUserUs + level.cpuSystemUs) / 1000;
  const usedGpu = Boolean(level.backends.gpu);
  return {
    ops: level.ops,
    seconds: level.wallMs / 1000,
    slices: level.slices,
    opsPerSec: level.wallMs > 0 ? level.ops / (level.wallMs / 1000) : 0,
    p50Ms: percentile(lat, 0.5),
    p95Ms: percentile(lat, 0.95),
    meanMs: lat.length ? lat.reduce((s, x) => s + x, 0) / lat.length : null,
    cpuMsPerOp: level.ops ? cpuMs / level.ops : null,
    cpuUserMsPerOp: level.ops ? level.cpuUserUs / 1000 / level.ops : null,
    cpuSystemMsPerOp: level.ops ? level.cpuSystemUs / 1000 / level.ops : null,
    cpuUtilisation: level.wallMs > 0 ? cpuMs / level.wallMs : null, // cores busy on average
    peakRssMB: level.peakRss / 2 ** 20,
    gpuMemMB: usedGpu && level.gpuMax !== null ? level.gpuMax : null,
    gpuUtilPercent: usedGpu && level.gpuUtilN ? level.gpuUtilSum / level.gpuUtilN : null,
    backends: level.backends,
    errors: level.errors,
    firstError: level.firstError
  };
}

// ---- one slice: `inflight` workers issuing calls back to back for `seconds` ----
async function runSlice(task, contender, inflight, seconds, level, status) {
  configure(contender);
  const lib = contender.lib;
  let peak = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    const r = process.memoryUsage.rss();
    if (r > peak) peak = r;
  }, 50);
  const gpuSlice = { max: 0, utilSum: 0, utilN: 0 };
  gpuPoll.current = gpuSlice;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        const { info } = await task.call(lib, task.input).toBuffer({ resolveWithObject: true });
        level.lat.push(performance.now() - s);
        level.ops++;
        const b = contender.family === 'sharp' ? 'libvips' : (info.backend || 'unknown');
        level.backends[b] = (level.backends[b] || 0) + 1;
      } catch (err) {
        level.errors++;
        if (!level.firstError) level.firstError = String(err && err.message ? err.message : err);
        if (level.errors > 50 && level.errors > level.ops) return; // broken: stop this worker
      }
      status.ops++;
      progress.set(`${status.prefix} ${((performance.now() - status.t0) / 1000).toFixed(1)}s ops ${status.ops}`);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(rssTimer);
  const r = process.memoryUsage.rss();
  if (r > peak) peak = r;
  gpuPoll.current = null;
  level.wallMs += wall;
  level.cpuUserUs += cpu.user;
  level.cpuSystemUs += cpu.system;
  level.peakRss = Math.max(level.peakRss, peak);
  if (gpuPoll.available && gpuSlice.max > 0) level.gpuMax = Math.max(level.gpuMax || 0, gpuSlice.max);
  level.gpuUtilSum += gpuSlice.utilSum;
  level.gpuUtilN += gpuSlice.utilN;
  level.slices++;
  return wall / 1000;
}

// ---- main ----
function machineInfo(backends) {
  const cpus = os.cpus();
  return {
    label: opts.label,
    hostname: os.hostname(),
    timestamp: new Date().toISOString(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus.length ? cpus[0].model : 'unknown',
    cores: CORES,
    memoryGiB: os.totalmem() / 2 ** 30,
    gpu: backends.gpu && backends.gpu.available
      ? { device: backends.gpu.device, memoryGiB: backends.gpu.memory / 2 ** 30 }
      : { device: null, reason: backends.gpu ? backends.gpu.reason : 'no gpu backend' },
    nvidiaSmi: gpuPoll.available
      ? { gpus: gpuPoll.names, driver: gpuPoll.driver, baselineMemoryUsedMB: gpuPoll.baselineMB }
      : null,
    backends,
    versions: {
      node: process.version,
      sharp: sharp.versions.sharp,
      libvipsSharp: sharp.versions.vips,
      gpuResize: gr.versions['gpu-resize'],
      libvipsGpuResize: gr.versions.vips
    },
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE),
    sharpDefaultConcurrency: SHARP_DEFAULT_CONCURRENCY
  };
}

async function main() {
  gpuPoll.start();
  const backends = gr.backends();
  const contenders = makeContenders(backends);
  let tasks = defineTasks(opts.images);
  if (opts.tasks) {
    tasks = tasks.filter((t) => opts.tasks.includes(t.id));
    if (!tasks.length) throw new Error(`no task matches --tasks ${opts.tasks.join(',')}`);
  }
  fs.mkdirSync(opts.out, { recursive: true });

  const results = {
    machine: machineInfo(backends),
    config: {
      seconds: opts.seconds,
      slice: opts.slice,
      inflight: opts.inflight,
      contenders: contenders.map((c) => ({ id: c.id, label: c.label, family: c.family, backend: c.backend || null, concurrency: c.concurrency || null })),
      command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim()
    },
    tasks: []
  };
  log(`gpu-resize bench: ${results.machine.cpuModel}, ${CORES} cores, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE}, ` +
    `GPU ${results.machine.gpu.device || `unavailable (${results.machine.gpu.reason})`}`);
  for (const c of contenders) if (!c.available) log(`  ${c.label}: unavailable: ${c.reason}`);
  log(`  ${tasks.length} tasks x ${contenders.filter((c) => c.available).length} contenders x inflight ` +
    `${opts.inflight.join(',')} x ${opts.seconds}s; out ${opts.out}`);

  const tStart = performance.now();
  for (const [ti, task] of tasks.entries()) {
    task.input = await task.prepare();
    const meta = await sharp(task.input, task.rawIn ? { raw: task.rawIn } : undefined).metadata();
    const taskResult = {
      id: task.id, name: task.name, note: task.note,
      input: { bytes: task.input.length, format: task.rawIn ? 'raw' : meta.format, width: meta.width, height: meta.height, channels: meta.channels },
      contenders: []
    };
    // Reference output: sharp, same call (output does not depend on concurrency).
    configure(contenders.find((c) => c.family === 'sharp') || { family: 'sharp', concurrency: SHARP_DEFAULT_CONCURRENCY });
    const reference = await task.call(sharp, task.input).toBuffer();

    // Warm-up (2 calls each: first-use costs like CUDA init stay out of the figures) and quality.
    const states = [];
    for (const c of contenders) {
      const entry = { id: c.id, label: c.label, family: c.family, forcedBackend: c.backend || null, concurrency: c.concurrency || null, available: c.available, reason: c.reason };
      taskResult.contenders.push(entry);
      if (!c.available) continue;
      configure(c);
      try {
        let out;
        for (let i = 0; i < 2; i++) out = await task.call(c.lib, task.input).toBuffer({ resolveWithObject: true });
        entry.outputBytes = out.data.length;
        entry.outputWidth = out.info.width;
        entry.outputHeight = out.info.height;
        entry.warmupBackend = c.family === 'sharp' ? 'libvips' : out.info.backend;
        if (out.info.fallbackReason) entry.fallbackReason = out.info.fallbackReason;
        if (c.family === 'sharp') {
          entry.psnr = 'inf'; // the reference itself
          entry.ssim = 1;
          entry.qualityNote = 'reference';
        } else {
          const q = await quality.compare(sharp, out.data, reference, task.rawOut);
          entry.psnr = q.psnr === Infinity ? 'inf' : q.psnr;
          entry.ssim = q.ssim;
          if (q.error) entry.qualityNote = q.error;
        }
      } catch (err) {
        entry.available = false;
        entry.reason = `failed: ${err.message}`;
        log(`  task ${task.id}: ${c.label} failed in warm-up: ${err.message}`);
        continue;
      }
      states.push({ c, entry });
    }

    for (const inflight of opts.inflight) {
      const levels = new Map(states.map((s) => [s.c.id, newLevel()]));
      const used = new Map(states.map((s) => [s.c.id, 0]));
      // Round-robin: each contender in turn gets a slice, until each has had opts.seconds.
      for (;;) {
        const pending = states.filter((s) => used.get(s.c.id) < opts.seconds - 1e-3 &&
          !(levels.get(s.c.id).errors > 50 && levels.get(s.c.id).errors > levels.get(s.c.id).ops));
        if (!pending.length) break;
        for (const s of pending) {
          const left = opts.seconds - used.get(s.c.id);
          const seconds = left - opts.slice < 0.25 * opts.slice ? left : Math.min(opts.slice, left);
          const status = {
            prefix: `[task ${task.id} ${ti + 1}/${tasks.length}] ${s.c.label} inflight ${inflight} ` +
              `${used.get(s.c.id).toFixed(1)}/${opts.seconds}s`,
            t0: tStart,
            ops: levels.get(s.c.id).ops
          };
          progress.set(`${status.prefix} ${((performance.now() - tStart) / 1000).toFixed(1)}s ops ${status.ops}`);
          // The slice's real wall time (with the drain of the calls still in flight when it
          // ended) counts against the budget, so --seconds bounds the run's length.
          const wall = await runSlice(task, s.c, inflight, seconds, levels.get(s.c.id), status);
          used.set(s.c.id, used.get(s.c.id) + wall);
        }
      }
      for (const s of states) {
        s.entry.levels = s.entry.levels || {};
        s.entry.levels[inflight] = summarise(levels.get(s.c.id));
      }
    }

    // Best inflight per contender, sharp's best configuration, ratios.
    for (const s of states) {
      let best = null;
      for (const [k, v] of Object.entries(s.entry.levels || {})) {
        if (!best || v.opsPerSec > best.opsPerSec) best = { inflight: Number(k), ...v };
      }
      s.entry.best = best ? { inflight: best.inflight, opsPerSec: best.opsPerSec, p50Ms: best.p50Ms, p95Ms: best.p95Ms } : null;
      const counts = {};
      for (const v of Object.values(s.entry.levels || {})) {
        for (const [b, n] of Object.entries(v.backends)) counts[b] = (counts[b] || 0) + n;
      }
      s.entry.backendCounts = counts;
    }
    const sharpEntries = taskResult.contenders.filter((e) => e.family === 'sharp' && e.best);
    const sharpBest = sharpEntries.reduce((a, e) => (!a || e.best.opsPerSec > a.best.opsPerSec ? e : a), null);
    if (sharpBest) {
      sharpBest.sharpBest = true;
      taskResult.sharpBest = { id: sharpBest.id, opsPerSec: sharpBest.best.opsPerSec, inflight: sharpBest.best.inflight };
    }
    for (const e of taskResult.contenders) {
      e.ratioVsSharp = e.best && sharpBest && sharpBest.best.opsPerSec > 0
        ? e.best.opsPerSec / sharpBest.best.opsPerSec : null;
    }
    results.tasks.push(taskResult);
    results.wallSeconds = (performance.now() - tStart) / 1000;
    delete task.input;
    writeReport(opts.out, results); // after every task: a cut-short run keeps what it measured
    progress.done();
    const line = taskResult.contenders
      .filter((e) => e.best)
      .map((e) => `${e.id} ${e.best.opsPerSec.toFixed(1)}/s${e.ratioVsSharp ? ` (x${e.ratioVsSharp.toFixed(2)})` : ''}`)
      .join(', ');
    log(`task ${task.id} ${task.name}: ${line}`);
  }
  gpuPoll.stop();
  progress.done();
  log(`done in ${((performance.now() - tStart) / 1000).toFixed(0)} s: ${path.join(opts.out, 'results.md')}`);
}

main().catch((err) => {
  progress.done();
  console.error(err);
  process.exit(1);
});
