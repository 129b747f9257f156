import { and, count, desc, eq, gt, gte, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database.js';
import { endKilledServerSql } from './unclean-shutdown.js';
import type { SweepWebhooks } from './unclean-webhooks.js';
import { eventLogs, messages, serverSettings, videoRooms } from './schema.js';
import type { WebhookDelivery, WebhookDeliveryStatus } from '../protocol/webhook-types.js';
import {
  abandonEndpointSql,
  claimSql,
  findSql,
  finishSql,
  pruneSql,
  listSql,
  releaseClaimsSql,
  retrySql,
  statsSql,
  toDelivery,
  type AttemptOutcome,
  type ClaimedDelivery,
  type DeliveryRow,
  type WebhookStats,
} from './webhook-outbox.js';

export type PersistentRoom = typeof videoRooms.$inferSelect;
export type StoredSetting = typeof serverSettings.$inferSelect;
export type EventLog = typeof eventLogs.$inferSelect;
export type NewRoom = Omit<PersistentRoom, 'createdAt' | 'closedAt'>;

/** What the unclean-shutdown sweep ended, and the webhook deliveries it queued for that. */
export interface EndedUnclosed {
  connections: number;
  memberships: number;
  webhooks: number;
}

export interface LogFilter {
  type?: string;
  roomId?: string;
  peerId?: string;
  userId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  offset: number;
}

/**
 * Every read and direct write of the store, as plain data in and out, so the same methods run
 * beside node-postgres on the main thread or beside PGlite in the store worker.
 */
export class StoreQueries {
  constructor(private readonly database: Database) {}

  openRooms(): Promise<PersistentRoom[]> {
    return this.database.db.select().from(videoRooms).where(isNull(videoRooms.closedAt));
  }

  /** The row, or undefined when the room id is taken. */
  async createRoom(room: NewRoom): Promise<PersistentRoom | undefined> {
    const values = { ...room, createdAt: new Date(), closedAt: null };
    const [row] = await this.database.db
      .insert(videoRooms)
      .values(values)
      // A closed (deleted) room's id may be used again; an open one's may not.
      .onConflictDoUpdate({
        target: videoRooms.roomId,
        set: values,
        setWhere: isNotNull(videoRooms.closedAt),
      })
      .returning();
    return row;
  }

  /** The changed room, or undefined when there is no such open room. */
  async updateRoom(
    roomId: string,
    change: { name?: string; maxParticipants?: number },
  ): Promise<PersistentRoom | undefined> {
    const [row] = await this.database.db
      .update(videoRooms)
      .set(change)
      .where(and(eq(videoRooms.roomId, roomId), isNull(videoRooms.closedAt)))
      .returning();
    return row;
  }

  /** Closes an open room (kept for history); false when there is none. */
  async closeRoom(roomId: string): Promise<boolean> {
    const closed = await this.database.db
      .update(videoRooms)
      .set({ closedAt: new Date() })
      .where(and(eq(videoRooms.roomId, roomId), isNull(videoRooms.closedAt)))
      .returning({ roomId: videoRooms.roomId });
    return closed.length > 0;
  }

  settings(): Promise<StoredSetting[]> {
    return this.database.db.select().from(serverSettings).orderBy(serverSettings.key);
  }

  async saveSetting(key: string, value: string, description?: string): Promise<StoredSetting> {
    const row = { key, value, description: description ?? null, updatedAt: new Date() };
    const set = description === undefined ? { value, updatedAt: row.updatedAt } : row;
    const [saved] = await this.database.db
      .insert(serverSettings)
      .values(row)
      .onConflictDoUpdate({ target: serverSettings.key, set })
      .returning();
    return saved!;
  }

  async logs(filter: LogFilter): Promise<{ total: number; logs: EventLog[] }> {
    const where = logWhere(filter);
    const db = this.database.db;
    const [totals] = await db.select({ total: count() }).from(eventLogs).where(where);
    const logs = await db
      .select()
      .from(eventLogs)
      .where(where)
      .orderBy(desc(eventLogs.createdAt), desc(eventLogs.id))
      .limit(filter.limit)
      .offset(filter.offset);
    return { total: totals?.total ?? 0, logs };
  }

  /**
   * The log rows written after `afterId`, oldest first (the dashboard's live tail). Without
   * `afterId`, the newest row only: where a tail starts.
   */
  logsAfter(afterId: number | undefined, limit: number): Promise<EventLog[]> {
    const db = this.database.db;
    if (afterId === undefined) {
      return db.select().from(eventLogs).orderBy(desc(eventLogs.id)).limit(1);
    }
    return db
      .select()
      .from(eventLogs)
      .where(gt(eventLogs.id, afterId))
      .orderBy(eventLogs.id)
      .limit(limit);
  }

  async clearLogs(filter: Omit<LogFilter, 'limit' | 'offset'>): Promise<number> {
    const deleted = await this.database.db
      .delete(eventLogs)
      .where(logWhere(filter))
      .returning({ id: eventLogs.id });
    return deleted.length;
  }

  async totals(): Promise<{ eventLogs: number; messages: number }> {
    const db = this.database.db;
    const [logs] = await db.select({ n: count() }).from(eventLogs);
    const [msgs] = await db.select({ n: count() }).from(messages);
    return { eventLogs: logs?.n ?? 0, messages: msgs?.n ?? 0 };
  }

  /** Ends what a killed server left open, with its webhooks: see {@link endKilledServerSql}. */
  async endUnclosed(webhooks?: SweepWebhooks): Promise<EndedUnclosed> {
    const rows = await this.rows<{ type: string; n: number }>(endKilledServerSql(webhooks));
    const n = (type: string) => rows.find((r) => r.type === type)?.n ?? 0;
    return {
      connections: n('disconnect'),
      memberships: n('leave'),
      webhooks: n('participant.left') + n('room.finished'),
    };
  }

  /** Claims due webhook deliveries for `nodeId` (see {@link claimSql}). */
  claimWebhooks(
    nodeId: string,
    limit: number,
    leaseMs: number,
    ordered: boolean,
  ): Promise<ClaimedDelivery[]> {
    return this.rows(claimSql(nodeId, limit, leaseMs, ordered));
  }

  async finishWebhook(id: string, nodeId: string, outcome: AttemptOutcome): Promise<void> {
    await this.database.db.execute(finishSql(id, nodeId, outcome));
  }

  async abandonWebhookEndpoint(endpoint: string, error: string): Promise<void> {
    await this.database.db.execute(abandonEndpointSql(endpoint, error));
  }

  /** Makes claimed deliveries due now: `nodeId`'s, or all (see {@link releaseClaimsSql}). */
  async releaseWebhookClaims(nodeId?: string): Promise<void> {
    await this.database.db.execute(releaseClaimsSql(nodeId));
  }

  async webhookDeliveries(
    status: WebhookDeliveryStatus | undefined,
    limit: number,
  ): Promise<WebhookDelivery[]> {
    return (await this.rows<DeliveryRow>(listSql(status, limit))).map(toDelivery);
  }

  /** An abandoned delivery back to pending; or why not (no such delivery, or not abandoned). */
  async retryWebhookDelivery(
    id: string,
  ): Promise<{ delivery: WebhookDelivery } | { refused: 'unknown' | 'not-abandoned' }> {
    const [row] = await this.rows<DeliveryRow>(retrySql(id));
    if (row) return { delivery: toDelivery(row) };
    const [found] = await this.rows<DeliveryRow>(findSql(id));
    return { refused: found ? 'not-abandoned' : 'unknown' };
  }

  /** Deletes old delivered and abandoned deliveries (see {@link pruneSql}); answers how many. */
  async pruneWebhooks(retentionMs: number, limit: number): Promise<number> {
    return (await this.rows(pruneSql(retentionMs, limit))).length;
  }

  async webhookStats(): Promise<WebhookStats> {
    const [stats] = await this.rows<WebhookStats>(statsSql());
    return stats ?? { pending: 0, oldestPendingSeconds: 0 };
  }

  /** Rows of one SQL statement as plain objects: for diagnostics and tests, never on a request path. */
  rawQuery(text: string): Promise<Array<Record<string, unknown>>> {
    return this.rows(sql.raw(text));
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  /** The rows of a hand-written statement (PGlite and node-postgres both answer `{ rows }`). */
  private async rows<T>(statement: SQL): Promise<T[]> {
    const result = await this.database.db.execute(statement);
    return (result as unknown as { rows: T[] }).rows;
  }
}

/** The methods a {@link StoreQueries} answers, callable from another thread. */
export type QueryMethod = {
  [K in keyof StoreQueries]: StoreQueries[K] extends (...args: never[]) => unknown ? K : never;
}[keyof StoreQueries];

/** What the store needs of its queries, wherever they run. */
export type Queries = Pick<StoreQueries, QueryMethod>;

function logWhere(filter: Omit<LogFilter, 'limit' | 'offset'>): SQL | undefined {
  const parts: SQL[] = [];
  if (filter.type) parts.push(eq(eventLogs.type, filter.type));
  if (filter.roomId) parts.push(eq(eventLogs.roomId, filter.roomId));
  if (filter.peerId) parts.push(eq(eventLogs.peerId, filter.peerId));
  if (filter.userId) parts.push(eq(eventLogs.userId, filter.userId));
  if (filter.since) parts.push(gte(eventLogs.createdAt, filter.since));
  if (filter.until) parts.push(lte(eventLogs.createdAt, filter.until));
  return parts.length ? and(...parts) : undefined;
}
