import type { LoadResult } from './load.js';
import { bareOf, num, targetLines, type ServerFigures, type Target } from './report.js';

/** Issue goals: sinyal's relay beside the bare one, in throughput and in CPU per message. */
const goalOf = (name: string) => (name.startsWith('sinyal /ws') ? 1.0 : 1.3);

interface Generator {
  label: string;
  saturated: (f: ServerFigures) => LoadResult | undefined;
  steady: (f: ServerFigures) => LoadResult | undefined;
}

const generators: Generator[] = [
  { label: 'coalesced', saturated: (f) => f.load, steady: (f) => f.steady },
  {
    label: 'each message its own write',
    saturated: (f) => f.uncoalesced?.load,
    steady: (f) => f.uncoalesced?.steady,
  },
];

/** sinyal ÷ bare for a higher-is-better figure; bare ÷ sinyal for CPU, so both read "≥ goal". */
const better = (sinyal: number | undefined, bare: number | undefined, lowerIsBetter = false) =>
  sinyal === undefined || bare === undefined
    ? undefined
    : lowerIsBetter
      ? bare / sinyal
      : sinyal / bare;
const pair = (a: number | undefined, b: number | undefined, digits: number) =>
  `${a === undefined ? '—' : num(a, digits)} / ${b === undefined ? '—' : num(b, digits)}`;
const times = (r: number | undefined) => (r === undefined ? '—' : `${num(r, 2)}×`);

/** sinyal's transports beside their bare relays, for both generators; each ratio reads "≥ goal". */
export function relayTable(rows: ServerFigures[], offered: number): string {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const lines = [
    `| sinyal / bare | generator | saturated msg/s | × | CPU µs/msg saturated | × (bare ÷ sinyal) | CPU µs/msg at ${num(offered)}/s | × (bare ÷ sinyal) | generator writes/msg |`,
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const f of rows) {
    const bare = byName.get(bareOf(f.name) ?? '');
    if (!bare) continue;
    for (const g of generators) {
      const [s, b, st, bst] = [g.saturated(f), g.saturated(bare), g.steady(f), g.steady(bare)];
      if (!s && !st) continue;
      lines.push(
        `| ${f.name} / ${bare.name} | ${g.label} | ${pair(s?.rate, b?.rate, 0)} | ${times(better(s?.rate, b?.rate))} | ${pair(s?.cpuMicrosPerMessage, b?.cpuMicrosPerMessage, 1)} | ${times(better(s?.cpuMicrosPerMessage, b?.cpuMicrosPerMessage, true))} | ${pair(st?.cpuMicrosPerMessage, bst?.cpuMicrosPerMessage, 1)} | ${times(better(st?.cpuMicrosPerMessage, bst?.cpuMicrosPerMessage, true))} | ${s ? num(s.generatorWritesPerMessage, 2) : '—'} |`,
      );
    }
  }
  return lines.join('\n');
}

/** The relay goals, per transport and generator: throughput and CPU per message (fixed rate). */
export function relayTargets(rows: ServerFigures[]): string {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const targets: Target[] = [];
  for (const name of ['sinyal Socket.IO', 'sinyal /ws']) {
    const f = byName.get(name);
    const bare = byName.get(bareOf(name)!);
    if (!f || !bare) continue;
    const goal = goalOf(name);
    for (const g of generators) {
      const rate = better(g.saturated(f)?.rate, g.saturated(bare)?.rate);
      const cpu = better(
        g.steady(f)?.cpuMicrosPerMessage,
        g.steady(bare)?.cpuMicrosPerMessage,
        true,
      );
      targets.push(
        {
          what: `${name}, ${g.label}: saturated msg/s ≥ ${num(goal, 1)}× ${bare.name}`,
          figure: times(rate),
          met: rate === undefined ? undefined : rate >= goal,
        },
        {
          what: `${name}, ${g.label}: CPU per message ≤ ${bare.name}'s ÷ ${num(goal, 1)}`,
          figure: times(cpu),
          met: cpu === undefined ? undefined : cpu >= goal,
        },
      );
    }
  }
  return targetLines(targets);
}
