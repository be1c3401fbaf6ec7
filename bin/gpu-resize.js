#!/usr/bin/env node
// gpu-resize command line: resize files, directories and globs with a progress bar and a summary;
// `gpu-resize info` prints the backends and devices. Run with --help for the options.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { expandInputs } = require('./inputs');
const { Progress, formatBytes, formatDuration } = require('./progress');

const usage = `Usage: gpu-resize [options] <input...>
       gpu-resize info

Inputs are image files, directories (their images; -r for subdirectories too) and glob
patterns such as 'photos/**/*.jpg' (quote them so that the shell leaves them alone).

Options:
  -o, --out <dir>           output directory (required); the inputs' folder layout is kept
  -w, --width <px>          target width
  -h, --height <px>         target height
      --fit <fit>           cover (default), contain, fill, inside, outside
      --without-enlargement do not enlarge images smaller than the target
  -f, --format <format>     jpeg, png, webp, avif, gif, tiff (default: the input's)
  -q, --quality <1-100>     output quality (jpeg, webp, avif, tiff)
  -c, --concurrency <n>     images in flight (default: the number of CPUs, at least 4)
  -r, --recursive           include subdirectories of directory inputs
      --suffix <text>       append to output file names, before the extension
      --backend <name>      auto (default), gpu, cpu or vips (GPU_RESIZE_BACKEND)
      --progress            always show the progress bar (default: when stderr is a terminal)
      --no-progress         never show it
      --json                print the summary as JSON
      --help, --version

Exit status: 0 when every image was written, 1 when some failed, 2 for a usage error.`;

const extensions = { jpeg: '.jpg', png: '.png', webp: '.webp', avif: '.avif', gif: '.gif', tiff: '.tiff', heif: '.heic' };

class UsageError extends Error {}

