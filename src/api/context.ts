import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AuthOptions } from '../auth/identity.js';
import type { Config } from '../config/config.js';
import type { Engine } from '../engine/engine.js';
import type { Store } from '../store/store.js';
import type { SseTransport } from '../transports/sse/sse-transport.js';
import type { AdminAccess } from './admin-guard.js';
import { ApiError } from './errors.js';

/** What the route modules share. */
export interface ApiContext {
  engine: Engine;
  store: Store;
  sse: SseTransport;
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

/**
 * Records an admin action (or a room creation) in the event log, buffered like every event, and
 * tells the server log at `info` (kicks, broadcasts...: rare, and what an operator looks for).
 */
export function logAdmin(ctx: ApiContext, action: string, details: Record<string, unknown>): void {
  ctx.logger.info({ action, ...details }, `admin: ${action}`);
  ctx.store.writer.push({
    kind: 'log',
    row: {
      type: 'admin',
      nodeId: ctx.engine.cluster.nodeId,
      peerId: typeof details.connectionId === 'string' ? details.connectionId : null,
      roomId: typeof details.roomId === 'string' ? details.roomId : null,
      details: { action, ...details },
      createdAt: new Date(),
    },
  });
}
