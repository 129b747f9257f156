import type { Logger } from 'pino';
import type { LiveSettings } from '../engine/engine.js';
import type { StoreBackend } from './backend.js';
import { lockDataDir } from './data-dir-lock.js';
import type { BatchWriterOptions, HistoryWriter, WriterStats } from './batch-writer.js';
import { checkSchemaName, type DatabaseOptions } from './database.js';
import type { EventLog, LogFilter, NewRoom, PersistentRoom, StoredSetting } from './queries.js';
import { applyLiveSetting } from './settings.js';
import type { SweepWebhooks } from './unclean-webhooks.js';
import { openWorkerBackend } from './worker-backend.js';

export type { EventLog, LogFilter, PersistentRoom, StoredSetting } from './queries.js';

export { UNCLEAN_SHUTDOWN } from './unclean-shutdown.js';

export interface StoreOptions extends DatabaseOptions {
  writer?: Omit<BatchWriterOptions, 'logger'>;
  logger?: Logger;
  /** One of several processes (REDIS_URL): a taken DATA_DIR then asks for DATABASE_URL. */
  inCluster?: boolean;
  /**
   * Webhooks (WEBHOOK_URL): the unclean-shutdown sweep queues the `participant.left` and
   * `room.finished` of what it ends. Unset: it queues none.
   */
  webhooks?: Omit<SweepWebhooks, 'inCluster'>;
}

/**
 * PostgreSQL with its queries and writer on this thread. Drizzle and node-postgres are loaded
 * only here: with the embedded store they live in the worker, and the main thread stays light.
 */
async function openPostgresBackend(
  database: DatabaseOptions & { databaseUrl: string },
  writer: Omit<BatchWriterOptions, 'logger'>,
  logger: Logger | undefined,
): Promise<StoreBackend> {
  const [{ openPostgres }, { localBackend }] = await Promise.all([
    import('./postgres-database.js'),
    import('./backend.js'),
  ]);
  return localBackend(await openPostgres(database), { ...writer, logger });
}

/** A room id already taken by a persistent room. */
export class RoomExistsError extends Error {}

/**
 * History, persistent rooms and settings. Writes from the engine go through a {@link HistoryWriter}
 * that never waits; persistent rooms are cached in memory so the engine's capacity lookup stays
 * synchronous. PostgreSQL is reached from this thread (node-postgres is asynchronous I/O); the
 * embedded PGlite lives in the store worker, so its synchronous WASM never runs beside signaling.
 */
export class Store {
  private readonly rooms = new Map<string, PersistentRoom>();

  private constructor(
    readonly backend: StoreBackend,
    private readonly unlock: () => void,
  ) {}

  static async open(options: StoreOptions): Promise<Store> {
    const { writer = {}, logger, inCluster, webhooks, ...database } = options;
    checkSchemaName(database.pgSchema);
    // A PGlite folder belongs to one process: a second server on it refuses here, on this
    // thread, with a message the CLI prints as it is.
    const dataDir = database.dataDir ?? './data';
    const lock =
      database.databaseUrl || dataDir.includes('://')
        ? undefined
        : lockDataDir(dataDir, { inCluster });
    const unlock = lock?.release ?? (() => {});
    let backend: StoreBackend;
    try {
      backend = database.databaseUrl
        ? await openPostgresBackend(
            { ...database, databaseUrl: database.databaseUrl },
            writer,
            logger,
          )
        : await openWorkerBackend({ database, writer }, logger);
    } catch (error) {
      unlock();
      throw error;
    }
    const store = new Store(backend, unlock);
    try {
      await store.loadRooms();
      // Only a data directory knows its last server died (a shared PostgreSQL's open rows may be
      // another live process's): what that server held open is ended now.
      if (lock?.uncleanStop) {
        await store.endUnclosed(logger, webhooks && { ...webhooks, inCluster });
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  get kind(): StoreBackend['kind'] {
    return this.backend.kind;
  }

  get writer(): HistoryWriter {
    return this.backend.writer;
  }

  /** Ends the connections and memberships an unclean stop left open (with webhooks), and says so. */
  private async endUnclosed(logger: Logger | undefined, webhooks?: SweepWebhooks): Promise<void> {
    const ended = await this.backend.queries.endUnclosed(webhooks);
    if (ended.connections + ended.memberships === 0) return;
    logger?.warn(
      ended,
      `The previous server on this DATA_DIR stopped without a clean shutdown (kill -9, a crash, ` +
        `power loss): ended the ${ended.connections} connections and ${ended.memberships} room ` +
        `memberships it left open, as of its last recorded event (reason "unclean-shutdown")` +
        (ended.webhooks ? `, and queued ${ended.webhooks} webhooks about them.` : '.'),
    );
  }

  /** For `Engine.setRoomCapacity`: synchronous, from the cache. */
  readonly roomCapacity = (roomId: string): number | undefined =>
    this.rooms.get(roomId)?.maxParticipants;

  persistentRooms(): PersistentRoom[] {
    return [...this.rooms.values()];
  }

  /** Re-reads persistent rooms (other nodes may have created some). */
  async loadRooms(): Promise<void> {
    const rows = await this.backend.queries.openRooms();
    this.rooms.clear();
    for (const row of rows) this.rooms.set(row.roomId, row);
  }

  async createRoom(room: NewRoom): Promise<PersistentRoom> {
    const row = await this.backend.queries.createRoom(room);
    if (!row) throw new RoomExistsError(`Room "${room.roomId}" already exists`);
    this.rooms.set(row.roomId, row);
    return row;
  }

  /** Renames a room or changes its capacity; undefined when there is no such open room. */
  async updateRoom(
    roomId: string,
    change: { name?: string; maxParticipants?: number },
  ): Promise<PersistentRoom | undefined> {
    const row = await this.backend.queries.updateRoom(roomId, change);
    if (row) this.rooms.set(row.roomId, row);
    return row;
  }

  /** Closes a persistent room (kept for history); false when there is no such open room. */
  async closeRoom(roomId: string): Promise<boolean> {
    const closed = await this.backend.queries.closeRoom(roomId);
    this.rooms.delete(roomId);
    return closed;
  }

  settings(): Promise<StoredSetting[]> {
    return this.backend.queries.settings();
  }

  saveSetting(key: string, value: string, description?: string): Promise<StoredSetting> {
    return this.backend.queries.saveSetting(key, value, description);
  }

  /** Applies stored live settings to the engine (at start and on refresh). */
  async applySettings(live: LiveSettings): Promise<void> {
    for (const { key, value } of await this.settings()) applyLiveSetting(live, key, value);
  }

  logs(filter: LogFilter): Promise<{ total: number; logs: EventLog[] }> {
    return this.backend.queries.logs(filter);
  }

  /** Log rows after `afterId`, oldest first; without it, the newest row (see StoreQueries). */
  logsAfter(afterId: number | undefined, limit: number): Promise<EventLog[]> {
    return this.backend.queries.logsAfter(afterId, limit);
  }

  /** Deletes matching logs; what is still buffered is written first so it is cleared too. */
  async clearLogs(filter: Omit<LogFilter, 'limit' | 'offset'>): Promise<number> {
    await this.writer.flush();
    return this.backend.queries.clearLogs(filter);
  }

  totals(): Promise<{ eventLogs: number; messages: number }> {
    return this.backend.queries.totals();
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

  /** Writes what is buffered (through the worker, for PGlite), then closes the database. */
  close(): Promise<void> {
    return this.backend.close().finally(this.unlock);
  }
}
