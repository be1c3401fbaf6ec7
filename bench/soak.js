#!/usr/bin/env node
// Soak: many mixed requests (formats, sizes, fits, kernels, backends, some bad inputs) with many
// in flight, while RSS (and GPU memory where nvidia-smi is) is sampled. It passes when every
// request was answered with the expected outcome (good inputs resolve, bad ones reject with an
// Error), nothing stalled, and memory is flat at the end.
//
//   node bench/soak.js [--requests 100000] [--inflight 1000] [--backends auto,cpu,vips,gpu]
//                      [--sample-ms 1000] [--stall-s 120] [--max-seconds S] [--photo] [--out DIR]
//
// One worker process per backend in --backends (GPU_RESIZE_BACKEND is read by the addon per
// request, so each process has its own): requests and the in-flight budget are split evenly and
// run at the same time. 'auto' itself mixes backends (libvips for GIF input and the mks kernels,
// the GPU for large images where one is). RSS is the sum over the workers. --out writes
// DIR/soak.json and DIR/soak.md. Exit status 0 only when the soak passed.
// --max-seconds: no new request after S seconds; those started are drained and reported (for a
// machine lent for a bounded time). SIGTERM/SIGINT also report what was done before exiting.
// --photo: the 2725x2225 benchmark photo joins the inputs (GPU decode and batches on a GPU).
'use strict';

