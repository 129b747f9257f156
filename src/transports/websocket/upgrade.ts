import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { SHUTDOWN } from '../../engine/engine.js';
import type { Handshake } from '../core/transport-core.js';

// The `/ws` adapter's small pieces of wire handling: corking, upgrade refusals, frame parsing.

/**
 * Close codes: 1012 service restart (shutdown: come back, with the resume token), 4000 kicked,
 * 4001 replaced by a resumed connection, 4401 unauthorized.
 */
const CLOSE_RESTART = 1012;
const CLOSE_KICKED = 4000;
const CLOSE_REPLACED = 4001;
export const CLOSE_UNAUTHORIZED = 4401;

/** The close code of a server-side end: restart for a shutdown, else replaced or kicked. */
export function closeCodeOf(reason: string): number {
  if (reason === SHUTDOWN) return CLOSE_RESTART;
  return reason === 'replaced by a resumed connection' ? CLOSE_REPLACED : CLOSE_KICKED;
}

/** A close frame's reason holds 123 bytes of UTF-8 (`ws` throws past them): an admin's may not. */
export function closeReason(reason: string): string {
  let text = reason.slice(0, 123);
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  return text;
}

const HANDSHAKE_FIELDS = ['userId', 'token', 'name', 'avatar', 'resume', 'received'] as const;

/** The handshake fields of an upgrade's query. */
export function handshakeOf(params: URLSearchParams): Handshake {
  const query: Handshake = {};
  for (const key of HANDSHAKE_FIELDS) query[key] = params.get(key) ?? undefined;
  return query;
}

/**
 * Frames sent to one socket in the same tick (say, a burst of candidates read from its partner
 * in one TCP chunk) leave in one write instead of one syscall each. The socket is uncorked on
 * the next tick, before any I/O, so no frame waits longer than the code already running.
 */
export function corkForThisTick(tcp: Socket): void {
  if (tcp.writableCorked > 0) return;
  tcp.cork();
  process.nextTick(uncork, tcp);
}

function uncork(tcp: Socket): void {
  tcp.uncork();
}

/**
 * A module-level listener, not an arrow: a closure here would keep this upgrade's whole scope
 * (the request and its headers) alive as long as the connection.
 */
export function terminateOnError(this: WebSocket): void {
  this.terminate();
}

/**
 * Path and query of a request target, without `new URL`: a target such as `//:` is no URL at
 * all and must not throw in an upgrade handler.
 */
export function splitRequestUrl(target: string | undefined): {
  path: string;
  query: URLSearchParams;
} {
  const raw = target ?? '/';
  const mark = raw.indexOf('?');
  if (mark < 0) return { path: raw, query: new URLSearchParams() };
  return { path: raw.slice(0, mark), query: new URLSearchParams(raw.slice(mark + 1)) };
}

/** Answers an upgrade with an HTTP error and closes the socket. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  title: string,
  message: string,
): void {
  if (!socket.writable) return void socket.destroy();
  const body = message.replace(/[\r\n]/g, ' ');
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export function parseFrame(text: string): { event: string; data: unknown } | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (frame === null || typeof frame !== 'object') return undefined;
  const { event, data } = frame as { event?: unknown; data?: unknown };
  return typeof event === 'string' ? { event, data } : undefined;
}
