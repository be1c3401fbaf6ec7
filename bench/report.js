// Writes results.json, results.md and chart.svg from the benchmark's results object.
// Also a CLI: `node bench/report.js DIR` re-renders results.md and chart.svg from DIR/results.json.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const SERIES = [
  { key: 'auto', label: 'gpu-resize auto', colour: '#1f77b4' },
  { key: 'gpu', label: 'gpu-resize gpu', colour: '#2ca02c' },
  { key: 'cpu', label: 'gpu-resize cpu', colour: '#ff7f0e' },
  { key: 'vips', label: 'gpu-resize vips', colour: '#9467bd' },
  { key: 'sharp', label: 'sharp (best config)', colour: '#7f7f7f' }
];

const SHORT = {
  1: ['1: JPEG 2725x2225', '-> 720x588 JPEG'],
  2: ['2: JPEG 3840x2160', '-> 1920x1080 JPEG'],
  3: ['3: raw RGB 3840x2160', '-> 1920x1080 raw'],
  4: ['4: PNG RGBA 2048x1536', '-> 720x540 PNG'],
  5: ['5: WebP 1024x772', '-> 275x184 WebP'],
  6: ['6: JPEG 720x588', '-> 2880x2352 JPEG']
};

const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(d));
const fmtOps = (x) => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); // SVG text
const md = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' '); // markdown table cell

function backendRan(e) {
  const counts = e.backendCounts || {};
  const total = Object.values(counts).reduce((s, n) => s + n, 0);
  if (!total) return e.warmupBackend || '—';
  const parts = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (parts.length === 1) return parts[0][0];
  return parts.map(([b, n]) => `${b} ${((100 * n) / total).toFixed(0)}%`).join(', ');
}

// The entry of a series in a task: our contenders by id, sharp by its best configuration.
function seriesEntry(task, key) {
  if (key === 'sharp') return task.contenders.find((e) => e.sharpBest) || task.contenders.find((e) => e.family === 'sharp');
  return task.contenders.find((e) => e.id === key);
}

