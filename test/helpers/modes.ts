import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { SignJWT } from 'jose';
import type { SinyalOptions } from '../../src/server.js';
import type { ConnectOptions } from './clients.js';
import { cleanRedis, redisUrl, uniquePrefix } from './cluster.js';

/**
 * One way to run the server, with what its clients need to connect. Suites loop over
 * {@link modes} instead of copying themselves per mode.
 */
export interface Mode {
  name: string;
  /** Options for `startServer` (a fresh Redis prefix per call in cluster mode). */
  options(): SinyalOptions;
  /** Handshake credentials for a user: a signed token when the mode requires one. */
  credentials(userId: string): Promise<ConnectOptions>;
  /** Removes what the server left behind (Redis keys), after it is closed. */
  cleanup(options: SinyalOptions): Promise<void>;
  /** The service this mode needs besides Node (scripts/test-services.mjs). */
  needs?: 'redis';
}

export const jwtSecret = 'a-test-secret-of-enough-length';

/** An HS256 token for `sub`, valid five minutes. */
export const signToken = (sub: string) =>
  new SignJWT({ name: sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(jwtSecret));

const anonymous = async (userId: string): Promise<ConnectOptions> => ({ userId });
const nothing = async () => {};

export const modes: Mode[] = [
  { name: 'no auth', options: () => ({}), credentials: anonymous, cleanup: nothing },
  {
    name: 'JWT',
    options: () => ({ jwtSecret }),
    credentials: async (userId) => ({ token: await signToken(userId) }),
    cleanup: nothing,
  },
  {
    name: 'production',
    options: () => ({ nodeEnv: 'production' }),
    credentials: anonymous,
    cleanup: nothing,
  },
  {
    name: 'cluster',
    needs: 'redis',
    options: () => ({ redisUrl, redisPrefix: uniquePrefix() }),
    credentials: anonymous,
    cleanup: (options) => cleanRedis(redisUrl, options.redisPrefix!),
  },
  { name: 'HTTPS', options: () => ({ https: true }), credentials: anonymous, cleanup: nothing },
];

/**
 * Only the modes named in `SINYAL_TEST_MODES` (comma list), or all of them; without those whose
 * service `npm test` found missing (`SINYAL_TEST_UNAVAILABLE`; it names them as skipped).
 */
export function selectedModes(): Mode[] {
  const wanted = process.env.SINYAL_TEST_MODES?.split(',').map((m) => m.trim().toLowerCase());
  const unavailable = process.env.SINYAL_TEST_UNAVAILABLE?.split(',') ?? [];
  return (wanted ? modes.filter((m) => wanted.includes(m.name.toLowerCase())) : modes).filter(
    (m) => !m.needs || !unavailable.includes(m.needs),
  );
}

/** A raw TCP (or TLS, for https URLs) connection to the server, for bytes no client would send. */
export function rawConnect(url: string): Promise<Socket> {
  const { hostname, port, protocol } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket =
      protocol === 'https:'
        ? tlsConnect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () =>
            resolve(socket),
          )
        : netConnect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Drops a connection as a network failure would: a TCP reset (TLS sockets just close). */
export function reset(socket: Socket): void {
  if (socket instanceof TLSSocket) socket.destroy();
  else socket.resetAndDestroy();
}

/** Resolves when `socket` is closed by the other side (or rejects after `timeout` ms). */
export function closedBy(socket: Socket, timeout = 10_000): Promise<string> {
  let received = '';
  socket.on('error', () => {}); // a reset is a close too
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(received);
    const timer = setTimeout(() => reject(new Error(`still open after ${timeout} ms`)), timeout);
    socket.once('close', () => (clearTimeout(timer), resolve(received)));
  });
}
