import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { idleServerRss, openJoinedPeers } from './idle.js';
import { candidateFrame, latencyOf, percentile } from './load.js';
import type { BenchPeer } from './peer.js';
import { processPeakRssBytes, processRssBytes } from './proc.js';
import { mb, num, targetLines } from './report.js';
import { baselineSpecs, sinyalSpec, startServer, type RunningServer } from './servers.js';
import { soakChart, type SoakSample } from './soak-chart.js';

export interface SoakOptions {
  /** @default 10: long enough for the resume log of every peer to fill at 0.2 msg/s. */
  minutes: number;
  /** @default 10000 */
  peers: number;
  /** Messages per second each peer sends its partner. @default 0.2: a call's trickle of signals. */
  ratePerPeer: number;
  /** @default 5: seconds between RSS and latency samples. */
  sampleSeconds: number;
  /** @default 30: seconds between waves; each wave replaces a tenth of the pairs. */
  waveSeconds: number;
  /** Where the SVG chart goes. @default docs/images/soak.svg */
  chartPath: string;
  /**
   * The bare Socket.IO relay instead of sinyal (`--soak-bare`): the same load on a server with
   * nothing around the relay, to tell Socket.IO's own costs from sinyal's. It has no `/health`
   * or `/metrics`, so those figures read "—". @default false
   */
  bare?: boolean;
}

/** One direction of a live pair. */
interface Sender {
  peer: BenchPeer;
  head: string;
  tail: string;
  inflight: number;
}
type Pair = [Sender, Sender];

const WAVE_SHARE = 0.1;
/** How long a leaving pair waits for what it sent to arrive before it hangs up. */
const LEAVE_DRAIN_MS = 5000;

/** Source addresses for the soak's connections, away from the `--many` and `--budget` ones. */
const addressesFor = (connections: number) =>
  Array.from({ length: Math.ceil(connections / 15_000) + 1 }, (_, i) => `127.0.0.${i + 60}`);

function stats(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
}

/** Open sockets of a process (fds that are sockets), for connections it left open. */
function socketCount(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) count++;
    } catch {
      // Closed while we looked.
    }
  }
  return count;
}

/** The server's own count of live connections and dropped history writes (`GET /health`). */
function health(server: RunningServer): Promise<{ connections: number; dropped: number }> {
  if (server.spec.name.startsWith('bare')) return Promise.resolve({ connections: 0, dropped: NaN });
  return new Promise((resolve, reject) => {
    // No keep-alive agent: the request's own connection must not count as one left open.
    get({ host: '127.0.0.1', port: server.port, path: '/health', agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        const body = JSON.parse(text) as {
          connections: number;
          checks: { detail?: string }[];
        };
        const store = body.checks.map((c) => c.detail ?? '').find((d) => / dropped/.test(d));
        const dropped = Number(/(\d+) dropped/.exec(store ?? '')?.[1]);
        resolve({ connections: body.connections, dropped });
      });
    }).on('error', reject);
  });
}

/** The server's JS heap in use (`GET /metrics`, `memory.heapUsed`), bytes. */
function heapUsed(server: RunningServer): Promise<number> {
  if (server.spec.name.startsWith('bare')) return Promise.resolve(NaN);
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: server.port, path: '/metrics', agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        resolve((JSON.parse(text) as { memory: { heapUsed: number } }).memory.heapUsed);
      });
    }).on('error', reject);
  });
}

/** RSS and JS heap after a full GC: what is held, as against garbage V8 has not collected yet. */
async function heldAfterGc(server: RunningServer): Promise<{ rss: number; heap: number }> {
  await server.collectGarbage();
  return { rss: processRssBytes(server.pid), heap: await heapUsed(server) };
}

/**
 * The soak: `peers` Socket.IO peers on one sinyal (as `npm start` runs it) join pair rooms,
 * relay to their partner at `ratePerPeer` both ways, each message its own write, and leave and
 * are replaced in waves, for `minutes`. Returns the markdown section; writes the chart.
 */
export async function runSoak(options: SoakOptions, say: (line: string) => void): Promise<string> {
  const server = await startServer(
    options.bare ? baselineSpecs['socket.io'] : sinyalSpec('socket.io'),
  );
  try {
    return await soak(server, options, say);
  } finally {
    await server.stop();
  }
}

