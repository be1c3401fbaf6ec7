#!/bin/bash
# Session 14, run L: raw 4K end to end, session 13's code (2bb2925) against this session's, same loan:
# node bench/batches.js (auto), tasks 7 (pinned input) and 3 (plain Buffer), 8 and 32 in flight, alternating.
export UV_THREADPOOL_SIZE=16
cd "$(dirname "$0")/../../.."
L=$OUT/s14l.log
npm run build > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log >> $L; exit 1; }
(cd .probe/old && rm -f node_modules && ln -s ../../node_modules node_modules && npm run build > /tmp/build-old.log 2>&1) || { tail -30 /tmp/build-old.log >> $L; exit 1; }
for round in 1 2; do
  for which in new old; do
    dir=.; [[ $which == old ]] && dir=.probe/old
    for task in 7 3; do
      (cd $dir && timeout 60 node bench/batches.js $which-r$round $task 8,32 3) >> $L 2>&1
    done
  done
done
echo done >> $L
