import type { Logger } from 'pino';
import type { Peer } from '../engine/peer.js';
import { SignalError } from '../engine/signal-error.js';
import { ROOM_KINDS } from '../protocol/room-kinds.js';
import type { RoomRef } from '../protocol/types.js';

export interface JoinAuthzOptions {
  /** Receives `POST { userId, roomId, kind }`; answers `{ allow: boolean, reason?: string }`. */
  url: string;
  /** Sent as `Authorization: Bearer`, so the app knows the caller. */
  secret?: string;
  /** @default 2000 ms */
  timeout: number;
  /** How long an answer is reused for the same user, room and kind (0 = never). @default 10000 ms */
  cacheTtl: number;
  /** What a timeout, an outage or a garbled answer means. @default 'deny' (fail closed) */
  onError: 'deny' | 'allow';
  logger?: Logger;
}

type Answer = { allow: true } | { allow: false; reason: string };

/** Entries kept at most; beyond, the oldest go (a flood of distinct rooms cannot grow memory). */
const MAX_CACHED = 10_000;

/**
 * Asks the app whether a user may enter a room (the generalised `check-member` call of the
 * Express + Socket.IO + Redis mesh server). Answers are cached briefly; concurrent asks for the
 * same key share one request.
 */
export function joinAuthz(options: JoinAuthzOptions): (peer: Peer, room: RoomRef) => Promise<void> {
  const cache = new Map<string, { answer: Answer; until: number }>();
  const inFlight = new Map<string, Promise<Answer>>();

  async function ask(userId: string, room: RoomRef): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.secret) headers.authorization = `Bearer ${options.secret}`;
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ userId, roomId: room.id, kind: room.kind }),
      signal: AbortSignal.timeout(options.timeout),
      redirect: 'error',
    });
    const body = (await response.json().catch(() => undefined)) as
      { allow?: unknown; reason?: unknown } | undefined;
    const reason =
      typeof body?.reason === 'string' && body.reason ? body.reason.slice(0, 200) : undefined;
    if (response.ok && body?.allow === true) return { allow: true };
    if ((response.ok && body?.allow === false) || response.status === 403) {
      return { allow: false, reason: reason ?? 'The app does not let you in' };
    }
    throw new Error(`answered ${response.status} ${JSON.stringify(body) ?? ''}`.slice(0, 200));
  }

  return async (peer, room) => {
    const userId = peer.info.userId;
    const key = `${room.kind}\u0000${room.id}\u0000${userId}`;
    const now = Date.now();
    const cached = cache.get(key);
    let answer: Answer;
    if (cached && cached.until > now) answer = cached.answer;
    else {
      let pending = inFlight.get(key);
      if (!pending) {
        pending = ask(userId, room).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      try {
        answer = await pending;
      } catch (error) {
        options.logger?.warn(
          { err: (error as Error).message, url: options.url, roomId: room.id },
          'JOIN_AUTHZ_URL failed',
        );
        if (options.onError === 'allow') return;
        throw new SignalError(
          'authz-unavailable',
          `Cannot check your membership of ${ROOM_KINDS[room.kind].noun} "${room.id}" now; try again shortly`,
        );
      }
      if (options.cacheTtl > 0) {
        cache.delete(key);
        cache.set(key, { answer, until: Date.now() + options.cacheTtl });
        if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
      }
    }
    if (!answer.allow) throw new SignalError('forbidden', answer.reason);
  };
}
