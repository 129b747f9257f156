/**
 * `npm run bench`: sinyal's Socket.IO and /ws transports beside a bare Socket.IO relay and a bare
 * `ws` relay, each server in its own child process on 127.0.0.1, load from this process. Prints
 * a markdown table; progress goes to stderr. Relay runs use two generators (coalesced, and each
 * message its own write); PeerJS 1.0.2 is the joins baseline. `--cluster` adds two sinyal
 * processes on Redis, `--soak` the soak (bench/soak.ts), `--webhooks` each sinyal transport
 * again, sending webhooks to a receiver that hangs.
 * See docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runCluster } from './cluster.js';
import { runBudget, runMany } from './extra-runs.js';
import { startHangingReceiver } from './hanging-receiver.js';
import { idleServerRss, measureIdle, type IdleResult } from './idle.js';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { loadAverage, openFileLimit } from './proc.js';
import { goalSections } from './goals-report.js';
import { runSoak } from './soak.js';
import { clusterTable, kb, mb, num, type ServerFigures } from './report.js';
import {
  baselineSpecs,
  emptyDataDir,
  removeDataDirs,
  sinyalSpec,
  startServer,
  type ServerSpec,
} from './servers.js';

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
    'burst-pairs': { type: 'string', default: '200' },
    many: { type: 'string', default: '0' },
    budget: { type: 'string', default: '0' },
    'slow-pairs': { type: 'string', default: '1000' },
    before: { type: 'string' },
    quick: { type: 'boolean', default: false },
    webhooks: { type: 'boolean', default: false },
    'coalesced-only': { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '10' },
    'soak-peers': { type: 'string', default: '10000' },
    'soak-bare': { type: 'boolean', default: false },
  },
});

const quick = args.quick;
/** Also relay with a generator that writes each message separately (off: `--coalesced-only`). */
const uncoalesced = !args['coalesced-only'];
/** `--soak`: Socket.IO peers joining, relaying and leaving in waves on one sinyal (bench/soak.ts). */
const soak = args.soak
  ? {
      minutes: Number(args['soak-minutes']),
      peers: Number(args['soak-peers']),
      ratePerPeer: 0.2,
      sampleSeconds: 5,
      waveSeconds: 30,
      chartPath: args['soak-bare'] ? 'docs/images/soak-bare-socketio.svg' : 'docs/images/soak.svg',
      bare: args['soak-bare'],
    }
  : undefined;
const load: LoadOptions = {
  pairs: Number(quick ? 10 : args.pairs),
  window: Number(args.window),
  warmupMs: Number(quick ? 0.5 : args.warmup) * 1000,
  durationMs: Number(quick ? 2 : args.duration) * 1000,
  maxMessages: Number(args['max-messages']),
};
const idleConnections = Number(quick ? 500 : args.idle);
const rounds = Number(args.rounds);
const offered = Number(args.rate);
const burstPairs = Number(args['burst-pairs']);
/** `--many N`: N idle `/ws` peers on one process (100,000 needs `ulimit -n` above 200,000). */
const many = Number(args.many);
/** `--budget N`: N peers, `--slow-pairs` of whose pairs have a reader that stops reading. */
const budget = Number(args.budget);
const slowPairs = Number(args['slow-pairs']);
/** `--profile DIR`: a V8 CPU profile of each server start (relay runs; connects and joins), written when it exits. */
const profileFlags = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];

/** `--before DIR`: also run the sinyal built in DIR (e.g. without an optimization). */
const before = args.before ? { dir: args.before, label: 'before' } : undefined;
/** `--webhooks`: also each sinyal transport with WEBHOOK_URL on a receiver that never answers. */
const hanging = args.webhooks ? await startHangingReceiver() : undefined;
const withHangingWebhooks = (spec: ServerSpec): ServerSpec[] =>
  hanging
    ? [{ ...spec, name: `${spec.name} + hanging webhooks`, env: { ...spec.env, ...hanging.env } }]
    : [];
