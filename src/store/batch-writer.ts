import type { Database } from './database.js';
import { writeBatch, type StoreOp } from './ops.js';

export interface BatchWriterOptions {
  /**
   * Most writes kept while the database is slow or down; past it new ones are dropped and counted.
   * @default 50_000 — about a minute of a busy node's history, a few tens of MB at most
   */
  maxBuffered?: number;
  /** @default 500 — one multi-row insert per table per batch */
  batchSize?: number;
  /** @default 200 ms — history may lag this much; batching is what keeps the database cheap */
  flushInterval?: number;
  /** Longest wait between retries while the database is down. @default 5000 ms */
  maxRetryDelay?: number;
  logger?: WriterLogger;
}

/** The few log calls of the writer; a pino logger fits, and so does the store worker's relay. */
export type WriterLogger = Record<
  'info' | 'warn' | 'error',
  (fields: object, message: string) => void
>;

/** What the engine's recorder and the API need of history writes, wherever the database runs. */
export interface HistoryWriter {
  /** Queues a write without waiting; false when it was dropped (and counted). */
  push(op: StoreOp): boolean;
  stats(): WriterStats;
  /** Writes everything queued so far; rejects if the database refuses (the ops stay queued). */
  flush(): Promise<void>;
  /** Writes what it can within `timeout` ms, then stops taking writes. */
  close(timeout?: number): Promise<void>;
}

export interface WriterStats {
  buffered: number;
  written: number;
  /** Refused because the buffer was full (database down or too slow). */
  dropped: number;
  /** Rejected by a reachable database (a bad row); written one by one to isolate them. */
  failed: number;
  databaseUp: boolean;
  lastError?: string;
}

const DROP_LOG_INTERVAL = 5000;

/**
 * Collects writes from the hot path (`push` is synchronous and O(1)) and writes them in batches.
 * A failed batch stays at the head of the buffer and is retried with backoff, so nothing is lost
 * while the database is briefly away; only what exceeds `maxBuffered` is dropped, and counted.
 */
export class BatchWriter implements HistoryWriter {
  private buffer: StoreOp[] = [];
  private readonly stat: WriterStats = {
    buffered: 0,
    written: 0,
    dropped: 0,
    failed: 0,
    databaseUp: true,
  };
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private retryDelay: number;
  private droppedLogged = 0;
  private dropLoggedAt = 0;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly flushInterval: number;
  private readonly maxRetryDelay: number;
  private readonly logger: WriterLogger | undefined;

  constructor(
    private readonly database: Database,
    options: BatchWriterOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.batchSize = options.batchSize ?? 500;
    this.flushInterval = options.flushInterval ?? 200;
    this.maxRetryDelay = options.maxRetryDelay ?? 5000;
    this.logger = options.logger;
    this.retryDelay = this.flushInterval;
    this.schedule(this.flushInterval);
  }

  /** Queues a write; false when the buffer is full and the write was dropped (and counted). */
  push(op: StoreOp): boolean {
    if (this.closed || this.buffer.length >= this.maxBuffered) {
      this.stat.dropped++;
      return false;
    }
    this.buffer.push(op);
    return true;
  }

  stats(): WriterStats {
    return { ...this.stat, buffered: this.buffer.length };
  }

  /** Writes everything buffered now; rejects if the database refuses (the ops stay buffered). */
  async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      await this.writeNext();
      if (!this.stat.databaseUp) throw new Error(`database unavailable: ${this.stat.lastError}`);
    }
  }

  /** Stops the timer and writes what it can within `timeout` ms. */
  async close(timeout = 5000): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const deadline = Date.now() + timeout;
    while (this.buffer.length > 0 && Date.now() < deadline) {
      // A hung database must not hold shutdown past the deadline.
      await withDeadline(this.writeNext(), deadline - Date.now());
      if (!this.stat.databaseUp) await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
    }
    if (this.buffer.length > 0) {
      this.stat.dropped += this.buffer.length;
      this.logger?.error(
        { dropped: this.buffer.length },
        'store closed with unwritten events (database unavailable)',
      );
      this.buffer = [];
    }
  }

  private schedule(delay: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.reportDrops();
    // Behind (a connect storm records 3-4 rows per peer): batches back to back until less than a
    // batch waits. One batch per interval capped history at 2,500 rows/s, so a storm above ~600
    // joins/s filled the buffer and dropped history while the database was idle most of the time.
    while (this.buffer.length > 0 && !this.closed) {
      await this.writeNext();
      if (!this.stat.databaseUp || this.buffer.length < this.batchSize) break;
    }
    this.schedule(this.stat.databaseUp ? this.flushInterval : this.retryDelay);
  }

  /** One batch at a time: a slow database gets no pile of concurrent writes. */
  private writeNext(): Promise<void> {
    this.flushing ??= this.writeBatch().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeBatch(): Promise<void> {
    const batch = this.buffer.slice(0, this.batchSize);
    if (batch.length === 0) return;
    try {
      await this.database.db.transaction((tx) => writeBatch(tx, batch));
      this.buffer.splice(0, batch.length);
      this.succeeded(batch.length);
    } catch (error) {
      await this.recover(batch, error as Error);
    }
  }

  private async recover(batch: StoreOp[], error: Error): Promise<void> {
    try {
      await this.database.ping();
    } catch {
      // Down: keep the batch at the head and retry later with backoff.
      this.stat.lastError = error.message;
      if (this.stat.databaseUp) {
        this.logger?.warn(
          { err: error.message, buffered: this.buffer.length },
          'database unreachable: buffering history until it returns',
        );
      }
      this.stat.databaseUp = false;
      this.retryDelay = Math.min(this.maxRetryDelay, this.retryDelay * 2);
      return;
    }
    // Reachable but the batch was refused: isolate the bad writes so the rest still lands.
    let written = 0;
    for (const op of batch) {
      try {
        await writeBatch(this.database.db, [op]);
        written++;
      } catch (opError) {
        this.stat.failed++;
        this.stat.lastError = (opError as Error).message;
        this.logger?.error({ err: opError, op: op.kind }, 'store write refused by the database');
      }
    }
    this.buffer.splice(0, batch.length);
    this.succeeded(written);
  }

  private succeeded(count: number): void {
    this.stat.written += count;
    if (!this.stat.databaseUp) {
      this.logger?.info(
        { buffered: this.buffer.length, dropped: this.stat.dropped },
        'database reachable again: writing buffered history',
      );
    }
    this.stat.databaseUp = true;
    this.retryDelay = this.flushInterval;
  }

  /** Drops are logged as a running total at most every few seconds, never per event. */
  private reportDrops(): void {
    const { dropped } = this.stat;
    if (dropped === this.droppedLogged || Date.now() - this.dropLoggedAt < DROP_LOG_INTERVAL) {
      return;
    }
    this.logger?.warn(
      { dropped, since: dropped - this.droppedLogged, maxBuffered: this.maxBuffered },
      'history buffer full: events dropped',
    );
    this.droppedLogged = dropped;
    this.dropLoggedAt = Date.now();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `work`, or at most `ms`, leaving no timer behind. */
async function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, ms))));
  try {
    await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
