/**
 * `npm run bench`: sinyal's Socket.IO and /ws transports beside a bare Socket.IO relay and a bare
 * `ws` relay, each server in its own child process on 127.0.0.1, load from this process. Prints
 * a markdown table; progress goes to stderr. `--cluster` adds two sinyal processes on Redis.
 * See docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runCluster } from './cluster.js';
import { measureIdle, type IdleResult } from './idle.js';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { loadAverage, openFileLimit } from './proc.js';
import { clusterTable, targetsTable, throughputTable, type ServerFigures } from './report.js';
import { baselineSpecs, sinyalSpec, startServer, type ServerSpec } from './servers.js';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '50' },
    window: { type: 'string', default: '4' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    idle: { type: 'string', default: '5000' },
    'max-messages': { type: 'string', default: '3000000' },
    rounds: { type: 'string', default: '1' },
    cluster: { type: 'boolean', default: false },
    rate: { type: 'string', default: '5000' },
    only: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'string' },
    before: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});

const quick = args.quick;
const load: LoadOptions = {
  pairs: Number(quick ? 10 : args.pairs),
  window: Number(args.window),
  warmupMs: Number(quick ? 0.5 : args.warmup) * 1000,
  durationMs: Number(quick ? 2 : args.duration) * 1000,
  maxMessages: Number(args['max-messages']),
};
const idleConnections = Number(quick ? 500 : args.idle);
const rounds = Number(args.rounds);
/** `--profile DIR`: a V8 CPU profile of each server's throughput run (written when it exits). */
const profileFlags = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];

/** `--before DIR`: also run the sinyal built in DIR (e.g. without an optimization). */
const before = args.before ? { dir: args.before, label: 'before' } : undefined;
const specs: ServerSpec[] = [
  baselineSpecs['socket.io'],
  sinyalSpec('socket.io'),
  ...(before ? [sinyalSpec('socket.io', {}, before)] : []),
  baselineSpecs.ws,
  sinyalSpec('ws'),
  ...(before ? [sinyalSpec('ws', {}, before)] : []),
].filter((spec) => !args.only || args.only.split(',').some((o) => spec.name.includes(o)));

const say = (line: string) => process.stderr.write(`${line}\n`);
const median = <T>(results: T[], by: (r: T) => number) =>
  [...results].sort((a, b) => by(a) - by(b))[Math.floor(results.length / 2)]!;

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const fds = openFileLimit();
  if (fds < idleConnections + 1000) {
    say(
      `open-file limit ${fds} is too low for ${idleConnections} connections: run \`ulimit -n 65535\``,
    );
    process.exitCode = 1;
    return;
  }
  say(`sinyal bench: ${specs.map((s) => s.name).join(', ')}; load average ${loadBefore}`);
  const figures = new Map<string, ServerFigures>(specs.map((s) => [s.name, { name: s.name }]));
  const byRound = new Map<string, LoadResult[]>(specs.map((s) => [s.name, []]));

  // Rounds interleave the servers, so a burst of load from elsewhere hits all of them alike;
  // each figure is the median over rounds (throughput by msg/s, idle RSS by bytes/connection).
  const idleByRound = new Map<string, IdleResult[]>(specs.map((s) => [s.name, []]));
  for (let round = 1; round <= rounds; round++) {
    const suffix = rounds > 1 ? ` #${round}` : '';
    for (const spec of load.durationMs > 0 ? specs : []) {
      const tag = `[${spec.name}${suffix}]`;
      say(`${tag} throughput: ${load.pairs} pairs, window ${load.window}`);
      const server = await startServer(spec, profileFlags);
      try {
        const result = await runLoad([server], load, (line) => say(`${tag} ${line}`));
        byRound.get(spec.name)!.push(result);
        if (result.errors) say(`${tag} ${result.errors} errors, e.g. ${result.lastError}`);
      } finally {
        await server.stop();
      }
    }
    // The `--before` build is compared on throughput only, to keep the run short.
    for (const spec of idleConnections > 0
      ? specs.filter((s) => !s.name.endsWith('(before)'))
      : []) {
      const tag = `[${spec.name}${suffix}]`;
      say(`${tag} idle RSS: ${idleConnections} connections`);
      const server = await startServer(spec);
      try {
        const idle = await measureIdle(server, idleConnections, (line) => say(`${tag} ${line}`));
        say(`${tag} ${(idle.bytesPerConnection / 1024).toFixed(1)} KB per idle connection`);
        idleByRound.get(spec.name)!.push(idle);
      } finally {
        await server.stop();
      }
    }
  }
  for (const spec of specs) {
    const results = byRound.get(spec.name)!;
    if (results.length) figures.get(spec.name)!.load = median(results, (r) => r.rate);
    const idles = idleByRound.get(spec.name)!;
    if (idles.length) figures.get(spec.name)!.idle = median(idles, (r) => r.bytesPerConnection);
  }

  let clusterSection = '';
  if (args.cluster) {
    const offered = Number(args.rate);
    const heading = '\n### Two processes on Redis (Socket.IO, fixed offered rate)\n\n';
    try {
      const { single, cluster } = await runCluster({ ...load, rate: offered }, say, profileFlags);
      const { table, targets } = clusterTable(single, cluster, offered);
      clusterSection = `${heading}${table}\n\n${targets}\n`;
    } catch (error) {
      // Redis missing must not lose the single-process figures measured above.
      say(`cluster run failed: ${(error as Error).message}`);
      clusterSection = `${heading}Not measured: ${(error as Error).message.split('\n')[0]}\n`;
    }
  }

  const rows = specs.map((s) => figures.get(s.name)!);
  const markdown = `### Run of ${startedAt.toISOString()}

Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${loadBefore} before / ${loadAverage()} after.
Throughput: ${load.pairs} pairs per server, ${load.window} messages in flight per peer, ${load.warmupMs / 1000} s warm-up + ${load.durationMs / 1000} s measured${rounds > 1 ? `, median of ${rounds} interleaved rounds` : ''}; idle RSS at ${idleConnections.toLocaleString('en-US')} connections.

${throughputTable(rows)}

${targetsTable(figures)}
${clusterSection}`;
  process.stdout.write(`\n${markdown}`);
  if (args.out) writeFileSync(args.out, markdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
