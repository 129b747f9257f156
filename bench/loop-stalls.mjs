// Preloaded by bench/join-threads.ts: the server's event-loop stalls (a 1 ms timer that fired
// more than STALL_MS late), as [wall-clock ms at the stall's start, its length in ms], written to
// a temp file every 250 ms so the tool can pick those of a phase (a join ramp, a leave storm).
import { tmpdir } from 'node:os';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

const STALL_MS = 15;
if (isMainThread) {
  const stalls = [];
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > STALL_MS) stalls.push([performance.timeOrigin + last, now - last]);
    last = now;
  }, 1).unref();
  const file = `${tmpdir()}/sinyal-stalls-${process.pid}.json`;
  setInterval(() => writeFileSync(file, JSON.stringify(stalls)), 250).unref();
}
