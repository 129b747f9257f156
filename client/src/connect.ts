import type { SignalingSocket } from './signaling.js';
import type { ServerEvents } from './types.js';

/**
 * Why a first connection was refused, for a page to explain: `origin-refused` (the server is up
 * but refused this page), `unreachable`, or the server's own code (`unauthorized`, `server-busy`).
 */
export class ConnectError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** Failed attempts of a first connection before `connect()` gives up (about 2 s). */
const FIRST_CONNECT_ATTEMPTS = 4;

/**
 * Whether the server answers plain HTTP (`/health`): then it is up and refused the socket.
 * `no-cors`: a page of another origin gets an opaque answer, which is enough to know.
 */
async function serverAnswers(url: string): Promise<boolean> {
  try {
    await fetch(new URL('/health', url), { cache: 'no-store', mode: 'no-cors' });
    return true;
  } catch {
    return false;
  }
}

const originRefusal = (url: string): string =>
  `The signaling server at ${url} is up but refused this page's connection: its origin ` +
  `(${globalThis.location?.origin ?? 'unknown'}) is not allowed there (ALLOWED_ORIGINS), or a proxy does not pass WebSockets`;

/**
 * Resolves with the first `welcome` of a new connection, or rejects with a `ConnectError` saying
 * why it will not come, and stops the socket retrying: a spinner without end tells nobody anything.
 */
export function firstWelcome(
  socket: SignalingSocket,
  url: string,
): Promise<ServerEvents['welcome']> {
  return new Promise((resolve, reject) => {
    let failures = 0;
    const stop = () => {
      socket.off('connect_error', onError);
      socket.off('error', onRefusal);
      socket.off('welcome', onWelcome);
    };
    const refused = (error: ConnectError) => {
      stop();
      socket.io.opts.reconnection = false; // no retry is pending after this
      socket.disconnect();
      reject(error);
    };
    const onWelcome = (welcome: ServerEvents['welcome']) => {
      stop();
      resolve(welcome);
    };
    const onError = (error: Error & { data?: { code?: string } }) => {
      // Refused for good by the server's middleware (authentication): its message says why.
      if (!socket.active) return refused(new ConnectError(error.message, codeOf(error.data)));
      // A refused handshake looks like a network error to the page: say which it is.
      if (++failures === 1) {
        void serverAnswers(url).then((up) => {
          if (up && !socket.connected) {
            refused(new ConnectError(originRefusal(url), 'origin-refused'));
          }
        });
      } else if (failures >= FIRST_CONNECT_ATTEMPTS && !socket.connected) {
        refused(new ConnectError(`Cannot reach the signaling server at ${url}`, 'unreachable'));
      }
    };
    // Admitted by Socket.IO but refused by the server (full): `error`, then a disconnect.
    const onRefusal = (error: ServerEvents['error']) =>
      refused(new ConnectError(error.message, codeOf(error)));
    socket.on('connect_error', onError);
    socket.on('error', onRefusal);
    socket.on('welcome', onWelcome);
  });
}

const codeOf = (data: { code?: unknown } | undefined): string =>
  typeof data?.code === 'string' ? data.code : 'refused';

/**
 * STUN and TURN servers for this connection. TURN credentials go to a live connection (or a
 * token holder), so they are asked for once connected; on failure, none (host candidates still
 * connect a LAN) and `onError` says why calls across NATs may fail.
 */
export async function fetchIceServers(
  serverUrl: string,
  welcome: ServerEvents['welcome'],
  credentials: { userId?: string; token?: string },
  onError: (message: string) => void,
): Promise<RTCIceServer[]> {
  const url = new URL('/api/ice-servers', serverUrl);
  if (credentials.userId) url.searchParams.set('userId', credentials.userId);
  url.searchParams.set('connectionId', welcome.socketId);
  if (welcome.connectionToken) url.searchParams.set('connectionToken', welcome.connectionToken);
  const headers: Record<string, string> = {};
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  try {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { iceServers?: RTCIceServer[] };
    return body.iceServers ?? [];
  } catch (error) {
    onError(`ICE servers unavailable: ${(error as Error).message}`);
    return [];
  }
}
