/**
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--busy] [--inclusive]`:
 * self time by function and by package of a V8 CPU profile (`npm run bench -- --profile DIR`
 * writes them), so a benchmark figure can say where the time goes. `--busy` counts only the
 * 100 ms windows in which the thread was more than half busy (a join burst, not the idle minutes
 * around it); `--inclusive` adds time by function with what it called.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: {
    top: { type: 'string', default: '25' },
    busy: { type: 'boolean', default: false },
    inclusive: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

/** A function as the tables name it: name and file:line (without the path up to the package). */
function frameKey({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/** `node_modules/<pkg>`, `sinyal` for our own files, or the V8/Node label. */
function packageOf(url: string, name: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.includes('/dist/src/') || url.includes('/src/')) return 'sinyal';
  if (url.startsWith('node:')) return 'node core';
  return url ? url : `(${name || 'anonymous'})`;
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)'));
  const kept = values.busy ? busySamples(profile, idle) : profile.samples.map((_, i) => i);
  const selfTime = new Map<number, number>();
  for (const i of kept) {
    const id = profile.samples[i]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const { callFrame } = byId.get(id)!;
    const key = frameKey(callFrame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    const pkg = packageOf(callFrame.url, callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log('by package:');
  for (const [name, time] of top(byPackage, 12)) console.log(`  ${pct(time)}  ${name}`);
  console.log('by function (self time):');
  for (const [name, time] of top(byFunction, Number(values.top))) {
    console.log(`  ${pct(time)}  ${name}`);
  }
  if (!values.inclusive) continue;
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, time] of selfTime) {
    // Each function once per stack, so recursion is not counted twice.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = frameKey(byId.get(at)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  console.log('by function, with what it called:');
  for (const [name, time] of top(inclusive, Number(values.top)))
    console.log(`  ${pct(time)}  ${name}`);
}

/** Indexes of the samples in 100 ms windows where less than half of the time was idle. */
function busySamples(profile: Profile, idle: Set<ProfileNode>): number[] {
  const idleIds = new Set([...idle].map((n) => n.id));
  const windows = new Map<number, { idle: number; total: number; samples: number[] }>();
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    clock += delta;
    const key = Math.floor(clock / 100_000);
    const window = windows.get(key) ?? { idle: 0, total: 0, samples: [] };
    windows.set(key, window);
    window.total += delta;
    if (idleIds.has(id)) window.idle += delta;
    window.samples.push(i);
  });
  return [...windows.values()].filter((w) => w.idle < w.total / 2).flatMap((w) => w.samples);
}
