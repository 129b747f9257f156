import { setTimeout as sleep } from 'node:timers/promises';
import { BenchPeer } from './peer.js';
import { processRssBytes } from './proc.js';
import type { RunningServer } from './servers.js';

export interface IdleResult {
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
}

/** RSS after a full GC, once it stops moving (at most a few seconds). */
async function settledRss(server: RunningServer): Promise<number> {
  let previous = 0;
  for (let i = 0; i < 10; i++) {
    await server.collectGarbage();
    const rss = processRssBytes(server.pid);
    if (Math.abs(rss - previous) < rss * 0.002) return rss;
    previous = rss;
  }
  return previous;
}

/**
 * Server RSS per idle connection: RSS before connecting, then with `count` connections open
 * (admitted by the server, nothing sent) and settled. Both readings follow a full GC, so what is
 * counted is memory the connections keep, not garbage of their handshakes.
 */
export async function measureIdle(
  server: RunningServer,
  count: number,
  progress: (line: string) => void,
): Promise<IdleResult> {
  const rssBeforeBytes = await settledRss(server);
  const peers: BenchPeer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const { framing } = server.spec;
      peers.push(await BenchPeer.connect(framing, server.port, server.spec.wsPath));
      if (peers.length % 1000 === 0) progress(`${peers.length} idle connections`);
    }
  };
  // Bounded concurrency keeps the listen backlog from overflowing.
  await Promise.all(Array.from({ length: 100 }, worker));
  await sleep(2000);
  const rssAfterBytes = await settledRss(server);
  for (const peer of peers) peer.close();
  return {
    connections: peers.length,
    rssBeforeBytes,
    rssAfterBytes,
    bytesPerConnection: (rssAfterBytes - rssBeforeBytes) / peers.length,
  };
}