async function soak(server: RunningServer, options: SoakOptions, say: (line: string) => void) {
  const tag = '[soak]';
  const rssIdle = await idleServerRss(server);
  const socketsIdle = socketCount(server.pid);
  const addresses = addressesFor(options.peers * 3);
  let joinErrors = 0;

  /** Opens `count` peers in pairs; a pair one of whose peers failed is closed. */
  const openPairs = async (count: number): Promise<Pair[]> => {
    const opened = await openJoinedPeers(server, count, (l) => say(`${tag} ${l}`), {
      localAddresses: addresses,
    });
    joinErrors += opened.errors;
    const pairs: Pair[] = [];
    for (let i = 0; i + 1 < opened.slots.length; i += 2) {
      const [a, b] = [opened.slots[i], opened.slots[i + 1]];
      if (!a || !b) {
        a?.close();
        b?.close();
        continue;
      }
      const pair = [a, b].map((peer) => ({
        peer,
        ...candidateFrame(peer, peer.roomId!),
        inflight: 0,
      })) as Pair;
      a.onCandidate = (frame) => received(pair[1], frame);
      b.onCandidate = (frame) => received(pair[0], frame);
      pairs.push(pair);
    }
    return pairs;
  };

  let windowLatencies: number[] = [];
  let minuteLatencies: number[] = [];
  let relayed = 0;
  let sent = 0;
  let lost = 0;
  const received = (sender: Sender, frame: string) => {
    sender.inflight--;
    relayed++;
    const ms = latencyOf(frame);
    windowLatencies.push(ms);
    minuteLatencies.push(ms);
  };

  say(`${tag} ${mb(rssIdle)} 20 s after start; ${options.peers} Socket.IO peers join pair rooms`);
  const rampStarted = performance.now();
  let live: Pair[] = await openPairs(options.peers);
  const rampSeconds = (performance.now() - rampStarted) / 1000;
  const joinedAtStart = live.length * 2;
  const rssJoined = processRssBytes(server.pid);
  say(`${tag} ${live.length * 2} peers joined in ${num(rampSeconds, 1)} s; ${mb(rssJoined)}`);
  const joinedHeld = await heldAfterGc(server);
  say(`${tag} after a forced GC: RSS ${mb(joinedHeld.rss)}, JS heap ${mb(joinedHeld.heap)}`);

  // Pacing: every 20 ms, as many messages as the live peers owe, round-robin over them.
  const started = performance.now();
  let credit = 0;
  let turn = 0;
  let last = started;
  const pacer = setInterval(() => {
    const now = performance.now();
    credit += ((now - last) / 1000) * live.length * 2 * options.ratePerPeer;
    last = now;
    for (; credit >= 1 && live.length > 0; credit--) {
      // Each pair in turn, one direction per round over all pairs, then the other.
      const index = turn++;
      const sender = live[index % live.length]![Math.floor(index / live.length) % 2]!;
      sender.inflight++;
      sent++;
      sender.peer.sendFrame(sender.head + performance.now() + sender.tail, false);
    }
  }, 20);

  const leave = async (pairs: Pair[]) => {
    for (let i = 0; i < LEAVE_DRAIN_MS / 50 && pairs.some((p) => p.some((s) => s.inflight)); i++) {
      await sleep(50);
    }
    for (const sender of pairs.flat()) {
      lost += sender.inflight;
      sender.peer.leave();
    }
  };
  let waves = 0;
  let replaced = 0;
  const wave = async () => {
    waves++;
    const count = Math.max(1, Math.round(live.length * WAVE_SHARE));
    const leaving = live.slice(0, count);
    live = live.slice(count);
    say(`${tag} wave ${waves}: ${count * 2} peers leave, as many join`);
    const [, joined] = await Promise.all([leave(leaving), openPairs(count * 2)]);
    replaced += joined.length;
    live = live.concat(joined);
  };

  const samples: SoakSample[] = [];
  const minutes: string[] = [];
  /** Per minute: the GC sawtooth's lowest RSS sample and the relay p99, for the goals. */
  const byMinute: Array<{ lowRss: number; p99: number }> = [];
  const sampleMs = options.sampleSeconds * 1000;
  const sampleCount = Math.max(1, Math.round((options.minutes * 60) / options.sampleSeconds));
  let minuteRss: number[] = [];
  let relayedAtSample = 0;
  let waving: Promise<void> = Promise.resolve();
  for (let i = 1; i <= sampleCount; i++) {
    await sleep(Math.max(0, started + i * sampleMs - performance.now()));
    const at = i * options.sampleSeconds;
    const rss = processRssBytes(server.pid);
    const { p50, p99 } = stats(windowLatencies);
    const rate = (relayed - relayedAtSample) / options.sampleSeconds;
    samples.push({ seconds: at, rssBytes: rss, p50Ms: p50, p99Ms: p99 });
    minuteRss.push(rss);
    say(
      `${tag} ${num(at)} s: ${live.length * 2} peers, ${num(rate)} msg/s, p50 ${num(p50, 2)} ms, p99 ${num(p99, 2)} ms, RSS ${mb(rss)}`,
    );
    windowLatencies = [];
    relayedAtSample = relayed;
    if (at % 60 === 0 || i === sampleCount) {
      const m = stats(minuteLatencies);
      byMinute.push({ lowRss: Math.min(...minuteRss), p99: m.p99 });
      minutes.push(
        `| ${minutes.length + 1} | ${num(live.length * 2)} | ${num(minuteLatencies.length)} | ${num(m.p50, 2)} | ${num(m.p99, 2)} | ${num(m.max, 1)} | ${mb(Math.min(...minuteRss))} – ${mb(Math.max(...minuteRss))} |`,
      );
      minuteLatencies = [];
      minuteRss = [];
    }
    if (at % options.waveSeconds === 0 && i < sampleCount) waving = waving.then(wave);
  }
  clearInterval(pacer);
  await waving;
  const rssEnd = processRssBytes(server.pid);
  const peakRss = processPeakRssBytes(server.pid);
  const endHeld = await heldAfterGc(server);
  say(`${tag} after a forced GC: RSS ${mb(endHeld.rss)}, JS heap ${mb(endHeld.heap)}`);
  say(`${tag} done relaying; ${live.length * 2} peers leave`);
  await leave(live);
  // The server's count settles once the close handshakes are through.
  let after = await health(server);
  for (let i = 0; i < 100 && after.connections > 0; i++) {
    await sleep(100);
    after = await health(server);
  }
  // The last /health request's socket closes a moment after its answer.
  for (let i = 0; i < 20 && socketCount(server.pid) > socketsIdle; i++) await sleep(100);
  const leftoverSockets = socketCount(server.pid) - socketsIdle;
  writeFileSync(options.chartPath, soakChart(samples, options));
  say(`${tag} chart written to ${options.chartPath}`);

  const all = stats(samples.map((s) => s.p99Ms).filter(Number.isFinite));
  return `
### Soak: ${num(options.peers)} Socket.IO peers for ${options.minutes} min${options.bare ? ', bare Socket.IO relay' : ''}

${options.bare ? 'The bare Socket.IO relay (no `/health` or `/metrics`: those figures read —)' : 'One sinyal as `npm start` runs it'}; ${num(options.peers)} peers join pair rooms from 127.0.0.60 and up, each sends its partner ${options.ratePerPeer} candidates/s (each its own write), and every ${options.waveSeconds} s a tenth of the pairs leave (their own \`disconnect()\`) and as many new pairs join. Sampled every ${options.sampleSeconds} s, no forced GC; one forced GC once all joined and one at the end show what is held rather than garbage V8 has not collected yet (RSS / JS heap). Chart: \`${options.chartPath}\` (RSS and p99 per sample).

| peers joined at start (s) | waves | pairs replaced | relayed | lost (sent, never received) | join errors | leftover connections (/health; open sockets) | dropped history writes | RSS 20 s after start | RSS all joined | RSS at the end | peak RSS | held all joined (forced GC) | held at the end (forced GC) | worst sample p99 |
|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|
| ${num(joinedAtStart)} (${num(rampSeconds, 1)}) | ${waves} | ${num(replaced)} | ${num(relayed)} of ${num(sent)} | ${num(lost)} | ${joinErrors} | ${after.connections}; ${leftoverSockets} | ${Number.isFinite(after.dropped) ? num(after.dropped) : '—'} | ${mb(rssIdle)} | ${mb(rssJoined)} | ${mb(rssEnd)} | ${mb(peakRss)} | ${mb(joinedHeld.rss)} / ${mb(joinedHeld.heap)} | ${mb(endHeld.rss)} / ${mb(endHeld.heap)} | ${num(all.max, 1)} ms |

| minute | peers | relayed | p50 ms | p99 ms | max ms | RSS (lowest – highest sample) |
|--:|--:|--:|--:|--:|--:|--:|
${minutes.join('\n')}

${soakTargets(byMinute, rssEnd)}
`;
}

