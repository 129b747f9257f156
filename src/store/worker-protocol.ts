import type { BatchWriterOptions, WriterStats } from './batch-writer.js';
import type { DatabaseOptions } from './database.js';
import type { StoreOp } from './ops.js';
import type { QueryMethod } from './queries.js';

/** What the store worker is started with. */
export interface WorkerInit {
  database: DatabaseOptions;
  writer: Omit<BatchWriterOptions, 'logger'>;
  /** Create and migrate the data directory, then exit (see `openWorkerBackend`). */
  prepareOnly?: boolean;
}

/** Main thread → store worker. Requests with an `id` get exactly one {@link Reply}. */
export type Request =
  | { type: 'ops'; ops: StoreOp[] }
  | { type: 'call'; id: number; method: QueryMethod; args: unknown[] }
  | { type: 'flush'; id: number }
  | { type: 'close'; id: number };

/** The writer's counters, and how many ops the worker has taken in (the rest are in transit). */
export interface WorkerStats {
  writer: WriterStats;
  received: number;
}

/** Store worker → main thread. */
export type Reply =
  | { type: 'ready'; threadId: number }
  | { type: 'result'; id: number; value: unknown; stats: WorkerStats }
  | { type: 'error'; id: number; message: string; stats: WorkerStats }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; fields: object; message: string };
