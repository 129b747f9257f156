import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import assert from 'node:assert/strict';
import { Recorder, type TestPeer } from './clients.js';

interface TestResponse {
  status: number;
  /** The body as it arrives (an SSE stream) or whole with {@link readAll}. */
  body: IncomingMessage;
}

/**
 * An HTTP(S) request for tests, with node:http rather than fetch: test servers on https have a
 * self-signed certificate, which fetch cannot be told to trust. No connection pooling, so an
 * aborted stream is a closed socket as the server sees it.
 */
export function send(
  target: URL,
  init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<TestResponse> {
  const go = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = go(
      target,
      {
        method: init.method ?? 'GET',
        headers: init.headers,
        signal: init.signal,
        agent: false,
        rejectUnauthorized: false,
      },
      (res) => {
        // An abort errors the body; a reader sees it, an unread body must not crash the test.
        res.on('error', () => {});
        resolve({ status: res.statusCode ?? 0, body: res });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export async function readAll(res: IncomingMessage): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk as string;
  return text;
}

/** One parsed SSE event as the test client saw it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

export interface SsePeer {
  /** The private connection id of `connected`: what REST calls name. */
  readonly id: string;
  /** The public peer id: what other peers see (`socketId`, `from`) and admins list. */
  readonly peerId: string;
  readonly token: string;
  readonly resumed: boolean;
  readonly events: Recorder;
  /** Every event in arrival order, with its id. */
  readonly log: SseEvent[];
  /** Comment lines (heartbeats) seen. */
  comments: number;
  readonly lastEventId: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  next(event: string, timeout?: number): Promise<any>;
  /** POSTs JSON with this connection's token. */
  post(path: string, body: object): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Drops the stream as a network failure would (the server sees the socket close). */
  abort(): void;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
}

export interface OpenSseOptions {
  query?: Record<string, string>;
  lastEventId?: string;
}

/**
 * Opens `GET /api/events` with fetch and parses the stream by hand, so tests see ids, comments
 * and exactly what was written. Resolves after the first `connected` event.
 */
export async function openSse(url: string, options: OpenSseOptions = {}): Promise<SsePeer> {
  const target = new URL('/api/events', url);
  for (const [k, v] of Object.entries(options.query ?? {})) target.searchParams.set(k, v);
  const controller = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (options.lastEventId) headers['Last-Event-ID'] = options.lastEventId;
  const response = await send(target, { headers, signal: controller.signal });
  if (response.status !== 200) {
    const text = await readAll(response.body);
    throw Object.assign(new Error(`SSE refused: ${response.status} ${text}`), {
      status: response.status,
      body: text,
    });
  }
  const events = new Recorder();
  const log: SseEvent[] = [];
  const state = { comments: 0, lastEventId: undefined as string | undefined };
  const ended = pump(response.body, (chunk) => {
    if (chunk.comment) state.comments++;
    if (!chunk.event && !chunk.data) return;
    if (chunk.id) state.lastEventId = chunk.id;
    const data = JSON.parse(chunk.data);
    // As in EventSource: an event without a name is a `message`.
    const event = chunk.event ?? 'message';
    log.push({ id: chunk.id, event, data });
    events.push(event, data);
  }).catch(() => {});
  const connected = await events.next('connected');
  const peer: SsePeer = {
    id: connected.connectionId,
    peerId: connected.peerId,
    token: connected.connectionToken,
    resumed: connected.resumed,
    events,
    log,
    get comments() {
      return state.comments;
    },
    set comments(n) {
      state.comments = n;
    },
    get lastEventId() {
      return state.lastEventId;
    },
    next: (event, timeout) => events.next(event, timeout),
    post: async (path, body) => {
      const res = await send(new URL(path, url), {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Connection-Token': connected.connectionToken,
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: JSON.parse(await readAll(res.body)) };
    },
    abort: () => controller.abort(),
    ended,
  };
  return peer;
}

interface Chunk {
  id?: string;
  event?: string;
  data: string;
  comment: boolean;
}

async function pump(body: IncomingMessage, onEvent: (c: Chunk) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const chunk: Chunk = { data: '', comment: false };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) chunk.comment = true;
        else if (line.startsWith('id: ')) chunk.id = line.slice(4);
        else if (line.startsWith('event: ')) chunk.event = line.slice(7);
        else if (line.startsWith('data: ')) chunk.data += line.slice(6);
      }
      onEvent(chunk);
    }
  }
}

/** A JSON request to the server: status and parsed body. */
export async function request(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const init = { method, headers: { ...headers }, body: undefined as string | undefined };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await send(new URL(path, url), init);
  const text = await readAll(res.body);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/** An offer, an answer and candidates as SSE tests send them. */
export const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
export const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
export const candidate = (n: number) => ({
  candidate: `candidate:${n} 1 udp 2122260223 10.0.0.${n} 5432${n} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});
const seqOf = (id: string | undefined) => Number(id?.split(':').pop());

/**
 * What `b` (in `roomId` with the SSE peer `peerId`) sends while that peer's stream is down: an
 * offer, three candidates, a media change. Resolves once `b` saw them handled, none refused.
 */
export async function sendWhileAway(b: TestPeer, peerId: string, roomId: string): Promise<void> {
  b.emit('video:offer', { to: peerId, offer });
  for (const n of [1, 2, 3]) b.emit('video:ice-candidate', { to: peerId, candidate: candidate(n) });
  b.emit('video:toggle-audio', { roomId, isMuted: true });
  b.emit('video:join-room', { roomId: `${roomId}-marker` }); // answered after those
  await b.events.noneBefore(b.next('video:room-state'), ['error', 'video:user-left']);
}

/**
 * Checks that `back`, resumed from `last`, got what {@link sendWhileAway} sent once and in order,
 * numbered on from `last`, then a live `video:answer` from `b`.
 */
export async function assertReplayed(back: SsePeer, last: string, b: TestPeer): Promise<void> {
  assert.equal(back.log[0]!.id, last, 'connected repeats the last id the client had');
  b.emit('video:answer', { to: back.peerId, answer }); // after any replayed twice
  await back.next('video:answer', 10_000);
  const replayed = back.log.slice(1);
  assert.deepEqual(
    replayed.map((e) => e.event),
    [
      'video:offer',
      'video:ice-candidate',
      'video:ice-candidate',
      'video:ice-candidate',
      'video:peer-audio-changed',
      'video:answer',
    ],
  );
  assert.deepEqual(
    replayed.slice(1, 4).map((e) => (e.data as { candidate: unknown }).candidate),
    [1, 2, 3].map(candidate),
  );
  const seqs = replayed.map((e) => seqOf(e.id));
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => seqOf(last) + 1 + i),
  );
}
