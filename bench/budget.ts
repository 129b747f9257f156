import { setTimeout as sleep } from 'node:timers/promises';
import { openJoinedPeers } from './idle.js';
import type { BenchPeer } from './peer.js';
import { processRssBytes } from './proc.js';
import { mb, num } from './report.js';
import type { RunningServer } from './servers.js';

export interface BudgetResult {
  connections: number;
  /** Peers that stopped reading while their partner sent them offers. */
  slowReaders: number;
  /** Slow readers the server disconnected for their budget (`/metrics`). */
  disconnected: number;
  /** Other peers still connected at the end (the server must not drop them). */
  othersOpen: number;
  /** Offer bytes the senders wrote towards the slow readers. */
  sentBytes: number;
  seconds: number;
  rssBeforeBytes: number;
  /** Highest RSS sampled (every 50 ms) while the slow readers filled up. */
  rssPeakBytes: number;
  /** 3 s after the senders stopped, no forced GC; then after a forced GC. */
  rssAfterBytes: number;
  rssAfterGcBytes: number;
  errors: number;
}

/** An SDP just under the default MAX_SDP_LENGTH (64 KiB), JSON-escaped: the largest offer allowed. */
const SDP = `v=0\\r\\n${'a=x-bench:'.padEnd(60_000, 'x')}\\r\\n`;

/** The server's count of budget disconnects, from its Prometheus text. */
async function budgetDisconnects(port: number): Promise<number> {
  let text: string;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { accept: 'text/plain' },
    });
    text = await res.text();
  } catch {
    return NaN; // asked again at the next report
  }
  let total = 0;
  for (const m of text.matchAll(/^sinyal_outbound_budget_disconnects_total\{[^}]*\} (\d+)/gm)) {
    total += Number(m[1]);
  }
  return total;
}

/**
 * The memory budget per connection (`MAX_BUFFERED_BYTES`) under attack: `count` peers join pair
 * rooms; in `slowPairs` of the pairs one peer stops reading and its partner sends it the largest
 * offers allowed, as fast as its own socket takes them. Every slow reader must be disconnected
 * for its budget, no other peer may be, and the server's RSS may grow by at most the budget
 * (plus one frame) per slow reader. The kernel's socket buffers come on top and are bounded by
 * the kernel (`net.ipv4.tcp_mem`), not by the process.
 */
export async function measureBudget(
  server: RunningServer,
  count: number,
  slowPairs: number,
  progress: (line: string) => void,
  localAddresses?: string[],
): Promise<BudgetResult> {
  const { peers, slots, errors } = await openJoinedPeers(server, count, progress, {
    localAddresses,
  });
  await sleep(2000);
  const rssBeforeBytes = processRssBytes(server.pid);
  // Partners are slots 2k and 2k+1 (one pair room); the first `slowPairs` whole pairs are used.
  const pairs: { sender: BenchPeer; reader: BenchPeer; frame: string }[] = [];
  for (let i = 0; i + 1 < slots.length && pairs.length < slowPairs; i += 2) {
    const [sender, reader] = [slots[i], slots[i + 1]];
    if (!sender || !reader) continue;
    const [before, after] = sender.envelope('offer');
    const frame = `${before}{"roomId":"${sender.roomId}","sdp":{"type":"offer","sdp":"${SDP}"}}${after}`;
    pairs.push({ sender, reader, frame });
  }
  for (const { reader } of pairs) reader.pause();
  const started = performance.now();
  let sentBytes = 0;
  let rssPeakBytes = rssBeforeBytes;
  const deadline = started + 180_000;
  let lastReport = started;
  // Each sender keeps up to 256 KB queued in its own socket: the server, not the generator,
  // decides how fast the slow readers' backlog grows.
  while (performance.now() < deadline) {
    for (const pair of pairs) {
      if (pair.sender.bufferedAmount > 256 * 1024) continue;
      pair.sender.sendFrame(pair.frame);
      sentBytes += pair.frame.length;
    }
    await sleep(50);
    rssPeakBytes = Math.max(rssPeakBytes, processRssBytes(server.pid));
    if (performance.now() - lastReport > 2000) {
      lastReport = performance.now();
      const disconnected = await budgetDisconnects(server.port);
      progress(
        `${disconnected}/${pairs.length} slow readers disconnected, ${Math.round(sentBytes / 1e6)} MB sent, RSS ${Math.round(processRssBytes(server.pid) / 1e6)} MB`,
      );
      if (disconnected >= pairs.length) break; // NaN (metrics unreachable) goes on
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const disconnected = await budgetDisconnects(server.port);
  await sleep(3000);
  const rssAfterBytes = processRssBytes(server.pid);
  await server.collectGarbage();
  const rssAfterGcBytes = processRssBytes(server.pid);
  const readers = new Set(pairs.map((p) => p.reader));
  const othersOpen = peers.filter((p) => !readers.has(p) && p.isOpen).length;
  for (const peer of peers) peer.close();
  return {
    connections: peers.length,
    slowReaders: pairs.length,
    disconnected,
    othersOpen,
    sentBytes,
    seconds,
    rssBeforeBytes,
    rssPeakBytes,
    rssAfterBytes,
    rssAfterGcBytes,
    errors,
  };
}

/** The markdown rows of the budget run, one per server. */
export function budgetTable(results: { name: string; result: BudgetResult }[]): string {
  const lines = [
    '| server | peers | slow readers | disconnected for budget | other peers still open | offers sent | RSS before | peak RSS | peak growth per slow reader (no forced GC) | what one connection may hold | RSS 3 s after (forced GC) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const { name, result: r } of results) {
    const growth = (r.rssPeakBytes - r.rssBeforeBytes) / Math.max(1, r.slowReaders);
    lines.push(
      `| ${name} | ${num(r.connections)} | ${num(r.slowReaders)} | ${num(r.disconnected)} in ${num(r.seconds, 1)} s | ${num(r.othersOpen)} of ${num(r.connections - r.slowReaders)} | ${mb(r.sentBytes)} | ${mb(r.rssBeforeBytes)} | ${mb(r.rssPeakBytes)} | ${num(growth / 1024)} KB | 2,048 KB + one frame | ${mb(r.rssAfterBytes)} (${mb(r.rssAfterGcBytes)}) |`,
    );
  }
  return lines.join('\n');
}