function parse (argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        width: { type: 'string', short: 'w' },
        height: { type: 'string', short: 'h' },
        fit: { type: 'string' },
        'without-enlargement': { type: 'boolean' },
        format: { type: 'string', short: 'f' },
        quality: { type: 'string', short: 'q' },
        concurrency: { type: 'string', short: 'c' },
        recursive: { type: 'boolean', short: 'r' },
        suffix: { type: 'string', default: '' },
        backend: { type: 'string' },
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        version: { type: 'boolean' }
      }
    });
  } catch (err) {
    throw new UsageError(err.message);
  }
  const { values, positionals } = parsed;
  const integer = (name, min, max) => {
    if (values[name] === undefined) {
      return undefined;
    }
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not '${values[name]}'`);
    }
    return n;
  };
  const options = {
    inputs: positionals,
    out: values.out,
    width: integer('width', 1, 0x3FFF),
    height: integer('height', 1, 0x3FFF),
    fit: values.fit,
    withoutEnlargement: Boolean(values['without-enlargement']),
    format: values.format,
    quality: integer('quality', 1, 100),
    concurrency: integer('concurrency', 1, 1024) || Math.max(4, os.availableParallelism ? os.availableParallelism() : os.cpus().length),
    recursive: Boolean(values.recursive),
    suffix: values.suffix,
    backend: values.backend,
    progress: values['no-progress'] ? false : values.progress ? true : Boolean(process.stderr.isTTY),
    json: Boolean(values.json),
    help: Boolean(values.help),
    version: Boolean(values.version)
  };
  if (options.help || options.version || positionals[0] === 'info') {
    return options;
  }
  if (!positionals.length) {
    throw new UsageError('no input given');
  }
  if (!options.out) {
    throw new UsageError('--out <dir> is required');
  }
  if (options.backend && !['auto', 'gpu', 'cpu', 'vips'].includes(options.backend)) {
    throw new UsageError(`--backend must be auto, gpu, cpu or vips, not '${options.backend}'`);
  }
  if (options.format && !extensions[options.format === 'jpg' ? 'jpeg' : options.format]) {
    throw new UsageError(`--format must be one of ${Object.keys(extensions).join(', ')}, not '${options.format}'`);
  }
  return options;
}

/** Applies the options to a gpu-resize instance (sharp's own validation applies). */
function pipelineFor (sharp, file, options) {
  let s = sharp(file);
  if (options.width || options.height) {
    s = s.resize({
      width: options.width,
      height: options.height,
      fit: options.fit,
      withoutEnlargement: options.withoutEnlargement
    });
  }
  if (options.format) {
    s = s.toFormat(options.format, options.quality ? { quality: options.quality } : {});
  } else if (options.quality) {
    s = s.toFormat(path.extname(file).slice(1).toLowerCase() || 'jpeg', { quality: options.quality });
  }
  return s;
}

function outputPath (item, options) {
  const parsed = path.parse(item.relative);
  const format = options.format === 'jpg' ? 'jpeg' : options.format;
  const ext = format ? extensions[format] : parsed.ext;
  return path.join(options.out, parsed.dir, `${parsed.name}${options.suffix}${ext}`);
}

async function resizeAll (sharp, items, options) {
  const progress = new Progress(items.length, options.progress ? process.stderr : null);
  const results = [];
  const seen = new Set();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      const out = outputPath(item, options);
      const result = { input: item.file, output: out, inputBytes: 0, outputBytes: 0 };
      try {
        result.inputBytes = (await fs.promises.stat(item.file)).size;
        if (seen.has(out)) {
          throw new Error(`another input is written to ${out}`);
        }
        seen.add(out);
        await fs.promises.mkdir(path.dirname(out), { recursive: true });
        const info = await pipelineFor(sharp, item.file, options).toFile(out);
        result.outputBytes = info.size;
        result.backend = info.backend;
      } catch (err) {
        result.error = err.message;
      }
      results.push(result);
      progress.tick(result.inputBytes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  progress.done();
  return { results, seconds: progress.elapsed() };
}

function summarise ({ results, seconds }) {
  const ok = results.filter((r) => !r.error);
  const inputBytes = ok.reduce((n, r) => n + r.inputBytes, 0);
  const outputBytes = ok.reduce((n, r) => n + r.outputBytes, 0);
  const backends = {};
  for (const r of ok) {
    backends[r.backend] = (backends[r.backend] || 0) + 1;
  }
  return {
    count: results.length,
    written: ok.length,
    failed: results.length - ok.length,
    seconds,
    imagesPerSecond: seconds > 0 ? ok.length / seconds : 0,
    inputBytes,
    outputBytes,
    bytesSaved: inputBytes - outputBytes,
    backends,
    failures: results.filter((r) => r.error).map((r) => ({ input: r.input, error: r.error }))
  };
}

function printSummary (s) {
  const lines = [
    `Resized ${s.written} of ${s.count} images in ${formatDuration(s.seconds)} (${s.imagesPerSecond.toFixed(1)} img/s)`,
    `Input ${formatBytes(s.inputBytes)} -> output ${formatBytes(s.outputBytes)}: ${
      s.bytesSaved >= 0 ? `${formatBytes(s.bytesSaved)} saved` : `${formatBytes(-s.bytesSaved)} more`
    }${s.inputBytes ? ` (${(100 * s.bytesSaved / s.inputBytes).toFixed(1)}%)` : ''}`,
    `Backends: ${Object.entries(s.backends).map(([b, n]) => `${b} ${n}`).join(', ') || 'none'}`
  ];
  if (s.failed) {
    lines.push(`Failed ${s.failed}:`, ...s.failures.map((f) => `  ${f.input}: ${f.error}`));
  }
  console.log(lines.join('\n'));
}

function printInfo (sharp) {
  const backends = sharp.backends();
  const lines = [`gpu-resize ${sharp.versions['gpu-resize']} (sharp API ${sharp.versions.sharp}, libvips ${sharp.versions.vips || 'n/a'})`];
  for (const [name, b] of Object.entries(backends)) {
    const memory = b.memory ? `, ${formatBytes(b.memory)}` : '';
    lines.push(`${name.padEnd(5)} ${b.available ? 'available' : 'unavailable'}${b.device ? `: ${b.device}${memory}` : ''}${b.available ? '' : ` (${b.reason})`}`);
  }
  lines.push(`sharp ${sharp.delegation.available ? 'installed: operations gpu-resize lacks run on it' : 'not installed: operations gpu-resize lacks throw'}`);
  lines.push(`backend choice: ${process.env.GPU_RESIZE_BACKEND || 'auto'}`);
  console.log(lines.join('\n'));
}

async function main (argv) {
  let options;
  try {
    options = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`gpu-resize: ${err.message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  if (options.backend) {
    process.env.GPU_RESIZE_BACKEND = options.backend;
  }
  // Images in flight run on libuv's pool: size it before the first request uses it
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, Math.min(options.concurrency, 1024)));
  const sharp = require('..');
  if (options.version) {
    console.log(sharp.versions['gpu-resize']);
    return 0;
  }
  if (options.inputs[0] === 'info') {
    printInfo(sharp);
    return 0;
  }
  try {
    // Validate the options once, with sharp's messages, before any file is touched
    pipelineFor(sharp, 'x.jpg', options);
  } catch (err) {
    console.error(`gpu-resize: ${err.message}`);
    return 2;
  }
  const { items, missing } = await expandInputs(options.inputs, options.recursive);
  if (missing.length) {
    console.error(`gpu-resize: no such file, directory or matching image: ${missing.join(', ')}`);
    return 2;
  }
  const summary = summarise(await resizeAll(sharp, items, options));
  if (options.json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    printSummary(summary);
  }
  return summary.failed ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err) => {
  console.error(err);
  process.exitCode = 1;
});
