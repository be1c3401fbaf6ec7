// A responsive image set from one JPEG: gpu-resize's toBuffers() (one decode, chained resizes)
// against the same outputs as separate gpu-resize calls and as separate sharp calls (sharp
// decodes once per output, as with clone()). Sets per second at each in-flight level, one
// contender at a time, and the backends that ran.
//
//   node bench/many.js [--seconds S] [--inflight 1,8,32] [--out DIR]
//
// Input: the benchmark photo (2725x2225). Outputs: widths 1920, 1280, 960, 640, 320 as JPEG q80.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const gr = require('..');
const sharp = require('sharp');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const seconds = Number(arg('seconds', 3));
const inflights = arg('inflight', '1,8,32').split(',').map(Number);
const out = arg('out', null);
const images = process.env.GPU_RESIZE_IMAGES || path.resolve(__dirname, '..', '..', 'shared', 'images');
const input = fs.readFileSync(path.join(images, '2569067123_aca715a2ee_o.jpg'));
const WIDTHS = [1920, 1280, 960, 640, 320];
const OUTPUTS = WIDTHS.map((width) => ({ width, format: 'jpeg', quality: 80 }));

const contenders = {
  'gpu-resize toBuffers': () => gr(input).toBuffers(OUTPUTS),
  'gpu-resize separate': () => Promise.all(WIDTHS.map((width) =>
    gr(input).resize(width).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true }))),
  'sharp separate': () => {
    const base = sharp(input);
    return Promise.all(WIDTHS.map((width) =>
      base.clone().resize(width).jpeg({ quality: 80 }).toBuffer({ resolveWithObject: true })));
  }
};

async function level (run, inflight, secs) {
  const lat = [];
  const backends = {};
  let sets = 0;
  const end = performance.now() + secs * 1000;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  async function loop () {
    while (performance.now() < end) {
      const s = performance.now();
      const set = await run();
      lat.push(performance.now() - s);
      sets++;
      for (const { info } of set) {
        const b = info.backend || 'sharp';
        backends[b] = (backends[b] || 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: inflight }, loop));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    inflight,
    setsPerSecond: +(sets / wall).toFixed(1),
    p50: +lat[lat.length >> 1].toFixed(2),
    cpuMsPerSet: +((cpu.user + cpu.system) / 1000 / sets).toFixed(1),
    backends
  };
}

(async () => {
  const rows = [];
  for (const [name, run] of Object.entries(contenders)) {
    await level(run, 4, 0.5); // warm up
    for (const inflight of inflights) {
      const r = { contender: name, ...(await level(run, inflight, seconds)) };
      rows.push(r);
      console.log(JSON.stringify(r));
    }
  }
  const table = ['| contender | in flight | sets/s | p50 ms | CPU ms/set | backends |', '|---|---:|---:|---:|---:|---|']
    .concat(rows.map((r) => `| ${r.contender} | ${r.inflight} | ${r.setsPerSecond} | ${r.p50} | ${r.cpuMsPerSet} | ${Object.entries(r.backends).map(([b, n]) => `${b} ${n}`).join(', ')} |`));
  console.log(table.join('\n'));
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0].model, gpu: gr.backends().gpu.device || null };
    fs.writeFileSync(path.join(out, 'many.json'), JSON.stringify({ machine, widths: WIDTHS, seconds, rows }, null, 2));
    fs.writeFileSync(path.join(out, 'many.md'), `Responsive set (widths ${WIDTHS.join(', ')}, JPEG q80) from the ${input.length}-byte 2725x2225 photo; ` +
      `${machine.cpus} cores, ${machine.gpu || 'no GPU'}; \`node bench/many.js --seconds ${seconds} --inflight ${inflights.join(',')}\`\n\n${table.join('\n')}\n`);
  }
})();
