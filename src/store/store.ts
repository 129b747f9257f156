import { and, count, desc, eq, gt, gte, isNotNull, isNull, lte, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { LiveSettings } from '../engine/engine.js';
import { BatchWriter, type BatchWriterOptions, type WriterStats } from './batch-writer.js';
import { openDatabase, type Database, type DatabaseOptions } from './database.js';
import { eventLogs, messages, serverSettings, videoRooms } from './schema.js';
import { applyLiveSetting } from './settings.js';

export type PersistentRoom = typeof videoRooms.$inferSelect;
export type StoredSetting = typeof serverSettings.$inferSelect;
export type EventLog = typeof eventLogs.$inferSelect;

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

export interface StoreOptions extends DatabaseOptions {
  writer?: Omit<BatchWriterOptions, 'logger'>;
  logger?: Logger;
}

/** A room id already taken by a persistent room. */
export class RoomExistsError extends Error {}

/**
 * History, persistent rooms and settings. Writes from the engine go through the {@link BatchWriter};
 * persistent rooms are cached in memory so the engine's capacity lookup stays synchronous.
 */
export class Store {
  readonly writer: BatchWriter;
  private readonly rooms = new Map<string, PersistentRoom>();

  private constructor(
    readonly database: Database,
    options: StoreOptions,
  ) {
    this.writer = new BatchWriter(database, { ...options.writer, logger: options.logger });
  }

  static async open(options: StoreOptions): Promise<Store> {
    const store = new Store(await openDatabase(options), options);
    await store.loadRooms();
    return store;
  }

  get kind(): Database['kind'] {
    return this.database.kind;
  }

  /** For `Engine.setRoomCapacity`: synchronous, from the cache. */
  readonly roomCapacity = (roomId: string): number | undefined =>
    this.rooms.get(roomId)?.maxParticipants;

  persistentRooms(): PersistentRoom[] {
    return [...this.rooms.values()];
  }

  /** Re-reads persistent rooms (other nodes may have created some). */
  async loadRooms(): Promise<void> {
    const rows = await this.database.db
      .select()
      .from(videoRooms)
      .where(isNull(videoRooms.closedAt));
    this.rooms.clear();
    for (const row of rows) this.rooms.set(row.roomId, row);
  }

  async createRoom(room: Omit<PersistentRoom, 'createdAt' | 'closedAt'>): Promise<PersistentRoom> {
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
    if (!row) throw new RoomExistsError(`Room "${room.roomId}" already exists`);
    this.rooms.set(row.roomId, row);
    return row;
  }

  /** Changes a persistent room's name or capacity; undefined when there is no such open room. */
  async updateRoom(
    roomId: string,
    change: { name?: string; maxParticipants?: number },
  ): Promise<PersistentRoom | undefined> {
    const [row] = await this.database.db
      .update(videoRooms)
      .set(change)
      .where(and(eq(videoRooms.roomId, roomId), isNull(videoRooms.closedAt)))
      .returning();
    if (row) this.rooms.set(row.roomId, row);
    return row;
  }

  /** Closes a persistent room (kept for history); false when there is no such open room. */
  async closeRoom(roomId: string): Promise<boolean> {
    const closed = await this.database.db
      .update(videoRooms)
      .set({ closedAt: new Date() })
      .where(and(eq(videoRooms.roomId, roomId), isNull(videoRooms.closedAt)))
      .returning({ roomId: videoRooms.roomId });
    this.rooms.delete(roomId);
    return closed.length > 0;
  }

  async settings(): Promise<StoredSetting[]> {
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

  /** Applies stored live settings to the engine (at start and on refresh). */
  async applySettings(live: LiveSettings): Promise<void> {
    for (const { key, value } of await this.settings()) applyLiveSetting(live, key, value);
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
   * `afterId` it only tells where the log ends now, so a tail starts from the present.
   */
  async logsAfter(afterId: number | undefined, limit: number): Promise<EventLog[]> {
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

  /** Deletes matching logs; what is still buffered is written first so it is cleared too. */
  async clearLogs(filter: Omit<LogFilter, 'limit' | 'offset'>): Promise<number> {
    await this.writer.flush();
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

  health(): { ok: boolean; detail: string; writer: WriterStats } {
    const writer = this.writer.stats();
    const state = writer.databaseUp ? 'up' : `down (${writer.lastError ?? 'unreachable'})`;
    return {
      ok: writer.databaseUp,
      detail: `${this.kind} ${state}; ${writer.buffered} buffered, ${writer.dropped} dropped, ${writer.failed} failed`,
      writer,
    };
  }

  async close(): Promise<void> {
    await this.writer.close();
    await this.database.close();
  }
}

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
