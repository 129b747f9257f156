import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { processPeakRssBytes } from './proc.js';

/** `peerjs`: PeerJS's own protocol, for connection figures only (it has no rooms). */
export type Framing = 'socket.io' | 'ws' | 'peerjs';

/** A server under test: how to start it and which framing its clients speak. */
export interface ServerSpec {
  name: string;
  framing: Framing;
  /** Path of the plain WebSocket endpoint (ws framing only). */
  wsPath?: string;
  /** Node arguments after the instrumentation flags. */
  args: string[];
  env?: Record<string, string>;
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** The Node flags `npm start` passes (package.json `scripts.start`), so sinyal runs as users run it. */
function startScriptFlags(dir: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('dist/src/cli.js'));
}
const gcHook = new URL('./gc-hook.mjs', import.meta.url).href;

const dataDirs: string[] = [];
let template: string | undefined;

/**
 * A PGlite data directory of its own, already created and migrated: a copy of one made once by
 * `db:push`, so every measured start finds a database (`--before` builds may predate the
 * template `npm run build` writes, and would run initdb).
 */
function preparedDataDir(): string {
  if (!template) {
    template = mkdtempSync(join(tmpdir(), 'sinyal-bench-template-'));
    dataDirs.push(template);
    const made = spawnSync(process.execPath, ['dist/src/store/db-push.js'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: template },
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`db:push failed: ${made.stderr || made.stdout}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sinyal-bench-data-'));
  dataDirs.push(dir);
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Removes the data directories the run made. */
export function removeDataDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** `DATA_DIR` value a spec uses to get a prepared data directory per start. */
const PREPARED = 'prepared-per-start';

/** An empty data directory, as a newcomer's very first `npm start` finds (sinyal fills it). */
export function emptyDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sinyal-bench-first-'));
  dataDirs.push(dir);
  return join(dir, 'data');
}

/**
 * sinyal from its build, as `npm start` runs it (its node flags, default log level, the embedded
 * store on), in a data directory of its own that a previous start already created. Only the per-peer rate limit is off, so it does not cap the
 * load. `build` is another checkout's root (`--before`).
 */
export function sinyalSpec(
  framing: Exclude<Framing, 'peerjs'>,
  env: Record<string, string> = {},
  build?: { dir: string; label: string },
): ServerSpec {
  const name = framing === 'ws' ? 'sinyal /ws' : 'sinyal Socket.IO';
  return {
    name: build ? `${name} (${build.label})` : name,
    framing,
    wsPath: '/ws',
    args: [...startScriptFlags(build?.dir ?? root), join(build?.dir ?? root, 'dist/src/cli.js')],
    // The default log level (info: joins and leaves are logged, relayed messages are not).
    env: { MAX_MESSAGES_PER_SECOND: '0', DATA_DIR: PREPARED, ...env },
  };
}

export const baselineSpecs: Record<Framing, ServerSpec> = {
  peerjs: {
    name: 'PeerJS 1.0.2',
    framing: 'peerjs',
    args: ['bench/baselines/peerjs-server.mjs'],
  },
  'socket.io': {
    name: 'bare Socket.IO',
    framing: 'socket.io',
    args: ['--import', 'tsx', 'bench/baselines/socketio-relay.ts'],
  },
  ws: {
    name: 'bare ws',
    framing: 'ws',
    wsPath: '/ws',
    args: ['--import', 'tsx', 'bench/baselines/ws-relay.ts'],
  },
};

/**
 * A server under test by the short name the profiling tools take (`bench/steady-threads.ts`,
 * `bench/join-threads.ts`): `ws` or `sio`, sinyal's `/ws` or Socket.IO transport with `env` added
 * (from the checkout `dir` when given); `bare-ws`, `bare-sio` or `peerjs`.
 */
export function specNamed(
  which: string | undefined,
  env: Record<string, string> = {},
  dir?: string,
): ServerSpec {
  if (which === 'bare-ws') return baselineSpecs.ws;
  if (which === 'bare-sio') return baselineSpecs['socket.io'];
  if (which === 'peerjs') return baselineSpecs.peerjs;
  const build = dir ? { dir, label: dir } : undefined;
  return sinyalSpec(which === 'sio' ? 'socket.io' : 'ws', env, build);
}

export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  port: number;
  startedAt: number;
  /** Highest RSS the process has had so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Full GC in the server (SIGUSR2 → gc-hook.mjs), then a moment for it to finish. */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const lines = output().trim().split('\n');
      throw new Error(`server exited early: ${lines.find((l) => /error/i.test(l)) ?? lines[0]}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`server did not listen on ${port} within 120 s:\n${output()}`);
}

/** Starts a server under test as its own child process on 127.0.0.1 and waits until it listens. */
export async function startServer(
  spec: ServerSpec,
  nodeFlags: string[] = [],
): Promise<RunningServer> {
  const port = await freePort();
  const startedAt = Date.now();
  const flags = ['--expose-gc', '--import', gcHook, ...nodeFlags];
  const child = spawn(process.execPath, [...flags, ...spec.args], {
    cwd: root,
    env: {
      ...process.env,
      ...spec.env,
      ...(spec.env?.DATA_DIR === PREPARED ? { DATA_DIR: preparedDataDir() } : {}),
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    spec,
    pid: child.pid!,
    port,
    startedAt,
    peakRssBytes: () => processPeakRssBytes(child.pid!),
    async collectGarbage() {
      child.kill('SIGUSR2');
      await sleep(500);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killed);
    },
  };
}
