import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { after, before } from 'node:test';
import { connect, type TestPeer } from './clients.js';
import { until } from './wait.js';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'src', 'cli.js');

/** Newest modification time of the TypeScript sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (name.endsWith('.ts')) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/**
 * Runs one holder at a time across test files (each file is its own process): a lock file
 * holding the owner's pid, taken over when that process is gone.
 */
export async function exclusive(name: string): Promise<() => void> {
  const path = join(
    tmpdir(),
    `sinyal-${name}-${createHash('sha1').update(root).digest('hex').slice(0, 8)}.lock`,
  );
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch {
      const owner = Number(readFileSync(path, { encoding: 'utf8', flag: 'a+' }));
      let alive = true;
      try {
        if (owner > 0) process.kill(owner, 0);
      } catch {
        alive = false;
      }
      if (!alive) rmSync(path, { force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Multi-process tests run the real binary, `dist/src/cli.js`. CI builds before testing; locally
 * this builds when dist is missing or older than src.
 */
export async function ensureBuilt(): Promise<void> {
  const stale = () => {
    try {
      return statSync(cli).mtimeMs < newestSource(join(root, 'src'));
    } catch {
      return true;
    }
  };
  if (!stale()) return;
  const release = await exclusive('build');
  try {
    if (stale()) {
      // tsc exits non-zero on type errors but still emits; the typecheck gate reports those.
      try {
        execFileSync(process.execPath, ['scripts/build-server.mjs'], {
          cwd: root,
          stdio: 'ignore',
        });
      } catch {
        if (stale()) throw new Error('npm run build did not produce dist/src/cli.js');
      }
    }
  } finally {
    release();
  }
}

/**
 * Starts what a multi-process suite needs, one suite at a time across files: several server
 * processes at once on a small machine are slow enough to start already.
 */
export async function clusterSuite(): Promise<() => void> {
  await ensureBuilt();
  return exclusive('cluster-suite');
}

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own, so parallel runs on one Redis never meet. */
export const uniquePrefix = () => `sinyal-test:${randomBytes(4).toString('hex')}:`;

/** Deletes every key under `prefix`. */
export async function cleanRedis(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // A Redis the test killed on purpose has nothing left to clean.
  } finally {
    redis.disconnect();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A sinyal process started from the built CLI. */
export interface NodeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far (pino JSON), for failure messages. */
  readonly log: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A start that used this much CPU without listening is stuck, however busy the machine. */
const STARTUP_CPU_LIMIT = 60;
/** ...and one waiting this long is given up on even if it got no CPU at all. */
const STARTUP_WALL_LIMIT = 600;

/** CPU seconds a process has used (Linux /proc; clock ticks of 1/100 s), else undefined. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export async function startNode(env: Record<string, string>): Promise<NodeProcess> {
  const child = spawn(process.execPath, [cli], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      // PGlite is one process's database; shared history needs DATABASE_URL (docs/scaling.md).
      DATA_DIR: 'memory://',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    // On a loaded 2-core machine a starting process (PGlite's wasm included) may wait minutes for
    // a core. Wall time says little then; the CPU time the process got says whether it is stuck.
    const started = Date.now();
    const timer = setInterval(() => {
      const cpu = cpuSeconds(child.pid!);
      const wall = (Date.now() - started) / 1000;
      if ((cpu ?? wall) < STARTUP_CPU_LIMIT && wall < STARTUP_WALL_LIMIT) return;
      child.kill('SIGKILL');
      const used = cpu === undefined ? '' : ` (${cpu.toFixed(1)} s of CPU)`;
      reject(new Error(`no "listening" line in ${wall.toFixed(0)} s${used}:\n${log.join('\n')}`));
    }, 2000);
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        log.push(line);
        const match = /"msg":"sinyal listening on (https?:\/\/[^"]+)"/.exec(line);
        if (match) {
          clearInterval(timer);
          resolve(match[1]!.replace('localhost', '127.0.0.1'));
        }
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`sinyal exited with ${code}:\n${log.join('\n')}`));
    });
  });
  return {
    url,
    child,
    log,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A graceful stop that hangs would hang the suite: report it, then end it.
      const timer = setTimeout(() => {
        console.error(`sinyal did not stop on ${signal}:\n${log.slice(-20).join('\n')}`);
        child.kill('SIGKILL');
      }, 15000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A throwaway redis-server on a free port (tests that stop Redis must not touch the shared one). */
export interface RedisProcess {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await until('redis-server answers', async () => {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => {}); // refused until redis-server listens
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    });
  };
  await start();
  return {
    url,
    start,
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Registers a suite's before/after hooks for `count` sinyal processes under a prefix of their
 * own, on the shared Redis or, with `ownRedis`, on a throwaway `redis-server` the suite may stop.
 */
export function useCluster(
  count: number,
  options: { ownRedis?: boolean; env?: Record<string, string> } = {},
) {
  const prefix = uniquePrefix();
  const nodes: NodeProcess[] = [];
  const peers: TestPeer[] = [];
  let redis: RedisProcess | undefined;
  let release = () => {};
  before(async () => {
    release = await clusterSuite();
    if (options.ownRedis) redis = await startRedis();
    const env = { REDIS_URL: redis?.url ?? redisUrl, REDIS_PREFIX: prefix, ...options.env };
    nodes.push(...(await Promise.all(Array.from({ length: count }, () => startNode(env)))));
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(nodes.map((n) => n.kill()));
    if (redis) await redis.stop();
    else await cleanRedis(redisUrl, prefix);
    release();
  });
  /** A peer connected to process `node`, closed after the suite. */
  const on = async (node: number, transport: 'socket.io' | 'websocket' = 'socket.io') => {
    const peer = await connect(transport, nodes[node]!.url);
    peers.push(peer);
    return peer;
  };
  /** Starts another process of this cluster (a restarted one), stopped after the suite. */
  const addNode = async () => {
    const env = { REDIS_URL: redis?.url ?? redisUrl, REDIS_PREFIX: prefix, ...options.env };
    const node = await startNode(env);
    nodes.push(node);
    return node;
  };
  /**
   * Resolves once every live process has beaten again (its `hb:` key refreshed): what a beat
   * does (evict a dead process, expire parked peers) has then been tried by each of them.
   */
  const beatAgain = async () => {
    const client = new Redis(redis?.url ?? redisUrl);
    try {
      const keys = await client.keys(`${prefix}hb:*`);
      const ttls = () => Promise.all(keys.map((key) => client.pttl(key)));
      const before = await ttls();
      const readAt = Date.now(); // after the first read: the time between reads is at least this
      await until('every process beats again', async () => {
        const since = Date.now() - readAt;
        const now = await ttls();
        // Without a beat a key's TTL only falls, by at least `since`; a beat raises it again.
        return now.every((left, i) => left < 0 || left > before[i]! - since + 5);
      });
    } finally {
      client.disconnect();
    }
  };
  return { nodes, peers, on, addNode, beatAgain, redis: () => redis!, prefix };
}
