/**
 * The store worker: PGlite, its migrations and the batch writer, on their own thread. PGlite runs
 * queries synchronously inside WASM, so a burst of history would otherwise stall every relay.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { localBackend } from './backend.js';
import type { WriterLogger } from './batch-writer.js';
import type { Database } from './database.js';
import { openPglite } from './pglite-database.js';
import type { Reply, Request, WorkerInit, WorkerStats } from './worker-protocol.js';

const port = parentPort!;
const post = (reply: Reply) => port.postMessage(reply);
const init = workerData as WorkerInit;

const logger: WriterLogger = {
  info: (fields, message) => post({ type: 'log', level: 'info', fields, message }),
  warn: (fields, message) => post({ type: 'log', level: 'warn', fields, message }),
  error: (fields, message) => post({ type: 'log', level: 'error', fields, message }),
};

/** Answers the main thread's requests until it asks to close. */
function serve(database: Database): void {
  const backend = localBackend(database, { ...init.writer, logger });
  const { writer, queries } = backend;
  let received = 0;

  // The main thread reads the writer's counters synchronously (health): it gets each change.
  let reported = '';
  const reportStats = (): WorkerStats => {
    const stats = { writer: writer.stats(), received };
    const text = JSON.stringify(stats);
    if (text !== reported) {
      reported = text;
      post({ type: 'stats', stats });
    }
    return stats;
  };
  setInterval(reportStats, 100).unref();

  const answer = async (id: number, work: () => Promise<unknown>) => {
    try {
      const value = await work();
      post({ type: 'result', id, value, stats: reportStats() });
    } catch (error) {
      post({ type: 'error', id, message: (error as Error).message, stats: reportStats() });
    }
  };

  port.on('message', (request: Request) => {
    switch (request.type) {
      case 'ops':
        received += request.ops.length;
        for (const op of request.ops) writer.push(op);
        return;
      case 'call': {
        const method = queries[request.method] as (...args: unknown[]) => Promise<unknown>;
        void answer(request.id, () => method.apply(queries, request.args));
        return;
      }
      case 'flush':
        void answer(request.id, () => writer.flush());
        return;
      case 'close':
        void answer(request.id, () => backend.close()).then(() => port.close());
    }
  });
}

const database = await openPglite(init.database);
if (init.prepareOnly) {
  await database.close();
} else {
  serve(database);
}
post({ type: 'ready', threadId });
