import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { freePort } from '../../helpers/cluster.js';

/** Set when coturn is missing (CI installs it next to Chromium, so the TURN tests run there). */
export const turnSkipReason =
  spawnSync('turnserver', ['--version'], { stdio: 'ignore' }).error === undefined
    ? undefined
    : 'turnserver not found (apt-get install -y coturn): TURN tests skipped';

/** A real coturn on 127.0.0.1 with TURN REST credentials (`TURN_SECRET`), stoppable mid-call. */
export interface TurnServer {
  readonly url: string;
  readonly secret: string;
  /** Kills it (SIGKILL): every allocation is gone, relayed media stops. */
  stop(): Promise<void>;
  /** Starts it again on the same port and secret (allocations must be made anew). */
  start(): Promise<void>;
}

export async function startTurn(): Promise<TurnServer> {
  const port = await freePort();
  const secret = randomBytes(16).toString('hex');
  // A relay port range of its own, so parallel runs do not compete.
  const minPort = 20000 + Math.floor(Math.random() * 400) * 100;
  let child: ChildProcess | undefined;
  const args = [
    '-n', // no configuration file
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    '--realm=sinyal.test',
    '--fingerprint',
    '--allow-loopback-peers', // both browsers and their relays are on 127.0.0.1
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--log-file=stdout',
    '--simple-log',
  ];
  const start = async () => {
    const log: string[] = [];
    child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    // Listening on TCP means the UDP listener of the same port is up too.
    for (let i = 0; ; i++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      if (i > 100 || child.exitCode !== null)
        throw new Error(`turnserver did not start:\n${log.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    start,
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}
