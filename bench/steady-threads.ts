/** Per-thread server CPU per message at a fixed rate: `tsx bench/steady-threads.ts <spec> [dir]`. */
import { tmpdir } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { threadCpuMicros } from './proc.js';
import { runLoad } from './load.js';
import { removeDataDirs, specNamed, startServer } from './servers.js';

/** Per-thread CPU, the helper threads (all named `node`) summed into one figure. */
function threads(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const times = process.env.SYS ? 'system' : process.env.USR ? 'user' : 'all';
  for (const [key, micros] of threadCpuMicros(pid, times)) {
    const name = key.replace(/:\d+$/, '');
    out.set(name, (out.get(name) ?? 0) + micros);
  }
  return out;
}
const [which, dir] = process.argv.slice(2);
const flags = [
  '--import',
  new URL('./gc-tally.mjs', import.meta.url).href,
  ...(process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean),
];
const env = JSON.parse(process.env.SENV ?? '{}') as Record<string, string>;
const spec = specNamed(which, env, dir);
const server = await startServer(spec, flags);
const base = {
  pairs: 50,
  window: 4,
  warmupMs: 3000,
  durationMs: Number(process.env.DUR ?? 5) * 1000,
  maxMessages: 2_000_000,
};
if (process.env.SAT) await runLoad([server], base, () => {});
if (process.env.GCNOW) {
  await server.collectGarbage();
  await new Promise((r) => setTimeout(r, 300));
  console.log(
    '  after full GC: ' + readFileSync(`${tmpdir()}/sinyal-gc-${server.pid}.json`, 'utf8'),
  );
}
let first: { t: Map<string, number>; n: number; gc: string } | undefined;
let last: typeof first;
const r = await runLoad([server], { ...base, rate: 5000 }, (line) => {
  const [s, rate] = line
    .replaceAll(',', '')
    .split(/ s |msg/)
    .map(Number) as [number, number];
  const snap = {
    t: threads(server.pid),
    n: s * rate,
    gc: (() => {
      try {
        return readFileSync(`${tmpdir()}/sinyal-gc-${server.pid}.json`, 'utf8');
      } catch {
        return '{}';
      }
    })(),
  };
  if (!first) first = snap;
  else last = snap;
});
const before = first!.t,
  after = last!.t,
  n = last!.n - first!.n;
const parts = [...after]
  .map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / n] as const)
  .filter(([, v]) => v > 0.05);
console.log(
  `${which}${dir ? ' ' + dir : ''}: ${r.cpuMicrosPerMessage.toFixed(1)} µs/msg (${r.rate.toFixed(0)}/s) w/msg ${r.writesPerMessage.toFixed(2)} ` +
    parts.map(([k, v]) => `${k}=${v.toFixed(1)}`).join(' '),
);
type G = { sum?: Record<string, { n: number; ms: number }>; heap?: number };
const [g0, g1] = [JSON.parse(first!.gc) as G, JSON.parse(last!.gc) as G];
console.log(
  '  gc in window (µs/msg): ' +
    Object.keys(g1.sum ?? {})
      .map(
        (k) =>
          `${k} ${(((g1.sum![k]!.ms - (g0.sum?.[k]?.ms ?? 0)) * 1000) / n).toFixed(2)} (${g1.sum![k]!.n - (g0.sum?.[k]?.n ?? 0)}×)`,
      )
      .join(', ') +
    `; heap ${((g0.heap ?? 0) / 1e6).toFixed(0)}→${((g1.heap ?? 0) / 1e6).toFixed(0)} MB`,
);
await server.stop();
removeDataDirs();
rmSync(`${tmpdir()}/sinyal-gc-${server.pid}.json`, { force: true });
