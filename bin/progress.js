// The CLI's progress bar (images done, rate, input throughput, ETA) and number formatting.
'use strict';

function formatBytes (n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

function formatDuration (seconds) {
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

class Progress {
  /** @param {number} total  @param {import('node:stream').Writable|null} stream  where to draw, or nowhere */
  constructor (total, stream) {
    this.total = total;
    this.stream = stream;
    this.count = 0;
    this.bytes = 0;
    this.start = process.hrtime.bigint();
    this.lastDraw = 0;
    this.drawnCount = -1;
  }

  elapsed () {
    return Number(process.hrtime.bigint() - this.start) / 1e9;
  }

  tick (bytes) {
    this.count++;
    this.bytes += bytes;
    const now = this.elapsed();
    if (now - this.lastDraw >= 0.1 || this.count === this.total) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  line (seconds) {
    const width = 24;
    const fraction = this.total ? this.count / this.total : 1;
    const filled = Math.round(fraction * width);
    const rate = seconds > 0 ? this.count / seconds : 0;
    const eta = rate > 0 ? (this.total - this.count) / rate : 0;
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.count}/${this.total} ` +
      `${Math.floor(fraction * 100)}% ${rate.toFixed(1)} img/s ${formatBytes(seconds > 0 ? this.bytes / seconds : 0)}/s ` +
      `ETA ${formatDuration(eta)}`;
  }

  draw (seconds) {
    this.drawnCount = this.count;
    if (this.stream) {
      this.stream.write(`\r${this.line(seconds)}\x1b[K`);
    }
  }

  done () {
    if (this.stream) {
      if (this.drawnCount !== this.count) {
        this.draw(this.elapsed());
      }
      this.stream.write('\n');
    }
  }
}

module.exports = { Progress, formatBytes, formatDuration };
