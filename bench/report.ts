import type { IdleResult } from './idle.js';
import type { LoadResult } from './load.js';

export interface ServerFigures {
  name: string;
  load?: LoadResult;
  idle?: IdleResult;
}

const num = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const kb = (bytes: number) => `${num(bytes / 1024, 1)} KB`;

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

interface Target {
  what: string;
  figure: string;
  met: boolean | undefined;
}

const verdict = (met: boolean | undefined) =>
  met === undefined ? 'not measured' : met ? 'met' : 'NOT met';

export function targetsTable(byName: Map<string, ServerFigures>): string {
  const get = (name: string) => byName.get(name);
  const ratio = (a?: LoadResult, b?: LoadResult) => (a && b ? a.rate / b.rate : NaN);
  const sio = ratio(get('sinyal Socket.IO')?.load, get('bare Socket.IO')?.load);
  const ws = ratio(get('sinyal /ws')?.load, get('bare ws')?.load);
  // msg/s each server would reach on a whole core: robust when other work steals the CPU.
  const perCore = (a?: LoadResult, b?: LoadResult) =>
    a && b ? ` (per core: ${num((b.cpuMicrosPerMessage / a.cpuMicrosPerMessage) * 100)} %)` : '';
  const sioPerCore = perCore(get('sinyal Socket.IO')?.load, get('bare Socket.IO')?.load);
  const wsPerCore = perCore(get('sinyal /ws')?.load, get('bare ws')?.load);
  const idleSio = get('sinyal Socket.IO')?.idle?.bytesPerConnection;
  const idleWs = get('sinyal /ws')?.idle?.bytesPerConnection;
  const targets: Target[] = [
    {
      what: 'sinyal Socket.IO msg/s ≥ bare Socket.IO',
      figure: `${num(sio * 100)} %${sioPerCore}`,
      met: Number.isNaN(sio) ? undefined : sio >= 1,
    },
    {
      what: 'sinyal /ws msg/s ≥ 90 % of bare ws',
      figure: `${num(ws * 100)} %${wsPerCore}`,
      met: Number.isNaN(ws) ? undefined : ws >= 0.9,
    },
    {
      what: 'idle Socket.IO connection < 16 KB RSS',
      figure: idleSio === undefined ? '—' : kb(idleSio),
      met: idleSio === undefined ? undefined : idleSio < 16 * 1024,
    },
    {
      what: 'idle /ws connection < 12 KB RSS',
      figure: idleWs === undefined ? '—' : kb(idleWs),
      met: idleWs === undefined ? undefined : idleWs < 12 * 1024,
    },
  ];
  return targetLines(targets);
}

function targetLines(targets: Target[]): string {
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
    row('1 process (memory)', single),
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
