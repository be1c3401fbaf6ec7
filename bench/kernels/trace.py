#!/usr/bin/env python3
"""Summarises a per-block trace of the integer tensor-core kernel (bench_kernels built with
GR_NVCC_FLAGS=-DGR_I8_TRACE=1 writes trace-N.bin next to kernels.json).

    python3 bench/kernels/trace.py trace-0.bin [more.bin ...]

Per block: word 0 is 1 + its SM, then events (0: start; 1 + 3 i + p: tile i staged, phase 1 done,
phase 2 done) as (globaltimer ns, clock64) pairs. Prints the kernel's span from the first block's
start to the last block's end, when blocks start and end, and the median time of each step."""
import struct
import sys
from statistics import median

WORDS = 64


def load(path):
    data = open(path, 'rb').read()
    n = len(data) // 8
    w = struct.unpack('<%dQ' % n, data[:8 * n])
    blocks = []
    for s in range(n // WORDS):
        r = w[s * WORDS:(s + 1) * WORDS]
        if r[0] == 0:
            continue
        ev = []
        for e in range((WORDS - 2) // 2):
            gt, ck = r[2 + 2 * e], r[3 + 2 * e]
            if gt == 0:
                break
            ev.append((gt, ck))
        blocks.append({'sm': r[0] - 1, 'ev': ev})
    return blocks


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def summary(path):
    blocks = load(path)
    if not blocks:
        print(path, ': no blocks')
        return
    t0 = min(b['ev'][0][0] for b in blocks)
    starts = [(b['ev'][0][0] - t0) / 1e3 for b in blocks]
    ends = [(b['ev'][-1][0] - t0) / 1e3 for b in blocks]
    tiles = [(len(b['ev']) - 1) // 3 for b in blocks]
    print('%s: %d blocks on %d SMs, tiles per block %d-%d' % (path, len(blocks), len(set(b['sm'] for b in blocks)),
                                                             min(tiles), max(tiles)))
    print('  span %.2f us (first start to last end)' % max(ends))
    print('  block start: min %.2f median %.2f p90 %.2f max %.2f us' % (min(starts), median(starts), pct(starts, .9),
                                                                          max(starts)))
    print('  block end:   min %.2f median %.2f p90 %.2f max %.2f us' % (min(ends), median(ends), pct(ends, .9),
                                                                          max(ends)))
    # Per step, in us from clock64 at the SM's clock (ratio from the block's own globaltimer span).
    names = ['staged (wait)', 'phase 1', 'phase 2']
    steps = {k: [] for k in range(3)}
    first = []
    for b in blocks:
        ev = b['ev']
        prev = ev[0]
        for e in range(1, len(ev)):
            steps[(e - 1) % 3].append((ev[e][0] - prev[0]) / 1e3)
            prev = ev[e]
        if len(ev) > 1:
            first.append((ev[1][0] - ev[0][0]) / 1e3)
    for k in range(3):
        xs = steps[k]
        if xs:
            print('  %-14s median %.2f p90 %.2f max %.2f us (n %d)' % (names[k], median(xs), pct(xs, .9), max(xs),
                                                                     len(xs)))
    if first:
        print('  first tile staged after %.2f us median' % median(first))
    # Busy SMs over time (1 us bins).
    bins = int(max(ends)) + 1
    busy = [0] * bins
    per_sm = {}
    for b, s, e in zip(blocks, starts, ends):
        per_sm.setdefault(b['sm'], []).append((s, e))
    for sm, iv in per_sm.items():
        for t in range(bins):
            if any(s <= t + .5 < e for s, e in iv):
                busy[t] += 1
    print('  SMs with a block resident, per us: ' + ' '.join(str(x) for x in busy))


for p in sys.argv[1:]:
    summary(p)