const specs: ServerSpec[] = [
  baselineSpecs['socket.io'],
  sinyalSpec('socket.io'),
  ...withHangingWebhooks(sinyalSpec('socket.io')),
  ...(before ? [sinyalSpec('socket.io', {}, before)] : []),
  baselineSpecs.ws,
  sinyalSpec('ws'),
  ...withHangingWebhooks(sinyalSpec('ws')),
  ...(before ? [sinyalSpec('ws', {}, before)] : []),
  baselineSpecs.peerjs,
].filter((spec) => !args.only || args.only.split(',').some((o) => spec.name.includes(o)));

const say = (line: string) => process.stderr.write(`${line}\n`);
const median = <T>(results: T[], by: (r: T) => number) =>
  [...results].sort((a, b) => by(a) - by(b))[Math.floor(results.length / 2)]!;

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const fds = openFileLimit();
  const connections = Math.max(idleConnections, Math.ceil((soak?.peers ?? 0) * 1.2));
  if (fds < connections + 1000) {
    say(
      `open-file limit ${fds} is too low for ${connections} connections: run \`ulimit -n 65535\``,
    );
    process.exitCode = 1;
    return;
  }
  const phases = [...specs.map((s) => s.name), ...(soak ? ['soak'] : [])];
  say(`sinyal bench: ${phases.join(', ')}; load average ${loadBefore}`);
  const figures = new Map<string, ServerFigures>(specs.map((s) => [s.name, { name: s.name }]));
  const byRound = new Map<string, LoadResult[]>(specs.map((s) => [s.name, []]));
  const idleByRound = new Map<string, IdleResult[]>(specs.map((s) => [s.name, []]));
  const uncoalescedByRound = new Map<string, LoadResult[]>(specs.map((s) => [s.name, []]));
  const peak = (name: string, bytes: number) => {
    const f = figures.get(name)!;
    f.peakRssBytes = Math.max(f.peakRssBytes ?? 0, bytes);
  };

  // Rounds interleave the servers, so a burst of load from elsewhere hits all of them alike;
  // each figure is the median over rounds (throughput by msg/s, idle RSS by bytes/connection).
  for (let round = 1; round <= rounds; round++) {
    const suffix = rounds > 1 ? ` #${round}` : '';
    for (const spec of specs) {
      const tag = `[${spec.name}${suffix}]`;
      const relays = spec.framing !== 'peerjs';
      if (relays && load.durationMs > 0) {
        const server = await startServer(spec, profileFlags);
        const f = figures.get(spec.name)!;
        const measure = (what: string, options: LoadOptions) => {
          say(`${tag} ${what}`);
          return runLoad([server], options, (line) => say(`${tag} ${line}`));
        };
        try {
          const saturated = `${load.pairs} pairs, window ${load.window}, both directions`;
          const result = await measure(`throughput: ${saturated}`, load);
          byRound.get(spec.name)!.push(result);
          if (result.errors) say(`${tag} ${result.errors} errors, e.g. ${result.lastError}`);
          if (uncoalesced) {
            const single = { ...load, uncoalesced: true };
            const each = await measure(
              `throughput, each message its own write: ${saturated}`,
              single,
            );
            uncoalescedByRound.get(spec.name)!.push(each);
          }
          // Fixed, non-saturating rate: CPU per message and latency of a busy but healthy node.
          if (round === 1 && !spec.name.endsWith('(before)')) {
            const steady = { ...load, rate: offered, warmupMs: Math.max(load.warmupMs, 3000) };
            f.steady = await measure(`steady: ${offered} msg/s offered`, steady);
            if (uncoalesced) {
              f.uncoalesced = {
                ...f.uncoalesced,
                steady: await measure(`steady, each message its own write: ${offered} msg/s`, {
                  ...steady,
                  uncoalesced: true,
                }),
              };
            }
            f.burst = await measure(`burst: ${offered} msg/s while ${burstPairs} more pairs join`, {
              ...steady,
              joinBurstPairs: burstPairs,
            });
          }
          peak(spec.name, server.peakRssBytes());
        } finally {
          await server.stop();
        }
      }
      // A newcomer's very first start: sinyal on an empty DATA_DIR, its peak until 20 s after.
      const sinyal = spec.name === 'sinyal /ws' || spec.name === 'sinyal Socket.IO';
      if (sinyal && round === 1) {
        const fresh = { ...spec, env: { ...spec.env, DATA_DIR: emptyDataDir() } };
        const server = await startServer(fresh, profileFlags);
        try {
          say(`${tag} first start on an empty DATA_DIR: waiting until 20 s after start`);
          await idleServerRss(server);
          const f = figures.get(spec.name)!;
          f.firstStartPeakRssBytes = server.peakRssBytes();
          say(`${tag} first start peaked at ${mb(f.firstStartPeakRssBytes)}`);
        } finally {
          await server.stop();
        }
      }
      // The `--before` build is compared on throughput only, to keep the run short.
      if (idleConnections > 0 && !spec.name.endsWith('(before)')) {
        const server = await startServer(spec, profileFlags);
        try {
          const rss = await idleServerRss(server);
          const f = figures.get(spec.name)!;
          f.startRssBytes = Math.min(f.startRssBytes ?? Infinity, rss);
          say(`${tag} ${mb(rss)} 20 s after start; now ${idleConnections} peers connect and join`);
          const idle = await measureIdle(server, idleConnections, (l) => say(`${tag} ${l}`));
          say(
            `${tag} ${num(idle.joinsPerSecond)} joins/s (${num(idle.cpuMicrosPerJoin)} µs CPU each), ${kb(idle.bytesPerConnection)} per idle connection`,
          );
          idleByRound.get(spec.name)!.push(idle);
          f.idlePeakRssBytes = Math.max(f.idlePeakRssBytes ?? 0, server.peakRssBytes());
          peak(spec.name, server.peakRssBytes());
        } finally {
          await server.stop();
        }
      }
    }
  }
  for (const spec of specs) {
    const results = byRound.get(spec.name)!;
    if (results.length) figures.get(spec.name)!.load = median(results, (r) => r.rate);
    const singles = uncoalescedByRound.get(spec.name)!;
    if (singles.length) {
      const f = figures.get(spec.name)!;
      f.uncoalesced = { ...f.uncoalesced, load: median(singles, (r) => r.rate) };
    }
    const idles = idleByRound.get(spec.name)!;
    if (idles.length) {
      // Memory from the round with the median connection, joins from the median join rate: one
      // round's pair of figures would let a fast (or slow) round's joins stand for all.
      const joins = median(idles, (r) => r.joinsPerSecond);
      figures.get(spec.name)!.idle = {
        ...median(idles, (r) => r.bytesPerConnection),
        joinsPerSecond: joins.joinsPerSecond,
        joinSeconds: joins.joinSeconds,
        cpuMicrosPerJoin: joins.cpuMicrosPerJoin,
        mainThreadCpuMicrosPerJoin: joins.mainThreadCpuMicrosPerJoin,
      };
    }
  }

  let manySection = '';
  if (many > 0) {
    const spec = specs.find((s) => s.name === 'sinyal /ws') ?? sinyalSpec('ws');
    manySection = await runMany(many, spec, say);
  }

  let budgetSection = '';
  if (budget > 0) {
    try {
      budgetSection = await runBudget(budget, slowPairs, say);
    } catch (error) {
      // A failure here must not lose the figures measured above.
      say(`budget run failed: ${(error as Error).message}`);
      budgetSection = `\n### Slow readers\n\nNot measured: ${(error as Error).message.split('\n')[0]}\n`;
    }
  }

  let clusterSection = '';
  if (args.cluster) {
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
  let soakSection = '';
  if (soak) {
    try {
      soakSection = await runSoak(soak, say);
    } catch (error) {
      say(`soak failed: ${(error as Error).message}`);
      soakSection = `\n### Soak\n\nNot measured: ${(error as Error).message.split('\n')[0]}\n`;
    }
  }
  removeDataDirs();
  await hanging?.close();

  const rows = specs.map((s) => figures.get(s.name)!);
  const sideBySide = goalSections(rows, {
    ...load,
    rounds,
    offered,
    burstPairs,
    idleConnections,
  });
  const markdown = `### Run of ${startedAt.toISOString()}

Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${loadBefore} before / ${loadAverage()} after.
${rows.length ? sideBySide : ''}${manySection}${budgetSection}${clusterSection}${soakSection}`;
  process.stdout.write(`\n${markdown}`);
  if (args.out) writeFileSync(args.out, markdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
