import { randomBytes } from 'node:crypto';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { sinyalSpec, startServer, type RunningServer } from './servers.js';

/**
 * The two-process run at a fixed offered rate: one sinyal process alone, then two sinyal
 * processes on one Redis with every pair split across them (caller on one, callee on the other).
 */
export async function runCluster(
  load: LoadOptions & { rate: number },
  say: (line: string) => void,
  nodeFlags: string[] = [],
): Promise<{ single: LoadResult; cluster: LoadResult }> {
  // At least 5 s of warm-up: JIT, Redis subscriptions and the room mirror settle first, and a
  // fixed-rate run otherwise counts their start-up stall in its p99.
  load = { ...load, warmupMs: Math.max(load.warmupMs, 5000) };
  const single = await withServers(1, {}, nodeFlags, async (servers) => {
    say(`[1 process] ${load.rate} msg/s offered, ${load.pairs} pairs`);
    return runLoad(servers, load, (line) => say(`[1 process] ${line}`));
  });
  const redis = {
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `sinyal-bench-${randomBytes(4).toString('hex')}:`,
  };
  const cluster = await withServers(2, redis, nodeFlags, async (servers) => {
    say(`[2 processes] ${load.rate} msg/s offered, ${load.pairs} pairs split across processes`);
    return runLoad(servers, load, (line) => say(`[2 processes] ${line}`));
  });
  return { single, cluster };
}

async function withServers<T>(
  count: number,
  env: Record<string, string>,
  nodeFlags: string[],
  fn: (servers: RunningServer[]) => Promise<T>,
): Promise<T> {
  const servers: RunningServer[] = [];
  try {
    for (let i = 0; i < count; i++)
      servers.push(await startServer(sinyalSpec('socket.io', env), nodeFlags));
    return await fn(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