/**
 * The soak's goals: RSS at the end within 400 MB; flat after warm-up, read from the lows of the
 * GC sawtooth (the last minute's lowest sample within 10 % of the second minute's, the first
 * being the ramp); relay p99 ≤ 20 ms in every minute.
 */
function soakTargets(byMinute: Array<{ lowRss: number; p99: number }>, rssEnd: number): string {
  const warm = byMinute[Math.min(1, byMinute.length - 1)];
  const last = byMinute.at(-1);
  const growth = warm && last ? last.lowRss / warm.lowRss : undefined;
  const worstP99 = Math.max(...byMinute.map((m) => m.p99).filter(Number.isFinite));
  return targetLines([
    { what: 'RSS at the end ≤ 400 MB', figure: mb(rssEnd), met: rssEnd <= 400e6 },
    {
      what: "flat after warm-up: last minute's lowest RSS ≤ 1.1× the second minute's",
      figure: growth === undefined ? '—' : `${num(growth, 2)}×`,
      met: growth === undefined ? undefined : growth <= 1.1,
    },
    {
      what: 'relay p99 ≤ 20 ms in every minute',
      figure: `${num(worstP99, 2)} ms (worst minute)`,
      met: Number.isFinite(worstP99) ? worstP99 <= 20 : undefined,
    },
  ]);
}
