import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchPeer } from './peer.js';
import { processCpuMicros, processSyscalls } from './proc.js';
import type { RunningServer } from './servers.js';

export interface LoadOptions {
  pairs: number;
  /** Messages each peer keeps in flight (throughput mode). */
  window: number;
  warmupMs: number;
  durationMs: number;
  /** Upper bound on messages sent in one run, whatever the duration. */
  maxMessages: number;
  /** Fixed offered rate in messages/s over all pairs; unset = as fast as the server allows. */
  rate?: number;
  /** Pairs that connect and join while the measured phase runs (their history is recorded). */
  joinBurstPairs?: number;
  /**
   * Each message in a write of its own instead of the frames of one tick in one write.
   * @default false: coalesced, as trickle ICE's bursts are; true is one candidate at a time.
   */
  uncoalesced?: boolean;
}

export interface LoadResult {
  /** Messages relayed (received by a peer) during the measured phase, per second. */
  rate: number;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How long the burst of joins took, if there was one. */
  burstSeconds?: number;
  /** Server CPU (all server processes) per relayed message, µs. */
  cpuMicrosPerMessage: number;
  /** Server write syscalls (write, writev, all server processes) per relayed message. */
  writesPerMessage: number;
  /** Generator write syscalls per message sent: about 1 uncoalesced, well below coalesced. */
  generatorWritesPerMessage: number;
  /** Server CPU over the measured phase, % of one core (summed over server processes). */
  serverCpuPercent: number;
  generatorCpuPercent: number;
  errors: number;
  lastError: string;
}

/**
 * A realistic ICE candidate (about 150 characters) whose last token carries the send time, so the
 * receiver measures latency without a map of send times.
 */
const CANDIDATE_HEAD =
  'candidate:842163049 1 udp 1677729535 203.0.113.7 51234 typ srflx raddr 192.168.1.7 rport ' +
  '51234 generation 0 ufrag Zy4x network-id 1 network-cost 10 tsq=';
const CANDIDATE_TAIL = '","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"Zy4x"}}';
const STAMP = 'tsq=';
/** Beyond this many unanswered messages a fixed-rate sender skips a turn (the server lags). */
const MAX_FIXED_RATE_BACKLOG = 1000;

/** A peer's candidate frame to its room, split where the send time goes. */
export function candidateFrame(peer: BenchPeer, roomId: string): { head: string; tail: string } {
  const [before, after] = peer.envelope('ice-candidate');
  const head = `${before}{"roomId":"${roomId}","candidate":{"candidate":"${CANDIDATE_HEAD}`;
  return { head, tail: CANDIDATE_TAIL + after };
}

/** Milliseconds since a received candidate frame was sent (its stamp, `performance.now()`). */
export function latencyOf(frame: string): number {
  const at = frame.indexOf(STAMP) + STAMP.length;
  return performance.now() - Number.parseFloat(frame.slice(at, at + 24));
}

/** One direction of a pair: a peer sending candidates to its partner. */
interface Sender {
  peer: BenchPeer;
  head: string;
  tail: string;
  inflight: number;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Opens `pairs` pairs, caller on the first server and callee on the next (cluster: another). */
export async function openPairs(servers: RunningServer[], pairs: number, runId: string) {
  return mapLimit(
    Array.from({ length: pairs }, (_, i) => i),
    50,
    async (i): Promise<[BenchPeer, BenchPeer]> => {
      const [a, b] = [servers[0]!, servers[1 % servers.length]!];
      const roomId = `${runId}-${i}`;
      const first = await BenchPeer.connect(a.spec.framing, a.port, a.spec.wsPath);
      const second = await BenchPeer.connect(b.spec.framing, b.port, b.spec.wsPath);
      const ready = Promise.all([first.next('ready'), second.next('ready')]);
      first.emit('join-room', JSON.stringify({ roomId }));
      second.emit('join-room', JSON.stringify({ roomId }));
      await ready;
      return [first, second];
    },
  );
}

/**
 * Opens `pairs` pairs from a child process (bench/join-burst.ts), as other machines' clients
 * would: when the latency generator opened them itself, its own event loop was busy with 400
 * handshakes and read relayed frames late (bare `ws` read 7–11 ms p99 that way, 2–4 ms with the
 * burst in its own process).
 */
function joinBurst(servers: RunningServer[], pairs: number, runId: string) {
  const { framing, wsPath } = servers[0]!.spec;
  const ports = servers.map((s) => s.port);
  const child = fork(
    new URL('./join-burst.ts', import.meta.url),
    [JSON.stringify({ framing, wsPath, ports, pairs, runId })],
    { execArgv: ['--import', 'tsx'] },
  );
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`join burst exited with ${code}`)));
  });
  const message = <T>() => Promise.race([exited, new Promise<T>((r) => child.once('message', r))]);
  const ready = message<'ready'>();
  return {
    /** Resolves once the child has loaded, so its start-up is not inside the measured window. */
    ready,
    /** Opens the pairs; resolves once they are, with how long that took. */
    async open() {
      await ready;
      const done = message<{ seconds: number }>();
      child.send('open');
      return done;
    },
    /** Its peers leave and it exits. */
    close: () => child.connected && child.disconnect(),
  };
}

