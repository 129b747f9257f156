import { setTimeout as sleep } from 'node:timers/promises';
import { BenchPeer } from './peer.js';
import { mainThreadCpuMicros, processCpuMicros, processRssBytes } from './proc.js';
import type { RunningServer } from './servers.js';

export interface IdleResult {
  connections: number;
  /** Peers connected and joined (PeerJS: opened) per second, over the whole ramp. */
  joinsPerSecond: number;
  joinSeconds: number;
  /** RSS as an operator reads it (no forced GC): before connecting, and with all of them open. */
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
  /** With a full GC forced in the server, before connecting and with all of them open. */
  gcBytesPerConnection: number;
  /** Server CPU (all its threads: store worker, GC helpers) per peer connected and joined, µs. */
  cpuMicrosPerJoin: number;
  /** The same on the main thread alone (the event loop that also relays). */
  mainThreadCpuMicrosPerJoin: number;
  errors: number;
}

/** Server RSS 20 s after it started, as `ps` shows it: nothing forced. */
export async function idleServerRss(server: RunningServer): Promise<number> {
  await sleep(Math.max(0, server.startedAt + 20_000 - Date.now()));
  return processRssBytes(server.pid);
}

/** RSS after a full GC, once it stops moving (at most a few seconds). */
async function collectedRss(server: RunningServer): Promise<number> {
  let previous = 0;
  for (let i = 0; i < 10; i++) {
    await server.collectGarbage();
    const rss = processRssBytes(server.pid);
    if (Math.abs(rss - previous) < rss * 0.002) return rss;
    previous = rss;
  }
  return previous;
}

export interface IdleOptions {
  /** Loopback source addresses to spread connections over (each has ~28,000 ports). */
  localAddresses?: string[];
}

/**
 * Opens `count` peers, each connecting and joining a pair room (`<runId>-<index / 2>`, so peers
 * 2k and 2k+1 are partners; PeerJS: opening its id), 100 at a time. Peers that fail are counted.
 */
export async function openJoinedPeers(
  server: RunningServer,
  count: number,
  progress: (line: string) => void,
  options: IdleOptions = {},
): Promise<{
  peers: BenchPeer[];
  slots: (BenchPeer | undefined)[];
  errors: number;
  seconds: number;
}> {
  const { framing, wsPath } = server.spec;
  const addresses = options.localAddresses ?? [undefined];
  const peers: (BenchPeer | undefined)[] = new Array(count);
  let next = 0;
  let opened = 0;
  let errors = 0;
  const runId = Math.random().toString(36).slice(2, 8);
  const open = async (index: number) => {
    const peer = await BenchPeer.connect(
      framing,
      server.port,
      wsPath,
      addresses[index % addresses.length],
    );
    if (framing !== 'peerjs') {
      const joined = peer.next('joined', 60_000);
      const [before, after] = peer.envelope('join-room');
      peer.roomId = `${runId}-${index >> 1}`;
      peer.sendFrame(`${before}{"roomId":"${peer.roomId}"}${after}`);
      await joined;
    }
    return peer;
  };
  const worker = async () => {
    while (next < count) {
      const index = next++;
      try {
        peers[index] = await open(index);
        opened++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  const ticker = setInterval(() => progress(`${opened}/${count} peers joined`), 2000);
  // Bounded concurrency keeps the listen backlog from overflowing.
  await Promise.all(Array.from({ length: 100 }, worker)).finally(() => clearInterval(ticker));
  const seconds = (performance.now() - started) / 1000;
  return {
    peers: peers.filter((p): p is BenchPeer => p !== undefined),
    slots: peers,
    errors,
    seconds,
  };
}

/**
 * Opens `count` peers, each connecting and joining a pair room (PeerJS: opening its id), 100 at
 * a time, and times the ramp. Then the per-connection RSS: without a forced GC (what an operator
 * sees), then after one (what the connections really keep). The forced-GC figure compares with a
 * collected heap before connecting: V8 keeps the pages it freed when connections close, so a
 * baseline taken after closing them reads too high and the figure too low.
 */
export async function measureIdle(
  server: RunningServer,
  count: number,
  progress: (line: string) => void,
  options: IdleOptions = {},
): Promise<IdleResult> {
  // The only GC forced before connecting: none while connecting and none before the operator's
  // figure, which compares RSS as `ps` shows it before and after.
  const gcBefore = await collectedRss(server);
  const rssBeforeBytes = processRssBytes(server.pid);
  const cpuBefore = processCpuMicros(server.pid);
  const mainBefore = mainThreadCpuMicros(server.pid);
  const {
    peers,
    errors,
    seconds: joinSeconds,
  } = await openJoinedPeers(server, count, progress, options);
  await sleep(2000);
  // Includes the 2 s after: history the store records and GC the burst left.
  const cpuMicros = processCpuMicros(server.pid) - cpuBefore;
  const mainMicros = mainThreadCpuMicros(server.pid) - mainBefore;
  const rssAfterBytes = processRssBytes(server.pid);
  const gcAfter = await collectedRss(server);
  for (const peer of peers) peer.close();
  return {
    connections: peers.length,
    joinsPerSecond: peers.length / joinSeconds,
    joinSeconds,
    rssBeforeBytes,
    rssAfterBytes,
    bytesPerConnection: (rssAfterBytes - rssBeforeBytes) / peers.length,
    gcBytesPerConnection: (gcAfter - gcBefore) / peers.length,
    cpuMicrosPerJoin: cpuMicros / peers.length,
    mainThreadCpuMicrosPerJoin: mainMicros / peers.length,
    errors,
  };
}
