/**
 * `node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N]`: self time by function
 * and by package of a V8 CPU profile (`npm run bench -- --profile DIR` writes them), so a
 * benchmark figure can say where the time goes.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' } },
  allowPositionals: true,
});

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
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfTime.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    const pkg = packageOf(url, functionName);
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
}