/** The p-th percentile of sorted values (NaN when there are none). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Relays candidates between pairs and measures the server(s). Throughput mode keeps `window`
 * messages in flight per peer (a reply frees a slot); fixed-rate mode paces sends over all
 * peers. The run stops by itself after warm-up + duration or `maxMessages`, whichever is first.
 */
export async function runLoad(
  servers: RunningServer[],
  options: LoadOptions,
  progress: (line: string) => void,
): Promise<LoadResult> {
  const runId = Math.random().toString(36).slice(2, 8);
  const pairs = await openPairs(servers, options.pairs, runId);
  const burstProcess = options.joinBurstPairs
    ? joinBurst(servers, options.joinBurstPairs, `${runId}b`)
    : undefined;
  await burstProcess?.ready;
  const senders = new Map<BenchPeer, Sender>();
  pairs.forEach(([a, b], i) => {
    for (const peer of [a, b]) {
      senders.set(peer, { peer, ...candidateFrame(peer, `${runId}-${i}`), inflight: 0 });
    }
  });

  const latencies = new Float64Array(options.maxMessages);
  let measuring = false;
  let sending = true;
  let sent = 0;
  let measured = 0;
  const coalesce = !options.uncoalesced;
  const send = (sender: Sender) => {
    sent++;
    sender.inflight++;
    sender.peer.sendFrame(sender.head + performance.now() + sender.tail, coalesce);
  };
  const fill = (sender: Sender) => {
    while (sending && sender.inflight < options.window && sent < options.maxMessages) send(sender);
  };
  for (const [a, b] of pairs) {
    const [fromA, fromB] = [senders.get(a)!, senders.get(b)!];
    // What `a` receives was sent by `b`, and the other way round.
    a.onCandidate = (frame) => received(fromB, frame);
    b.onCandidate = (frame) => received(fromA, frame);
  }
  const throughputMode = options.rate === undefined;
  function received(sender: Sender, frame: string) {
    sender.inflight--;
    if (measuring) {
      latencies[measured++] = latencyOf(frame);
      if (measured >= latencies.length) measuring = false;
    }
    if (throughputMode) fill(sender);
  }

  const all = [...senders.values()];
  let pacer: NodeJS.Timeout | undefined;
  const started = performance.now();
  if (throughputMode) all.forEach(fill);
  else {
    let turn = 0;
    let paced = 0;
    pacer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) * options.rate!) / 1000) - paced;
      for (let i = 0; i < due && sending && sent < options.maxMessages; i++, paced++) {
        const sender = all[turn++ % all.length]!;
        if (sender.inflight < MAX_FIXED_RATE_BACKLOG) send(sender);
      }
    }, 1);
  }

  await sleep(options.warmupMs);
  const cpuAt = () => servers.reduce((sum, s) => sum + processCpuMicros(s.pid), 0);
  const writesAt = () => servers.reduce((sum, s) => sum + processSyscalls(s.pid).writes, 0);
  const cpuBefore = cpuAt();
  const writesBefore = writesAt();
  const generatorBefore = process.cpuUsage();
  const generatorWritesBefore = processSyscalls(process.pid).writes;
  const sentBefore = sent;
  const t0 = performance.now();
  measuring = true;
  const burst = burstProcess?.open();
  const deadline = t0 + options.durationMs;
  while (measuring && deadline - performance.now() > 20) {
    await sleep(Math.min(1000, deadline - performance.now()));
    const seconds = (performance.now() - t0) / 1000;
    progress(`${seconds.toFixed(1)} s, ${Math.round(measured / seconds).toLocaleString()} msg/s`);
  }
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuAt() - cpuBefore;
  const writes = writesAt() - writesBefore;
  const generator = process.cpuUsage(generatorBefore);
  const generatorWrites = processSyscalls(process.pid).writes - generatorWritesBefore;
  const sentMeasured = sent - sentBefore;
  sending = false;
  clearInterval(pacer);

  // Let what is in flight arrive, then hang up.
  for (let i = 0; i < 40 && all.some((s) => s.inflight > 0); i++) await sleep(50);
  const errors = all.reduce((sum, s) => sum + s.peer.errors, 0);
  const lastError = all.find((s) => s.peer.lastError)?.peer.lastError ?? '';
  for (const sender of all) sender.peer.close();
  const burstDone = await burst;
  burstProcess?.close();

  const sorted = latencies.slice(0, measured).sort();
  return {
    rate: measured / seconds,
    messages: measured,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    burstSeconds: burstDone?.seconds,
    cpuMicrosPerMessage: cpu / measured,
    writesPerMessage: writes / measured,
    generatorWritesPerMessage: generatorWrites / sentMeasured,
    serverCpuPercent: cpu / 1e4 / seconds,
    generatorCpuPercent: (generator.user + generator.system) / 1e4 / seconds,
    errors,
    lastError,
  };
}
