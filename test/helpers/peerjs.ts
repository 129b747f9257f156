import WebSocket from 'ws';
import { Recorder } from './clients.js';

/** A client speaking the PeerJS server's socket protocol frame by frame, as peerjs 1.5.x does. */
export interface PeerjsSocket {
  readonly id: string;
  readonly ws: WebSocket;
  /** Server messages by `type` (OPEN, OFFER, EXPIRE...); `close` when the socket closes. */
  readonly messages: Recorder;
  send(message: object): void;
  sendRaw(text: string): void;
  close(): Promise<void>;
}

export interface PeerjsSocketOptions {
  id?: string;
  token?: string;
  key?: string;
  /** PEERJS_PATH of the server. @default '/peerjs' */
  path?: string;
  origin?: string;
}

let counter = 0;
/** An id of PeerJS's pattern, unique per test run. */
export const peerjsId = (name = 'peer') => `${name}-${process.pid}-${++counter}`;

/** The socket URL the peerjs client builds: `{path}/peerjs?key&id&token&version`. */
export function peerjsUrl(url: string, options: PeerjsSocketOptions): string {
  const params = new URLSearchParams();
  if (options.key !== '') params.set('key', options.key ?? 'peerjs');
  if (options.id !== '') params.set('id', options.id ?? peerjsId());
  if (options.token !== '') params.set('token', options.token ?? 'token-1');
  params.set('version', '1.5.5');
  return `${url.replace(/^http/, 'ws')}${options.path ?? '/peerjs'}/peerjs?${params}`;
}

/** Opens a socket; resolves once it is open (the server's first message is not awaited). */
export async function openPeerjs(
  url: string,
  options: PeerjsSocketOptions = {},
): Promise<PeerjsSocket> {
  const headers = options.origin ? { origin: options.origin } : undefined;
  const id = options.id ?? peerjsId();
  // Test servers on https have a self-signed certificate: their clients trust it.
  const tls = url.startsWith('https') ? { rejectUnauthorized: false } : {};
  const ws = new WebSocket(peerjsUrl(url, { ...options, id }), { headers, ...tls });
  const messages = new Recorder();
  ws.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as { type: string };
    messages.push(message.type, message);
  });
  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      messages.push('close', { code, reason: reason.toString() });
      resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    id,
    ws,
    messages,
    send: (message) => ws.send(JSON.stringify(message)),
    sendRaw: (text) => ws.send(text),
    async close() {
      if (ws.readyState !== ws.CLOSED) ws.close();
      await closed;
    },
  };
}

/** Opens a socket and waits for its `OPEN`. */
export async function connectPeerjs(
  url: string,
  options: PeerjsSocketOptions = {},
): Promise<PeerjsSocket> {
  const socket = await openPeerjs(url, options);
  await socket.messages.next('OPEN');
  return socket;
}

/** What a client of a mode holds (test/helpers/modes.ts `Mode.credentials`): a JWT if required. */
export type PeerjsCredentials = (userId: string) => Promise<{ token?: string }>;

/** PeerJS sockets to one server as a client of its mode connects them. */
export interface PeerjsClients {
  /** The `token` a client of the mode sends for `id`: its JWT (`sub` = the id), or any text. */
  token(id: string): Promise<string>;
  /** {@link openPeerjs} with the mode's token unless `options.token` is given. */
  open(options?: PeerjsSocketOptions): Promise<PeerjsSocket>;
  /** {@link connectPeerjs} likewise. */
  connect(options?: PeerjsSocketOptions): Promise<PeerjsSocket>;
}

/**
 * PeerJS clients of a server run in a mode: the mode's JWT as `token`, as the transport reads it,
 * and wss:// with the test certificate trusted when `url` is https.
 */
export function peerjsClients(url: string, credentials: PeerjsCredentials): PeerjsClients {
  const token = async (id: string) => (await credentials(id)).token ?? `token-${id}`;
  const complete = async (options: PeerjsSocketOptions) => {
    const id = options.id ?? peerjsId();
    return { ...options, id, token: options.token ?? (await token(id)) };
  };
  return {
    token,
    open: async (options = {}) => openPeerjs(url, await complete(options)),
    connect: async (options = {}) => connectPeerjs(url, await complete(options)),
  };
}

/** The server's answer to a handshake: `OPEN`, `ID-TAKEN` or `ERROR`, whichever comes first. */
export function answerOf(socket: PeerjsSocket, timeout = 10_000): Promise<string> {
  const types = ['OPEN', 'ID-TAKEN', 'ERROR'];
  const waits = types.map((type) =>
    socket.messages.next(type, timeout).then(
      () => type,
      // The other answers never come: only a timeout of all three is a failure.
      (error: Error) => (type === 'OPEN' ? Promise.reject(error) : new Promise<never>(() => {})),
    ),
  );
  return Promise.race(waits);
}

/** Drops a socket without a close frame, as a cut network does (the server sees 1006). */
export function cut(socket: PeerjsSocket): Promise<void> {
  socket.ws.terminate();
  return socket.messages.next('close');
}
