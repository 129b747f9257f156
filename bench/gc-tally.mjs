// Preloaded by bench/steady-threads.ts: GC pauses by kind (count, ms) and heap used, written to a
// temp file every 200 ms so the bench can take the difference over its measured window.
import { tmpdir } from 'node:os';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
const kinds = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incr',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
};
const sum = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const k = kinds[e.detail?.kind ?? e.kind] ?? 'other';
    const s = (sum[k] ??= { n: 0, ms: 0 });
    s.n++;
    s.ms += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
setInterval(
  () =>
    writeFileSync(
      `${tmpdir()}/sinyal-gc-${process.pid}.json`,
      JSON.stringify({ sum, heap: process.memoryUsage().heapUsed }),
    ),
  200,
).unref();
