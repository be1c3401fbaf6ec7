#!/usr/bin/env python3
"""Summarises a per-block trace of the integer tensor-core kernel (bench_kernels built with
GR_NVCC_FLAGS=-DGR_I8_TRACE=1 writes trace-N.bin next to kernels.json).

    python3 bench/kernels/trace.py trace-0.bin [more.bin ...]

Per block (80 words; 64 in session 15's runs A-D): word 0 is 1 + its SM, word 1 the events per tile (per: 3; 8 for the
pipelined kernel), then events (0: start; 1 + per i + k: tile i's k-th) as (globaltimer ns,
clock64) pairs. Prints the kernel's span from the first block's start to the last block's end,
when blocks start and end, and each step's median time: with 3 events per tile the time since the
one before; with 8, the time since the tile's start (the previous tile's end), also per tile."""
import struct
import sys
from statistics import median

SLOTS = 4096  # kI8TraceSlots in kernels/resize_i8.cu (its kI8TraceWords: the file size / SLOTS)


def load(path):
    data = open(path, 'rb').read()
    n = len(data) // 8
    w = struct.unpack('<%dQ' % n, data[:8 * n])
    blocks = []
    WORDS = n // SLOTS
    for s in range(SLOTS):
        r = w[s * WORDS:(s + 1) * WORDS]
        if r[0] == 0:
            continue
        # Events not stamped (a last tile issues no next staging) are None.
        ev = [(r[2 + 2 * e], r[3 + 2 * e]) if r[2 + 2 * e] else None for e in range((WORDS - 2) // 2)]
        while ev and ev[-1] is None:
            ev.pop()
        blocks.append({'sm': r[0] - 1, 'per': r[1] or 3, 'ev': ev})
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
    tiles = [(len(b['ev']) - 1) // b['per'] for b in blocks]
    print('%s: %d blocks on %d SMs, tiles per block %d-%d' % (path, len(blocks), len(set(b['sm'] for b in blocks)),
                                                             min(tiles), max(tiles)))
    print('  span %.2f us (first start to last end)' % max(ends))
    print('  block start: min %.2f median %.2f p90 %.2f max %.2f us' % (min(starts), median(starts), pct(starts, .9),
                                                                          max(starts)))
    print('  block end:   min %.2f median %.2f p90 %.2f max %.2f us' % (min(ends), median(ends), pct(ends, .9),
                                                                          max(ends)))
    per = blocks[0]['per']
    if per == 3:
        names = ['staged (wait)', 'phase 1', 'phase 2']
    elif per == 5:  # session 15's runs C and D
        names = ['issued (warp 0)', 'staged (warp 0)', 'staged (warp 1)', 'phase 1 done', 'phase 2 done']
    else:
        names = ['loop top', 'staged (warp 0)', 'staged (warp 1)', 'next: kind known', 'next: issued',
                 'after: origin', 'phase 1 done', 'phase 2 done'][:per]
    # Step k of tile i: with 3 events, the time since the step before; else since the tile's start.
    steps = {k: [] for k in range(per)}
    by_tile = {}
    first = []
    for b in blocks:
        ev = b['ev']
        ntiles = (len(ev) - 1) // per
        for i in range(ntiles):
            for k in range(per):
                e = 1 + per * i + k
                ref = ev[e - 1] if per == 3 else ev[per * i]
                if ev[e] is None or ref is None:
                    continue
                dt = (ev[e][0] - ref[0]) / 1e3
                steps[k].append(dt)
                by_tile.setdefault((i, k), []).append(dt)
        if len(ev) > per:
            first.append((ev[1 if per == 3 else 2][0] - ev[0][0]) / 1e3)
    for k in range(per):
        xs = steps[k]
        if xs:
            print('  %-16s median %.2f p90 %.2f max %.2f us (n %d)' % (names[k], median(xs), pct(xs, .9), max(xs),
                                                                     len(xs)))
    if per != 3:
        tiles = max(i for i, _ in by_tile) + 1
        for i in range(tiles):
            print('  tile %d (n %d): ' % (i, len(by_tile[(i, 0)])) +
                  ', '.join('%s %.2f' % (names[k], median(by_tile[(i, k)])) for k in range(per) if (i, k) in by_tile))
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
