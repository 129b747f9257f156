import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AuthOptions } from '../auth/identity.js';
import type { Config } from '../config/config.js';
import type { Engine } from '../engine/engine.js';
import type { OriginRule } from '../http/origin.js';
import type { Store } from '../store/store.js';
import type { SseTransport } from '../transports/sse/sse-transport.js';
import type { PeerInfo } from '../protocol/types.js';
import { adminActor, type AdminAccess } from './admin-guard.js';
import { ApiError } from './errors.js';

/** What the SSE routes need: no store, so SSE runs without one. */
export interface SseContext {
  engine: Engine;
  sse: SseTransport;
  /** ALLOWED_ORIGINS, which `GET /api/events` checks as every transport does. */
  origins: OriginRule;
  /** How connections authenticate (for the SSE token refresh). */
  auth: AuthOptions;
}

/** What the room and admin route modules share. */
export interface ApiContext {
  engine: Engine;
  store: Store;
  /** Open SSE streams: 0 when the SSE extension is not in use. */
  sseStreams(): number;
  config: Config;
  access: AdminAccess;
  /** How connections authenticate (for the SSE token refresh). */
  auth: AuthOptions;
  logger: Logger;
  /** Whether a request may see live room ids (production: admins only). */
  showRoomIds(request: FastifyRequest): Promise<boolean>;
}

/** A database read or write behind a REST call: a dead database is a 503, not a crash. */
export async function fromDb<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(
      503,
      'database-unavailable',
      `The database is unavailable: ${(error as Error).message}`,
    );
  }
}

/** The longest broadcast text the event log keeps (the whole body is in the messages table). */
export const LOGGED_TEXT_MAX = 500;

/** What a broadcast says, for the log: its `message` (or `text`, `notice`), else its JSON. */
export function broadcastText(body: Record<string, unknown>): string {
  const said = ['message', 'text', 'notice']
    .map((key) => body[key])
    .find((v) => typeof v === 'string');
  const text = (said as string | undefined) ?? JSON.stringify(body);
  return text.length > LOGGED_TEXT_MAX ? `${text.slice(0, LOGGED_TEXT_MAX - 1)}…` : text;
}

/**
 * Records an admin action (or a room creation) in the event log, buffered like every event, and
 * tells the server log at `info` (kicks, broadcasts...: rare, and what an operator looks for).
 * The row's `userId` is who did it ({@link adminActor}: a JWT `sub` or "admin token"); the
 * connection it was about, if any, is its `peerId`, with that person's id and name in `details`.
 */
export function logAdmin(
  ctx: ApiContext,
  request: FastifyRequest,
  action: string,
  details: Record<string, unknown>,
  about?: PeerInfo,
): void {
  const by = adminActor(request);
  const person = about ? { user: about.userId, name: about.user.name } : {};
  ctx.logger.info({ action, by, ...details }, `admin: ${action}`);
  ctx.store.writer.push({
    kind: 'log',
    row: {
      type: 'admin',
      nodeId: ctx.engine.cluster.nodeId,
      userId: by ?? null,
      peerId: typeof details.connectionId === 'string' ? details.connectionId : null,
      roomId: typeof details.roomId === 'string' ? details.roomId : null,
      details: { action, ...details, ...person },
      createdAt: new Date(),
    },
  });
}