function markdown(results) {
  const m = results.machine;
  const lines = [];
  lines.push(`# gpu-resize benchmark: ${m.label}`);
  lines.push('');
  lines.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB RAM; ${m.platform}`);
  lines.push(`- GPU: ${m.gpu.device ? `${m.gpu.device}, ${m.gpu.memoryGiB.toFixed(1)} GiB` : `none (${m.gpu.reason})`}` +
    (m.nvidiaSmi ? `; driver ${m.nvidiaSmi.driver}; GPU memory used before the run ${m.nvidiaSmi.baselineMemoryUsedMB} MiB` : ''));
  lines.push(`- Versions: node ${m.versions.node}, sharp ${m.versions.sharp} (libvips ${m.versions.libvipsSharp}), gpu-resize ${m.versions.gpuResize} (libvips ${m.versions.libvipsGpuResize})`);
  lines.push(`- Run: ${m.timestamp}, \`${results.config.command}\`; ${results.config.seconds} s per contender per inflight level in ${results.config.slice} s round-robin slices; UV_THREADPOOL_SIZE=${m.uvThreadpoolSize}; sharp.cache(false); sharp default concurrency ${m.sharpDefaultConcurrency}; wall ${fmt(results.wallSeconds, 0)} s`);
  lines.push('');
  lines.push('## Summary: best ops/s (ratio vs sharp\'s best)');
  lines.push('');
  const head = ['task', ...SERIES.map((s) => s.label)];
  lines.push(`| ${head.join(' | ')} |`);
  lines.push(`|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
  for (const t of results.tasks) {
    const cells = SERIES.map((s) => {
      const e = seriesEntry(t, s.key);
      if (!e) return 'not run';
      if (!e.available || !e.best) return 'unavailable';
      const ratio = s.key === 'sharp' ? '' : ` (x${fmt(e.ratioVsSharp, 2)})`;
      const note = s.key === 'sharp' ? ` (c${e.concurrency})` : '';
      return `${fmtOps(e.best.opsPerSec)}${ratio}${note}`;
    });
    lines.push(`| ${t.id}: ${md(t.name)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  const inflight = results.config.inflight;
  for (const t of results.tasks) {
    lines.push(`## Task ${t.id}: ${md(t.name)}`);
    lines.push('');
    lines.push(`Input: ${t.input.format} ${t.input.width}x${t.input.height}x${t.input.channels}, ${(t.input.bytes / 1024).toFixed(0)} KB. ${md(t.note || '')}`);
    lines.push('');
    const cols = ['contender', 'backend ran', ...inflight.map((n) => `ops/s @${n}`), 'best inflight', 'p50 ms', 'p95 ms',
      'CPU ms/op', 'peak RSS MB', 'GPU MB', 'output KB', 'PSNR dB', 'SSIM', 'ratio vs sharp'];
    lines.push(`| ${cols.join(' | ')} |`);
    lines.push(`|${cols.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
    for (const e of t.contenders) {
      const name = `${md(e.label)}${e.sharpBest ? ' **(best sharp)**' : ''}`;
      if (!e.available || !e.best) {
        lines.push(`| ${name} | unavailable: ${md(e.reason || 'not run')} |${' — |'.repeat(cols.length - 2)}`);
        continue;
      }
      const b = e.levels[e.best.inflight];
      const psnr = e.psnr === 'inf' ? (e.qualityNote === 'reference' ? 'ref' : '∞ (identical)') : fmt(e.psnr, 2);
      const ssim = e.qualityNote === 'reference' ? 'ref' : fmt(e.ssim, 4);
      lines.push(`| ${[
        name,
        md(backendRan(e)),
        ...inflight.map((n) => (e.levels[n] ? fmtOps(e.levels[n].opsPerSec) : '—')),
        e.best.inflight,
        fmt(b.p50Ms, 1),
        fmt(b.p95Ms, 1),
        fmt(b.cpuMsPerOp, 1),
        fmt(b.peakRssMB, 0),
        b.gpuMemMB === null ? '—' : fmt(b.gpuMemMB, 0),
        fmt(e.outputBytes / 1024, 1),
        psnr,
        ssim,
        e.ratioVsSharp === null ? '—' : `x${fmt(e.ratioVsSharp, 2)}`
      ].join(' | ')} |`);
      const errs = Object.values(e.levels).reduce((s, l) => s + l.errors, 0);
      if (errs) lines.push(`| ↳ ${errs} errors, first: ${md(Object.values(e.levels).find((l) => l.firstError).firstError)} |${' |'.repeat(cols.length - 1)}`);
    }
    lines.push('');
  }
  lines.push('Figures: ops/s = completed calls / wall time with N calls in flight; p50/p95 = per-call latency at the best inflight level; ' +
    'CPU ms/op = process CPU time (user+system) / ops at that level; peak RSS = max of process RSS sampled every 50 ms during that level\'s slices (process-wide, ' +
    'includes memory kept by earlier contenders); GPU MB = max nvidia-smi memory.used (whole device) while a GPU contender ran; ' +
    'PSNR/SSIM = our decoded output against sharp\'s decoded output for the same call (SSIM: luma, 8x8 windows). See bench/README.md.');
  lines.push('');
  return lines.join('\n');
}

function chart(results) {
  const tasks = results.tasks;
  const m = results.machine;
  const barW = 22, barGap = 3, groupGap = 64;
  const groupW = SERIES.length * (barW + barGap) - barGap;
  const left = 80, right = 30, top = 90, plotH = 380, bottom = 70;
  const width = Math.max(640, left + right + tasks.length * (groupW + groupGap) + groupGap);
  const height = top + plotH + bottom;
  const values = [];
  for (const t of tasks) {
    for (const s of SERIES) {
      const e = seriesEntry(t, s.key);
      if (e && e.best && e.best.opsPerSec > 0) values.push(e.best.opsPerSec);
    }
  }
  const lo = values.length ? Math.pow(10, Math.floor(Math.log10(Math.min(...values)))) : 1;
  let hi = values.length ? Math.pow(10, Math.ceil(Math.log10(Math.max(...values)))) : 10;
  if (hi <= lo) hi = lo * 10;
  const y = (v) => top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  const gpuText = m.gpu.device ? `${m.gpu.device}` : 'no GPU';
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="bold">gpu-resize vs sharp: best ops/s per task (log scale, higher is better)</text>`);
  out.push(`<text x="${left}" y="44" font-size="12" fill="#444">${esc(m.label)}: ${esc(m.cpuModel)}, ${m.cores} cores, ${esc(gpuText)}; ${results.config.seconds} s per contender per inflight level ${esc(results.config.inflight.join('/'))}</text>`);
  // legend
  let lx = left;
  for (const s of SERIES) {
    out.push(`<rect x="${lx}" y="58" width="12" height="12" fill="${s.colour}"/>`);
    out.push(`<text x="${lx + 16}" y="69" font-size="12">${esc(s.label)}</text>`);
    lx += 28 + s.label.length * 6.6;
  }
  // grid and y axis
  for (let d = Math.log10(lo); d <= Math.log10(hi) + 1e-9; d++) {
    for (const k of [1, 2, 5]) {
      const v = Math.pow(10, d) * k;
      if (v > hi * 1.0001) continue;
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" stroke="${k === 1 ? '#bbbbbb' : '#e6e6e6'}" stroke-width="1"/>`);
      out.push(`<text x="${left - 6}" y="${(Number(yy) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#333">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">ops/s (log)</text>`);
  // bars
  tasks.forEach((t, ti) => {
    const gx = left + groupGap + ti * (groupW + groupGap);
    SERIES.forEach((s, si) => {
      const x = gx + si * (barW + barGap);
      const e = seriesEntry(t, s.key);
      if (!e || !e.best || !(e.best.opsPerSec > 0)) {
        const why = !e ? 'not run' : 'n/a';
        out.push(`<text transform="translate(${x + barW / 2 + 4} ${top + plotH - 6}) rotate(-90)" font-size="10" fill="#999">${why}</text>`);
        return;
      }
      const v = e.best.opsPerSec;
      const yy = y(v);
      out.push(`<rect x="${x}" y="${yy.toFixed(1)}" width="${barW}" height="${(top + plotH - yy).toFixed(1)}" fill="${s.colour}"><title>${esc(s.label)} ${esc(e.label)}: ${fmtOps(v)} ops/s @ inflight ${e.best.inflight}</title></rect>`);
      const label = fmtOps(v);
      const inside = top + plotH - yy > label.length * 7 + 10;
      if (inside) {
        out.push(`<text transform="translate(${x + barW / 2 + 4} ${(yy + 5).toFixed(1)}) rotate(-90)" font-size="11" text-anchor="end" fill="#ffffff">${label}</text>`);
      } else {
        out.push(`<text transform="translate(${x + barW / 2 + 4} ${(yy - 4).toFixed(1)}) rotate(-90)" font-size="11" fill="#222">${label}</text>`);
      }
    });
    const lines = SHORT[t.id] || [`${t.id}`, ''];
    const cx = gx + groupW / 2;
    out.push(`<text x="${cx}" y="${top + plotH + 18}" font-size="11.5" text-anchor="middle" font-weight="bold">${esc(lines[0])}</text>`);
    out.push(`<text x="${cx}" y="${top + plotH + 33}" font-size="11" text-anchor="middle">${esc(lines[1])}</text>`);
    const ratio = seriesEntry(t, 'auto');
    if (ratio && ratio.ratioVsSharp) {
      out.push(`<text x="${cx}" y="${top + plotH + 50}" font-size="11" text-anchor="middle" fill="#1f77b4">auto/sharp x${ratio.ratioVsSharp.toFixed(2)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function writeReport(dir, results) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'results.md'), markdown(results));
  fs.writeFileSync(path.join(dir, 'chart.svg'), chart(results));
}

module.exports = { writeReport, markdown, chart };

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node bench/report.js RESULTS_DIR');
    process.exit(2);
  }
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'results.md'), markdown(results));
  fs.writeFileSync(path.join(dir, 'chart.svg'), chart(results));
  console.log(`wrote ${path.join(dir, 'results.md')} and chart.svg`);
}
