import { Emitter } from '../emitter.js';

/** Server events of the SSE stream (PROTOCOLS.md §3): the mesh dialect plus these. */
export interface SseConnected {
  /** Private: it alone authorizes this connection's REST calls. Never share it. */
  connectionId: string;
  connectionToken: string;
  /** What other peers call this one (`from` of its signals, `to` of theirs). */
  peerId: string;
  /** true when a reconnect kept the same connection (and missed events were replayed). */
  resumed: boolean;
}

export type SseState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export interface SseClientEvents {
  connected: SseConnected;
  state: SseState;
  /**
   * Any server event, by name: `video:offer`, `video:user-joined`, `error`... An admin broadcast,
   * sent on the stream as an unnamed event, arrives here as `broadcast`.
   */
  message: { event: string; data: unknown };
}

export interface SseClientOptions {
  /** Server origin, e.g. `https://signal.example.com`. */
  url: string;
  userId?: string;
  name?: string;
  /** Handshake JWT when the server requires authentication. */
  token?: string;
  /**
   * Reconnect attempts in a row before giving up (state `failed`).
   * @default 5 — reference 001's client
   */
  maxAttempts?: number;
  /** First retry delay; doubles on each failed attempt. @default 1000 ms */
  baseDelay?: number;
  /** @default 30000 ms */
  maxDelay?: number;
  /** Server event names to listen for (EventSource only delivers named events it was asked for). */
  events?: string[];
  /** @default globalThis.EventSource (pass the `eventsource` package in Node) */
  EventSource?: typeof EventSource;
}

/** Failed REST call: the server's `{ error, message }` and the HTTP status. */
export class SseRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SseRequestError';
  }
}

const defaultEvents = [
  'video:room-state',
  'video:user-joined',
  'video:user-left',
  'video:offer',
  'video:answer',
  'video:ice-candidate',
  'video:peer-audio-changed',
  'video:peer-video-changed',
  'video:peer-screen-share',
  'chat:video-message-received',
  'room-full',
  'server:shutdown',
];

/**
 * A signaling peer over Server-Sent Events + REST. It reconnects by itself with exponential
 * backoff, resuming with the last event id so the connection id and missed events are kept.
 */
export class SseClient extends Emitter<SseClientEvents> {
  /** Private: authorizes this connection's REST calls. */
  connectionId: string | undefined;
  /** Public: how other peers address this one. */
  peerId: string | undefined;
  state: SseState = 'connecting';
  private token: string | undefined;
  private source: EventSource | undefined;
  private lastEventId: string | undefined;
  private attempts = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly options: Required<Omit<SseClientOptions, 'userId' | 'name' | 'token'>> &
    SseClientOptions;

  constructor(options: SseClientOptions) {
    super();
    const Source = options.EventSource ?? globalThis.EventSource;
    if (!Source) throw new Error('No EventSource: pass options.EventSource');
    this.options = {
      maxAttempts: 5,
      baseDelay: 1000,
      maxDelay: 30_000,
      events: defaultEvents,
      ...options,
      EventSource: Source,
    };
    this.open();
  }

  /** Joins a mesh room; resolves to its participants (as `video:room-state`). */
  join(roomId: string): Promise<{ participants: unknown[] }> {
    return this.post(`/api/video/rooms/${encodeURIComponent(roomId)}/join`, {});
  }

  leave(roomId: string): Promise<unknown> {
    return this.post(`/api/video/rooms/${encodeURIComponent(roomId)}/leave`, {});
  }

  /** Changes this peer's media state in a room (the others get `video:peer-*` events). */
  media(
    roomId: string,
    state: { isMuted?: boolean; isVideoOff?: boolean; isSharingScreen?: boolean },
  ): Promise<unknown> {
    return this.post(`/api/video/rooms/${encodeURIComponent(roomId)}/media`, state);
  }

  /** Sends an in-call chat message to the room (`chat:video-message-received`). */
  chat(roomId: string, message: string): Promise<unknown> {
    return this.post(`/api/video/rooms/${encodeURIComponent(roomId)}/messages`, { message });
  }

  /** Sends an offer, answer or ICE candidate to a peer of a shared room. */
  signal(to: string, type: 'offer' | 'answer' | 'ice-candidate', data: object): Promise<unknown> {
    return this.post('/api/webrtc/signal', { to, type, data });
  }

  close(): void {
    clearTimeout(this.retry);
    this.source?.close();
    this.setState('closed');
  }

  private async post<T>(path: string, body: object): Promise<T> {
    if (!this.connectionId || !this.token) throw new Error('Not connected yet');
    const response = await fetch(new URL(path, this.options.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Connection-Token': this.token },
      body: JSON.stringify({ connectionId: this.connectionId, ...body }),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const code = typeof json.error === 'string' ? json.error : 'http-error';
      const message = typeof json.message === 'string' ? json.message : response.statusText;
      throw new SseRequestError(response.status, code, message);
    }
    return json as T;
  }

  private open(): void {
    const url = new URL('/api/events', this.options.url);
    for (const key of ['userId', 'name', 'token'] as const) {
      const value = this.options[key];
      if (value) url.searchParams.set(key, value);
    }
    // A new EventSource sends no Last-Event-ID header; the query carries it instead.
    if (this.lastEventId) url.searchParams.set('lastEventId', this.lastEventId);
    const source = new this.options.EventSource(url.toString());
    this.source = source;
    const track = (event: MessageEvent) => {
      if (event.lastEventId) this.lastEventId = event.lastEventId;
    };
    source.addEventListener('connected', (event) => {
      track(event);
      const data = JSON.parse(event.data) as SseConnected;
      this.connectionId = data.connectionId;
      this.peerId = data.peerId;
      this.token = data.connectionToken;
      this.attempts = 0;
      this.setState('open');
      this.emit('connected', data);
    });
    source.addEventListener('disconnect', (event) => {
      track(event);
      this.dispatch('disconnect', event.data);
      this.close();
    });
    for (const name of this.options.events) {
      source.addEventListener(name, (event) => {
        track(event);
        this.dispatch(name, event.data);
      });
    }
    // Broadcasts come unnamed, so that `eventSource.onmessage` clients see them too.
    source.addEventListener('message', (event) => {
      track(event);
      this.dispatch('broadcast', event.data);
    });
    source.addEventListener('error', (event) => {
      // A server `error` event carries data; a connection failure does not.
      if ('data' in event && typeof event.data === 'string') {
        track(event as MessageEvent);
        this.dispatch('error', event.data);
      } else if (this.source === source) this.reconnect();
    });
  }

  private dispatch(event: string, raw: string): void {
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // Not JSON: handed over as text.
    }
    this.emit('message', { event, data });
  }

  private reconnect(): void {
    this.source?.close();
    this.source = undefined;
    if (this.state === 'closed' || this.state === 'failed') return;
    if (this.attempts >= this.options.maxAttempts) {
      this.setState('failed');
      return;
    }
    const delay = Math.min(this.options.maxDelay, this.options.baseDelay * 2 ** this.attempts);
    this.attempts++;
    this.setState('reconnecting');
    this.retry = setTimeout(() => this.open(), delay);
  }

  private setState(state: SseState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
