import type { IdleResult } from './idle.js';
import type { LoadResult } from './load.js';

export interface ServerFigures {
  name: string;
  /** Saturated throughput, both directions of each pair. */
  load?: LoadResult;
  /** Fixed, non-saturating rate. */
  steady?: LoadResult;
  /** The same runs with each message written on its own (saturated, fixed rate). */
  uncoalesced?: { load?: LoadResult; steady?: LoadResult };
  /** Fixed rate while a burst of pairs connects and joins. */
  burst?: LoadResult;
  idle?: IdleResult;
  /** RSS 20 s after start, nothing connected, no forced GC. */
  startRssBytes?: number;
  /** Highest RSS over the server's runs (VmHWM). */
  peakRssBytes?: number;
  /** Highest RSS of a start on an empty DATA_DIR, until 20 s after it (sinyal only). */
  firstStartPeakRssBytes?: number;
  /** Highest RSS of the start whose idle peers connected and joined (VmHWM at its end). */
  idlePeakRssBytes?: number;
}

export const num = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
export const kb = (bytes: number) => `${num(bytes / 1024, 1)} KB`;
export const mb = (bytes: number) => `${num(bytes / 1e6)} MB`;
/** A figure, or a dash where it was not measured. */
export const opt = <T>(value: T | undefined, show: (v: T) => string) =>
  value === undefined ? '—' : show(value);

/** The bare relay each sinyal transport is compared with. */
export const bareOf = (name: string) =>
  name.startsWith('sinyal Socket.IO')
    ? 'bare Socket.IO'
    : name.startsWith('sinyal /ws')
      ? 'bare ws'
      : undefined;

/** One column per figure of the issue: what an operator of each server sees. */
export function issueTable(rows: ServerFigures[], offered: number, burstPairs: number): string {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const times = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined ? ` (${num(a / b, 2)}×)` : '';
  const lines = [
    `| server | RSS 20 s after start | peak RSS | peers connected + joined /s (server CPU µs per join: all threads / main) | saturated msg/s | RSS per idle conn (forced GC) | CPU µs/msg at ${num(offered)}/s | p99 ms at ${num(offered)}/s | p99 ms while ${burstPairs} pairs join |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const bare = byName.get(bareOf(r.name) ?? '');
    lines.push(
      `| ${r.name} | ${opt(r.startRssBytes, mb)} | ${opt(r.peakRssBytes, mb)} | ${opt(r.idle, (i) => `${num(i.joinsPerSecond)} (${num(i.cpuMicrosPerJoin)} / ${num(i.mainThreadCpuMicrosPerJoin)})`)} | ${opt(r.load, (l) => num(l.rate) + times(l.rate, bare?.load?.rate))} | ${opt(r.idle, (i) => `${kb(i.bytesPerConnection)} (${kb(i.gcBytesPerConnection)})`)} | ${opt(r.steady, (l) => num(l.cpuMicrosPerMessage, 1) + times(l.cpuMicrosPerMessage, bare?.steady?.cpuMicrosPerMessage))} | ${opt(r.steady, (l) => num(l.p99Ms, 2))} | ${opt(r.burst, (l) => num(l.p99Ms, 2))} |`,
    );
  }
  return lines.join('\n');
}

/** Peers connected + joined per second and server CPU per join, each beside PeerJS 1.0.2's. */
export function joinsTable(rows: ServerFigures[]): string {
  const peerjs = rows.find((r) => r.name.startsWith('PeerJS'))?.idle;
  const ratio = (a: number, b: number | undefined) => (b ? `${num(a / b, 2)}×` : '—');
  const lines = [
    '| server | peers connected + joined /s | × PeerJS | server CPU µs per join, all threads | × PeerJS | main thread µs per join | peers | errors |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { name, idle } of rows) {
    if (!idle) continue;
    lines.push(
      `| ${name} | ${num(idle.joinsPerSecond)} | ${ratio(idle.joinsPerSecond, peerjs?.joinsPerSecond)} | ${num(idle.cpuMicrosPerJoin)} | ${ratio(idle.cpuMicrosPerJoin, peerjs?.cpuMicrosPerJoin)} | ${num(idle.mainThreadCpuMicrosPerJoin)} | ${num(idle.connections)} | ${idle.errors} |`,
    );
  }
  return lines.join('\n');
}

export function throughputTable(rows: ServerFigures[]): string {
  const lines = [
    '| server | relayed msg/s | p50 ms | p99 ms | server CPU µs/msg | msg/s per server core | server writes/msg | server CPU % | generator CPU % | errors | RSS / idle conn |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { name, load, idle } of rows) {
    const idleCell = idle ? `${kb(idle.bytesPerConnection)} (${num(idle.connections)} conns)` : '—';
    lines.push(
      load
        ? `| ${name} | ${num(load.rate)} | ${num(load.p50Ms, 2)} | ${num(load.p99Ms, 2)} | ${num(load.cpuMicrosPerMessage, 1)} | ${num(1e6 / load.cpuMicrosPerMessage)} | ${num(load.writesPerMessage, 2)} | ${num(load.serverCpuPercent)} | ${num(load.generatorCpuPercent)} | ${load.errors} | ${idleCell} |`
        : `| ${name} | — | — | — | — | — | — | — | — | — | ${idleCell} |`,
    );
  }
  return lines.join('\n');
}

export interface Target {
  what: string;
  figure: string;
  met: boolean | undefined;
}

const verdict = (met: boolean | undefined) =>
  met === undefined ? 'not measured' : met ? 'met' : 'NOT met';

export function targetLines(targets: Target[]): string {
  return [
    '| target | figure | verdict |',
    '|---|--:|---|',
    ...targets.map((t) => `| ${t.what} | ${t.figure} | ${verdict(t.met)} |`),
  ].join('\n');
}

export function clusterTable(
  single: LoadResult,
  cluster: LoadResult,
  offered: number,
): { table: string; targets: string } {
  const row = (name: string, r: LoadResult) =>
    `| ${name} | ${num(offered)} | ${num(r.rate)} | ${num(r.p50Ms, 2)} | ${num(r.p99Ms, 2)} | ${num(r.cpuMicrosPerMessage, 1)} | ${num(r.writesPerMessage, 2)} | ${r.errors} |`;
  const table = [
    '| setup | offered msg/s | relayed msg/s | p50 ms | p99 ms | sinyal CPU µs/msg (all processes) | sinyal writes/msg | errors |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    row('1 process', single),
    row('2 processes on Redis, pairs split', cluster),
  ].join('\n');
  const cpuRatio = cluster.cpuMicrosPerMessage / single.cpuMicrosPerMessage;
  const targets = targetLines([
    {
      what: `cross-process p99 < 5 ms at ${num(offered)} msg/s`,
      figure: `${num(cluster.p99Ms, 2)} ms`,
      met: cluster.p99Ms < 5 && cluster.rate >= offered * 0.95,
    },
    {
      what: 'cross-process CPU/msg ≤ 2x single-process',
      figure: `${num(cpuRatio, 2)}x`,
      met: cpuRatio <= 2,
    },
  ]);
  return { table, targets };
}