const { fork, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// ---- the worker ----

if (process.env.GR_SOAK_WORKER) {
  const gpu = require('../js');
  const images = process.env.GPU_RESIZE_IMAGES || path.resolve(__dirname, '..', '..', 'shared', 'images');
  const corpus = path.join(__dirname, '..', 'test', 'badinput', 'corpus');
  const read = (dir, f) => fs.readFileSync(path.join(dir, f));

  function pattern (width, height, channels) {
    const data = Buffer.alloc(width * height * channels);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9) * 13) & 255;
    return { data, raw: { width, height, channels } };
  }
  // Good inputs: the shared images (JPEG with EXIF orientation, greyscale JPEG, WebP with alpha,
  // a 1000x1000 PNG, a 1920x1080 JPEG, a GIF for libvips), small valid files, raw pixels.
  const good = [
    ['320x240.jpg', read(images, '320x240.jpg')],
    ['Landscape_6.jpg', read(images, 'Landscape_6.jpg')],
    ['concert.jpg', read(images, 'concert.jpg')],
    ['5_webp_a.webp', read(images, '5_webp_a.webp')],
    ['4.webp', read(images, '4.webp')],
    ['gradients-rgb8.png', read(images, 'gradients-rgb8.png')],
    ['flowers.jpeg', read(images, 'flowers.jpeg')],
    ['Crash_test.gif', read(images, 'Crash_test.gif')],
    ['valid.jpg', read(corpus, 'valid.jpg')],
    ['valid.png', read(corpus, 'valid.png')],
    ['valid-lossless-alpha.webp', read(corpus, 'valid-lossless-alpha.webp')],
    ['raw 256x256x3', pattern(256, 256, 3)],
    ['raw 300x200x4', pattern(300, 200, 4)]
  ];
  if (process.env.GR_SOAK_PHOTO === '1') {
    const photo = read(images, '2569067123_aca715a2ee_o.jpg');
    good.push(['2569067123_aca715a2ee_o.jpg', photo], ['2569067123_aca715a2ee_o.jpg', photo]);
  }
  // Bad inputs that every backend rejects whatever the options.
  const bad = ['jpeg-soi-only.jpg', 'jpeg-truncated-half.jpg', 'jpeg-bomb-65000x65000.jpg', 'png-zero-width.png',
    'png-idat-truncated.png', 'png-bomb-100000x100000.png', 'webp-truncated-half.webp', 'webp-riff-only.webp',
    'text.jpg', 'gif-truncated.gif'].map((f) => [f, read(corpus, f)]);
  bad.push(['raw too short', { data: Buffer.alloc(100), raw: { width: 64, height: 64, channels: 3 } }]);

  // A small deterministic generator (mulberry32), seeded per worker.
  let seed = Number(process.env.GR_SOAK_SEED) >>> 0;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(rand() * list.length)];

  function makeRequest () {
    const isBad = rand() < 0.03;
    const [name, input] = isBad ? pick(bad) : pick(good);
    const img = Buffer.isBuffer(input) ? gpu(input) : gpu(input.data, { raw: input.raw });
    const width = 8 + Math.floor(rand() * 600);
    const height = rand() < 0.5 ? null : 8 + Math.floor(rand() * 600);
    const fit = pick(['cover', 'contain', 'fill', 'inside', 'outside']);
    img.resize(width, height, {
      fit,
      kernel: rand() < 0.9 ? 'lanczos3' : pick(['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'mks2013'])
    });
    const rotate = rand() < 0.1;
    if (rotate) img.rotate();
    const format = pick(['jpeg', 'png', 'webp', 'raw']);
    img.toFormat(format, format === 'png' ? { compressionLevel: 2 } : format === 'webp' ? { effort: 1 } : {});
    const desc = `${name} -> ${width}x${height || 'auto'} ${fit}${rotate ? ' rotate' : ''} ${format}`;
    return { name, desc, isBad, promise: img.toBuffer({ resolveWithObject: true }) };
  }

  let total = Number(process.env.GR_SOAK_REQUESTS);
  const inflight = Number(process.env.GR_SOAK_INFLIGHT);
  const stats = {
    started: 0,
    resolved: 0,
    rejected: 0,
    unexpected: [], // first few outcomes that were not what the input should give
    unexpectedCount: 0,
    backends: {},
    errors: {}
  };
  let active = 0;
  let peakActive = 0;
  // The slowest requests answered, and the ones in flight (to see what a slow tail waits for).
  const slowest = [];
  const inFlight = new Map();
  let nextId = 0;
  const native = require('../js/native');
  const batches = () => { try { return native.jpegBatches(); } catch { return null; } };
  const unexpected = (what) => {
    stats.unexpectedCount++;
    if (stats.unexpected.length < 10) stats.unexpected.push(what);
  };
  const report = (done) => process.connected && process.send({
    done,
    rss: process.memoryUsage.rss(),
    heapUsed: process.memoryUsage().heapUsed,
    external: process.memoryUsage().external,
    active,
    peakActive,
    slowest,
    oldestInFlight: [...inFlight.values()].sort((a, b) => a.t0 - b.t0).slice(0, 5)
      .map((r) => ({ desc: r.desc, ageMs: Math.round(performance.now() - r.t0) })),
    jpegBatches: batches(),
    ...stats
  });

  function launch () {
    while (active < inflight && stats.started < total) {
      const { name, desc, isBad, promise } = makeRequest();
      const id = nextId++;
      const t0 = performance.now();
      inFlight.set(id, { desc, t0 });
      stats.started++;
      active++;
      peakActive = Math.max(peakActive, active);
      promise.then(({ data, info }) => {
        const ms = performance.now() - t0;
        if (slowest.length < 8 || ms > slowest[slowest.length - 1].ms) {
          slowest.push({ desc, ms: Math.round(ms), backend: info.backend, gpuDecoded: Boolean(info.gpuDecoded), gpuEncoded: Boolean(info.gpuEncoded) });
          slowest.sort((a, b) => b.ms - a.ms);
          slowest.length = Math.min(slowest.length, 8);
        }
        stats.resolved++;
        stats.backends[info.backend] = (stats.backends[info.backend] || 0) + 1;
        if (isBad) unexpected(`${name}: resolved`);
        if (!Buffer.isBuffer(data) || data.length !== info.size || data.length === 0) unexpected(`${name}: bad output`);
      }, (err) => {
        stats.rejected++;
        const key = String(err && err.message).split('\n')[0].slice(0, 80);
        stats.errors[key] = (stats.errors[key] || 0) + 1;
        if (!isBad) unexpected(`${name}: ${key}`);
        if (!(err instanceof Error) || !err.message) unexpected(`${name}: not an Error with a message`);
      }).finally(() => {
        inFlight.delete(id);
        active--;
        if (stats.started < total) {
          setImmediate(launch);
        } else if (active === 0) {
          launch.finishIdle();
        }
      });
    }
  }
  // settle, collect garbage, then the final figures
  launch.finishIdle = () => setTimeout(() => {
    if (global.gc) global.gc();
    setTimeout(() => {
      report(true);
      if (process.connected) process.disconnect();
    }, 1000);
  }, 1000);
  process.on('message', (m) => {
    if (m === 'sample') report(false);
    if (m === 'start') launch();
    if (m === 'stop' && stats.started < total) {
      total = stats.started; // drain what is in flight, then report as done
      stats.stopped = true;
      if (active === 0) launch.finishIdle();
    }
  });
  process.send({ ready: true });
  return;
}

// ---- the coordinator ----

function parseArgs (argv) {
  const opts = { requests: 100000, inflight: 1000, backends: ['auto', 'cpu', 'vips', 'gpu'], sampleMs: 1000, stallS: 120, maxSeconds: 0, photo: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const next = () => (inline !== undefined ? inline : argv[++i]);
    switch (key) {
      case '--requests': opts.requests = Number(next()); break;
      case '--inflight': opts.inflight = Number(next()); break;
      case '--backends': opts.backends = next().split(','); break;
      case '--sample-ms': opts.sampleMs = Number(next()); break;
      case '--stall-s': opts.stallS = Number(next()); break;
      case '--max-seconds': opts.maxSeconds = Number(next()); break;
      case '--photo': opts.photo = true; break;
      case '--out': opts.out = path.resolve(next()); break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!(opts.requests > 0) || !(opts.inflight > 0) || opts.backends.length === 0) {
    throw new Error('--requests and --inflight must be positive, --backends not empty');
  }
  return opts;
}

function gpuMemory () {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.used,memory.total', '--format=csv,noheader,nounits'],
      { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const [used, totalMiB] = out.trim().split('\n')[0].split(',').map((x) => Number(x.trim()));
    return Number.isFinite(used) ? { usedMiB: used, totalMiB } : null;
  } catch {
    return null;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};
const mib = (b) => Math.round(b / 1048576 * 10) / 10;

function main () {
  const opts = parseArgs(process.argv.slice(2));
  const gpuResize = require('../js');
  const backendInfo = gpuResize.backends();
  const withNvidiaSmi = gpuMemory() !== null;
  const n = opts.backends.length;
  const workers = opts.backends.map((backend, i) => {
    const requests = Math.floor(opts.requests / n) + (i < opts.requests % n ? 1 : 0);
    const inflight = Math.max(1, Math.floor(opts.inflight / n) + (i < opts.inflight % n ? 1 : 0));
    const child = fork(__filename, [], {
      execArgv: ['--expose-gc'],
      env: {
        ...process.env,
        GR_SOAK_WORKER: '1',
        GR_SOAK_SEED: String(1234 + i),
        GR_SOAK_REQUESTS: String(requests),
        GR_SOAK_INFLIGHT: String(inflight),
        GR_SOAK_PHOTO: opts.photo ? '1' : '0',
        GPU_RESIZE_BACKEND: backend
      }
    });
    return { backend, requests, inflight, child, last: null, exited: null, ready: false };
  });

  const started = Date.now();
  const samples = [];
  let lastProgress = Date.now();
  let lastSettled = -1;
  let stalled = false;

  const sample = () => {
    // A worker that has reported its final figures disconnects before it exits: not asked again.
    for (const w of workers) if (w.child.connected) w.child.send('sample');
    const have = workers.filter((w) => w.last);
    if (have.length < workers.length) return;
    const settled = have.reduce((s, w) => s + w.last.resolved + w.last.rejected, 0);
    if (settled !== lastSettled) {
      lastSettled = settled;
      lastProgress = Date.now();
    }
    const s = {
      t: Math.round((Date.now() - started) / 100) / 10,
      settled,
      active: have.reduce((a, w) => a + w.last.active, 0),
      rssMiB: mib(have.reduce((a, w) => a + w.last.rss, 0)),
      heapMiB: mib(have.reduce((a, w) => a + w.last.heapUsed, 0)),
      externalMiB: mib(have.reduce((a, w) => a + w.last.external, 0))
    };
    if (withNvidiaSmi) {
      const g = gpuMemory();
      if (g) s.gpuUsedMiB = g.usedMiB;
    }
    samples.push(s);
    if (samples.length % 10 === 1) {
      console.error(`soak: ${s.t}s ${s.settled}/${opts.requests} answered, ${s.active} in flight, RSS ${s.rssMiB} MiB` +
        (s.gpuUsedMiB !== undefined ? `, GPU ${s.gpuUsedMiB} MiB` : ''));
    }
    if (Date.now() - lastProgress > opts.stallS * 1000 && !stalled) {
      stalled = true;
      console.error(`soak: no request answered for ${opts.stallS} s: stalled`);
      finish();
    }
  };
  const timer = setInterval(sample, opts.sampleMs);
  let stopTimer = null;
  if (opts.maxSeconds > 0) {
    stopTimer = setTimeout(() => {
      console.error(`soak: ${opts.maxSeconds} s: no new requests; draining`);
      for (const w of workers) if (w.child.connected) w.child.send('stop');
    }, opts.maxSeconds * 1000);
  }
  const interrupted = (signal) => {
    console.error(`soak: ${signal}: reporting what was done`);
    sample();
    finish(signal);
  };
  process.once('SIGTERM', interrupted);
  process.once('SIGINT', interrupted);

  let finished = false;
  function finish (signal) {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    clearTimeout(stopTimer);
    for (const w of workers) if (w.exited === null) w.child.kill('SIGKILL');
    const result = summarise(opts, workers, samples, Date.now() - started, stalled, backendInfo, withNvidiaSmi, signal);
    console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
    if (opts.out) writeOut(opts, result);
    process.exitCode = result.passed ? 0 : 1;
  }

  for (const w of workers) {
    w.child.on('message', (m) => {
      if (m.ready) {
        w.ready = true;
        if (workers.every((x) => x.ready)) workers.forEach((x) => x.child.send('start'));
        return;
      }
      w.last = m;
      if (m.done) w.final = m;
    });
    w.child.on('exit', (code, signal) => {
      w.exited = signal || code;
      if (workers.every((x) => x.exited !== null)) {
        sample();
        finish();
      }
    });
  }
}

function summarise (opts, workers, samples, ms, stalled, backendInfo, withNvidiaSmi, signal) {
  const per = workers.map((w) => {
    const f = w.final || w.last || {};
    // Stopped by --max-seconds: the requests it started are the ones it owes an answer.
    const requests = f.stopped ? f.started : w.requests;
    return {
      backend: w.backend,
      requests,
      stopped: Boolean(f.stopped),
      inflight: w.inflight,
      peakInflight: f.peakActive || 0,
      resolved: f.resolved || 0,
      rejected: f.rejected || 0,
      unanswered: requests - (f.resolved || 0) - (f.rejected || 0),
      unexpected: f.unexpectedCount || 0,
      unexpectedExamples: f.unexpected || [],
      ranOn: f.backends || {},
      errors: f.errors || {},
      finalRssMiB: f.rss ? mib(f.rss) : null,
      slowest: f.slowest || [],
      oldestInFlight: f.oldestInFlight || [],
      jpegBatches: f.jpegBatches || null,
      exit: w.exited
    };
  });
  const answered = per.reduce((a, p) => a + p.resolved + p.rejected, 0);
  const requests = per.reduce((a, p) => a + p.requests, 0);
  const unanswered = requests - answered;
  const unexpected = per.reduce((a, p) => a + p.unexpected, 0);
  // Flat memory: after the warm-up (first quarter) RSS must level off: the median of the last
  // quarter at most 10% (and 64 MiB) above the median of the second quarter.
  const running = samples.filter((s) => s.settled < requests);
  const q = Math.floor(running.length / 4);
  const second = median(running.slice(q, 2 * q).map((s) => s.rssMiB));
  const last = median(running.slice(3 * q).map((s) => s.rssMiB));
  const growth = last - second;
  const flat = running.length >= 8 ? growth <= Math.max(64, second * 0.1) : null;
  const gpuSamples = samples.filter((s) => s.gpuUsedMiB !== undefined);
  const gpu = gpuSamples.length
    ? {
        source: 'nvidia-smi',
        startMiB: gpuSamples[0].gpuUsedMiB,
        peakMiB: Math.max(...gpuSamples.map((s) => s.gpuUsedMiB)),
        endMiB: gpuSamples[gpuSamples.length - 1].gpuUsedMiB
      }
    : { source: withNvidiaSmi ? 'nvidia-smi' : 'none', note: backendInfo.gpu && backendInfo.gpu.available ? 'GPU available, nvidia-smi absent' : `no GPU: ${(backendInfo.gpu && backendInfo.gpu.reason) || 'unavailable'}` };
  const passed = !stalled && !signal && unanswered === 0 && unexpected === 0 && flat !== false &&
    per.every((p) => p.exit === 0);
  return {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model.trim()}, ${mib(os.totalmem())} MiB, Node ${process.version}`,
    command: `node bench/soak.js --requests ${opts.requests} --inflight ${opts.inflight} --backends ${opts.backends.join(',')}` +
      (opts.maxSeconds > 0 ? ` --max-seconds ${opts.maxSeconds}` : '') + (opts.photo ? ' --photo' : '') +
      (opts.out ? ` --out ${path.relative(process.cwd(), opts.out) || '.'}` : ''),
    requests,
    requested: opts.requests,
    stoppedAfterSeconds: per.some((p) => p.stopped) ? opts.maxSeconds : null,
    interrupted: signal || null,
    inflight: opts.inflight,
    seconds: Math.round(ms / 100) / 10,
    requestsPerSecond: Math.round(answered / (ms / 1000)),
    answered,
    unanswered,
    unexpected,
    stalled,
    rss: {
      firstMiB: samples.length ? samples[0].rssMiB : null,
      peakMiB: samples.length ? Math.max(...samples.map((s) => s.rssMiB)) : null,
      secondQuarterMedianMiB: second,
      lastQuarterMedianMiB: last,
      growthMiB: Math.round(growth * 10) / 10,
      flat,
      afterIdleMiB: per.every((p) => p.finalRssMiB !== null) ? Math.round(per.reduce((a, p) => a + p.finalRssMiB, 0) * 10) / 10 : null
    },
    gpuMemory: gpu,
    workers: per,
    passed,
    samples
  };
}

function writeOut (opts, r) {
  fs.mkdirSync(opts.out, { recursive: true });
  // The samples one per line, as arrays: thousands of them would otherwise fill the file.
  const fields = ['t', 'settled', 'active', 'rssMiB', 'heapMiB', 'externalMiB', 'gpuUsedMiB'];
  const rows = r.samples.map((s) => '    ' + JSON.stringify(fields.map((f) => (s[f] === undefined ? null : s[f]))));
  const json = JSON.stringify({ ...r, sampleFields: fields, samples: '@samples' }, null, 2)
    .replace('"@samples"', `[\n${rows.join(',\n')}\n  ]`);
  fs.writeFileSync(path.join(opts.out, 'soak.json'), json + '\n');
  const workerRows = r.workers.map((p) => `| ${p.backend} | ${p.requests} | ${p.peakInflight} | ${p.resolved} | ${p.rejected} | ${p.unanswered} | ${p.unexpected} | ${Object.entries(p.ranOn).map(([k, v]) => `${k} ${v}`).join(', ')} | ${p.finalRssMiB} |`);
  // RSS over time, in at most 20 rows.
  const step = Math.max(1, Math.ceil(r.samples.length / 20));
  const timeline = r.samples.filter((_, i) => i % step === 0 || i === r.samples.length - 1)
    .map((s) => `| ${s.t} | ${s.settled} | ${s.active} | ${s.rssMiB} | ${s.heapMiB} | ${s.externalMiB} |${s.gpuUsedMiB !== undefined ? ` ${s.gpuUsedMiB} |` : ''}`);
  const gpuCol = r.samples.some((s) => s.gpuUsedMiB !== undefined);
  const errors = {};
  for (const p of r.workers) for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] || 0) + v;
  const md = [
    `# Soak: ${r.requests} requests, up to ${r.inflight} in flight`, '',
    `${r.passed ? 'PASSED' : 'FAILED'} on ${r.machine}, ${r.date}.`, '',
    ...(r.stoppedAfterSeconds ? [`Stopped issuing requests after ${r.stoppedAfterSeconds} s (--max-seconds): ${r.requests} of the ${r.requested} asked for were started.`, ''] : []),
    ...(r.interrupted ? [`INTERRUPTED by ${r.interrupted}: the figures cover what was done until then.`, ''] : []),
    `Command: \`${r.command}\``, '',
    `- ${r.answered} of ${r.requests} answered (${r.unanswered} unanswered), ${r.unexpected} unexpected outcomes, ` +
      `${r.stalled ? 'STALLED' : 'no stall'}; ${r.seconds} s, ${r.requestsPerSecond} requests/s.`,
    `- RSS (all workers): first sample ${r.rss.firstMiB} MiB, peak ${r.rss.peakMiB} MiB, median of the second quarter ` +
      `${r.rss.secondQuarterMedianMiB} MiB, of the last quarter ${r.rss.lastQuarterMedianMiB} MiB (growth ${r.rss.growthMiB} MiB: ` +
      `${r.rss.flat === null ? 'too short to judge' : r.rss.flat ? 'flat' : 'NOT flat'}); after the run and a GC, ${r.rss.afterIdleMiB} MiB.`,
    `- GPU memory: ${r.gpuMemory.source === 'nvidia-smi' && r.gpuMemory.startMiB !== undefined
      ? `start ${r.gpuMemory.startMiB} MiB, peak ${r.gpuMemory.peakMiB} MiB, end ${r.gpuMemory.endMiB} MiB (nvidia-smi)`
      : r.gpuMemory.note}.`, '',
    '| worker (GPU_RESIZE_BACKEND) | requests | peak in flight | resolved | rejected | unanswered | unexpected | ran on | RSS at end (MiB) |',
    '|---|---|---|---|---|---|---|---|---|', ...workerRows, '',
    'Rejections by message (bad inputs are about 3% of requests):', '',
    '| message | count |', '|---|---|',
    ...Object.entries(errors).sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${k.replace(/\|/g, '\\|')} | ${v} |`), '',
    'Over time:', '',
    `| s | answered | in flight | RSS MiB | JS heap MiB | external MiB |${gpuCol ? ' GPU used MiB |' : ''}`,
    `|---|---|---|---|---|---|${gpuCol ? '---|' : ''}`, ...timeline, '',
    'Slowest requests answered, per worker (and the oldest still in flight at its last report):', '',
    ...r.workers.flatMap((p) => [
      `- ${p.backend}: ${(p.slowest || []).map((x) => `${x.desc} ${x.ms} ms on ${x.backend}${x.gpuDecoded ? ' (GPU decode)' : ''}`).join('; ') || 'none'}` +
        ((p.oldestInFlight || []).length ? `; in flight: ${p.oldestInFlight.map((x) => `${x.desc} for ${x.ageMs} ms`).join('; ')}` : ''),
      ...(p.jpegBatches && p.jpegBatches.batches ? [`  GPU JPEG batches: ${JSON.stringify(p.jpegBatches)}`] : [])
    ]), ''
  ].join('\n');
  fs.writeFileSync(path.join(opts.out, 'soak.md'), md);
}

if (require.main === module) {
  main();
}
module.exports = { writeOut };
