import { threadId } from 'node:worker_threads';
import { BatchWriter, type BatchWriterOptions, type HistoryWriter } from './batch-writer.js';
import type { Database } from './database.js';
import { StoreQueries, type Queries } from './queries.js';

/** The database side of the store: where its queries run and how history reaches it. */
export interface StoreBackend {
  readonly kind: Database['kind'];
  /** The thread the database work runs on (the store worker's for PGlite). */
  readonly threadId: number;
  readonly writer: HistoryWriter;
  readonly queries: Queries;
  /** Writes what is buffered (within the writer's deadline), then closes the database. */
  close(): Promise<void>;
}

/** Queries and the batch writer next to an open database, on the calling thread. */
export function localBackend(database: Database, writer: BatchWriterOptions): StoreBackend {
  const batchWriter = new BatchWriter(database, writer);
  return {
    kind: database.kind,
    threadId,
    writer: batchWriter,
    queries: new StoreQueries(database),
    async close() {
      await batchWriter.close();
      await database.close();
    },
  };
}
