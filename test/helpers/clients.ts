import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

/** An event as a test client saw it. */
export interface Received {
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Records every event a client receives, so a test can wait for one without racing its arrival.
 * Events are consumed in order per name.
 */
export class Recorder {
  readonly all: Received[] = [];
  private readonly waiting: Array<{ event: string; resolve: (r: Received) => void }> = [];
  private readonly unread = new Map<string, Received[]>();

  push(event: string, data: unknown): void {
    const received = { event, data };
    this.all.push(received);
    const index = this.waiting.findIndex((w) => w.event === event);
    if (index >= 0) {
      this.waiting.splice(index, 1)[0]!.resolve(received);
      return;
    }
    const queue = this.unread.get(event) ?? [];
    queue.push(received);
    this.unread.set(event, queue);
  }

  /** The next unread `event`, waiting up to `timeout` ms. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  next(event: string, timeout = 3000): Promise<any> {
    const queued = this.unread.get(event);
    if (queued?.length) return Promise.resolve(queued.shift()!.data);
    return new Promise((resolve, reject) => {
      const waiter = { event, resolve: (r: Received) => (clearTimeout(timer), resolve(r.data)) };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        const seen = this.all.map((r) => r.event).join(', ') || 'nothing';
        reject(new Error(`Timed out after ${timeout} ms waiting for "${event}" (saw: ${seen})`));
      }, timeout);
      this.waiting.push(waiter);
    });
  }

  /** Unread events of that name (consumes them). */
  drain(event: string): Received[] {
    const queued = this.unread.get(event) ?? [];
    this.unread.delete(event);
    return queued;
  }

  /**
   * Proves that none of `events` arrived, without a fixed sleep: `marker` is the arrival of
   * something sent after them through the same path (same sender, server and connection), so
   * any of them would have arrived first. Once it has arrived, none may be unread. The marker
   * must be another event name (or `next()` could take an unwanted event for it).
   */
  async noneBefore(marker: Promise<unknown>, events: string[]): Promise<void> {
    await marker;
    const got = events.flatMap((e) => this.unread.get(e) ?? []);
    if (got.length) throw new Error(`Unexpected events: ${JSON.stringify(got)}`);
  }
}

/** A test peer on either transport with the same surface. */
export interface TestPeer {
  readonly id: string;
  /** The `welcome` this connection opened with (resume token included). */
  readonly welcome: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly events: Recorder;
  emit(event: string, data?: unknown): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  next(event: string, timeout?: number): Promise<any>;
  /** Stops reading the socket, as a stuck client would (the server's writes pile up). */
  pauseReading(): void;
  close(): Promise<void>;
}

export interface ConnectOptions {
  userId?: string;
  token?: string;
  name?: string;
  /** Socket.IO only: start on long-polling and upgrade (default: websocket only). */
  polling?: boolean;
  /** Resume the peer of this token (from an earlier `welcome`)... */
  resume?: string;
  /** ...having received this many events. */
  received?: number;
  /** The `Origin` header a browser on that site would send. */
  origin?: string;
  /** The `Host` header, when not the URL's (a DNS-rebinding page sends its own name). */
  host?: string;
}

/** The `Origin` and `Host` headers asked for, if any. */
const browserHeaders = ({ origin, host }: ConnectOptions): Record<string, string> => ({
  ...(origin ? { origin } : {}),
  ...(host ? { host } : {}),
});

/** Events a client counts for a resume: every server event but `welcome`. */
export const receivedCount = (peer: TestPeer): number =>
  peer.events.all.filter((r) => !['welcome', 'disconnect', 'close'].includes(r.event)).length;

/** Test servers on https use a self-signed certificate; their clients trust it. */
const tlsOf = (url: string) => (url.startsWith('https') ? { rejectUnauthorized: false } : {});

/** Connects a Socket.IO client and waits for its `welcome`. */
export async function connectSocketIo(
  url: string,
  options: ConnectOptions = {},
): Promise<TestPeer> {
  const auth: Record<string, string | number> = {};
  for (const key of ['userId', 'token', 'name', 'resume', 'received'] as const) {
    if (options[key] !== undefined) auth[key] = options[key];
  }
  const socket: Socket = io(url, {
    auth,
    transports: options.polling ? ['polling', 'websocket'] : ['websocket'],
    reconnection: false,
    forceNew: true,
    ...tlsOf(url),
    extraHeaders: browserHeaders(options),
  });
  const events = new Recorder();
  socket.onAny((event: string, data: unknown) => events.push(event, data));
  socket.on('disconnect', (reason) => events.push('disconnect', reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
  const welcome = await events.next('welcome');
  return {
    id: welcome.socketId,
    welcome,
    events,
    emit: (event, data) => socket.emit(event, data),
    next: (event, timeout) => events.next(event, timeout),
    // engine.io-client's websocket transport keeps its `ws` socket as `ws`.
    pauseReading: () => (socket.io.engine.transport as unknown as { ws: WebSocket }).ws.pause(),
    close: async () => {
      socket.disconnect();
    },
  };
}

export interface WsPeer extends TestPeer {
  readonly ws: WebSocket;
  sendRaw(text: string | Buffer): void;
}

/** Connects a plain WebSocket client to `/ws` and waits for its `welcome`. */
export async function connectWebSocket(url: string, options: ConnectOptions = {}): Promise<WsPeer> {
  const target = new URL('/ws', url.replace(/^http/, 'ws'));
  for (const key of ['userId', 'token', 'name', 'resume', 'received'] as const) {
    if (options[key] !== undefined) target.searchParams.set(key, String(options[key]));
  }
  const ws = new WebSocket(target, { ...tlsOf(url), headers: browserHeaders(options) });
  let paused = false;
  const events = new Recorder();
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString()) as { event: string; data: unknown };
    events.push(frame.event, frame.data);
  });
  ws.on('close', (code, reason) => events.push('close', { code, reason: reason.toString() }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const welcome = await events.next('welcome');
  return {
    id: welcome.socketId,
    welcome,
    ws,
    events,
    emit: (event, data) => ws.send(JSON.stringify({ event, data })),
    sendRaw: (text) => ws.send(text),
    next: (event, timeout) => events.next(event, timeout),
    pauseReading: () => {
      paused = true;
      ws.pause();
    },
    close: async () => {
      if (ws.readyState === ws.CLOSED) return;
      // A paused client would not see the server's close frame: drop the socket.
      if (paused) return void ws.terminate();
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      });
    },
  };
}

/**
 * A marker for {@link Recorder.noneBefore} from several connections (processes): each of
 * `senders` chats in mesh room `roomId`, which reaches every member, the sender too. Per member,
 * the promise of all those chats: once they arrived, what the senders' processes had sent that
 * member before arrived too.
 */
export function chatsFrom(senders: TestPeer[], roomId: string) {
  for (const sender of senders) sender.emit('chat:video-message', { roomId, message: 'marker' });
  return (member: TestPeer): Promise<unknown> =>
    Promise.all(senders.map(() => member.next('chat:video-message-received', 10_000)));
}

export type Transport = 'socket.io' | 'websocket';

export const connect = (transport: Transport, url: string, options?: ConnectOptions) =>
  transport === 'socket.io' ? connectSocketIo(url, options) : connectWebSocket(url, options);
