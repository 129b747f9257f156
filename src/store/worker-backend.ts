import { Worker } from 'node:worker_threads';
import type { StoreBackend } from './backend.js';
import type { HistoryWriter, WriterLogger, WriterStats } from './batch-writer.js';
import type { StoreOp } from './ops.js';
import { isDataDir, seedFromTemplate } from './data-dir-template.js';
import type { Queries, QueryMethod } from './queries.js';
import type { Reply, Request, WorkerInit, WorkerStats } from './worker-protocol.js';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Call = { type: 'call'; method: QueryMethod; args: unknown[] } | { type: 'flush' | 'close' };

/**
 * The worker's JS holds little more than a batch in flight, so a small young generation is
 * enough (V8's default reserves 16 MB semi-spaces); PGlite's own memory is WASM, outside it.
 */
const resourceLimits = { maxYoungGenerationSizeMb: 4 };

/**
 * History waits this long on the main thread, then crosses to the worker as one message. Once per
 * event-loop turn, a connect storm paid a postMessage per turn (5 % of the join path); the worker
 * writes every 200 ms anyway, so the wait changes when rows land by at most this much. A query
 * or flush posts what waits first, so reads still see every event before them.
 */
const HANDOFF_MS = 50;

/** Built, the worker is plain JS; from src/ (tests, `npm run dev`) it loads through tsx. */
function startWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./store-worker.js', import.meta.url), {
      workerData: init,
      resourceLimits,
    });
  }
  const entry = JSON.stringify(new URL('./store-worker.ts', import.meta.url).href);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); })`;
  return new Worker(boot, { eval: true, workerData: init, resourceLimits });
}

/** Every query the worker answers: a record over {@link QueryMethod}, so a new one cannot be missed. */
const QUERY_METHODS: Record<QueryMethod, true> = {
  openRooms: true,
  createRoom: true,
  updateRoom: true,
  closeRoom: true,
  settings: true,
  saveSetting: true,
  logs: true,
  logsAfter: true,
  clearLogs: true,
  totals: true,
  endUnclosed: true,
  rawQuery: true,
  ping: true,
  claimWebhooks: true,
  finishWebhook: true,
  abandonWebhookEndpoint: true,
  releaseWebhookClaims: true,
  webhookDeliveries: true,
  retryWebhookDelivery: true,
  webhookStats: true,
  pruneWebhooks: true,
};

/**
 * The main thread's side of the store worker (PGlite): history pushes are collected for up to
 * `HANDOFF_MS` and posted as one message; queries are calls answered by the worker. The
 * main thread never loads PGlite.
 */
class WorkerBackend implements StoreBackend, HistoryWriter {
  readonly kind = 'pglite' as const;
  threadId = -1;
  readonly writer: HistoryWriter = this;
  readonly queries: Queries;
  private queued: StoreOp[] = [];
  private handoff: NodeJS.Timeout | undefined;
  private sent = 0;
  private droppedHere = 0;
  private remote: WorkerStats = {
    writer: { buffered: 0, written: 0, dropped: 0, failed: 0, databaseUp: true },
    received: 0,
  };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: string | undefined;
  private closed = false;

  constructor(
    private readonly worker: Worker,
    private readonly logger?: WriterLogger,
  ) {
    worker.on('message', (reply: Reply) => this.receive(reply));
    worker.on('error', (error) => this.fail(`store worker failed: ${error.message}`));
    worker.on('exit', (code) => this.fail(`store worker exited (code ${code})`));
    const call =
      (method: QueryMethod) =>
      (...args: unknown[]) =>
        this.request({ type: 'call', method, args });
    this.queries = Object.fromEntries(
      Object.keys(QUERY_METHODS).map((method) => [method, call(method as QueryMethod)]),
    ) as unknown as Queries;
  }

  push(op: StoreOp): boolean {
    if (this.closed || this.exited) {
      this.droppedHere++;
      return false;
    }
    if (this.queued.push(op) === 1) {
      this.handoff = setTimeout(() => this.post(), HANDOFF_MS);
      this.handoff.unref();
    }
    return true;
  }

  stats(): WriterStats {
    const { writer, received } = this.remote;
    const inTransit = this.sent - received + this.queued.length;
    const stats = { ...writer, buffered: writer.buffered + inTransit };
    stats.dropped += this.droppedHere;
    if (this.exited) Object.assign(stats, { databaseUp: false, lastError: this.exited });
    return stats;
  }

  async flush(): Promise<void> {
    await this.request({ type: 'flush' });
  }

  close(): Promise<void> {
    return this.shutDown();
  }

  /** Posts what is queued, then lets the worker write it (within its deadline) and stop. */
  async shutDown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.exited) return;
    await this.request({ type: 'close' });
    this.worker.ref();
    await new Promise((resolve) => {
      if (this.exited) resolve(undefined);
      else this.worker.once('exit', resolve);
    });
  }

  private post(): void {
    clearTimeout(this.handoff);
    if (this.queued.length === 0 || this.exited) return;
    const ops = this.queued;
    this.queued = [];
    this.sent += ops.length;
    this.send({ type: 'ops', ops });
  }

  private request(call: Call): Promise<unknown> {
    this.post();
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    // An awaited answer keeps the process alive; an idle worker does not.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ ...call, id } as Request);
    });
  }

  private send(request: Request): void {
    this.worker.postMessage(request);
  }

  private receive(reply: Reply): void {
    if (reply.type === 'log') return this.logger?.[reply.level](reply.fields, reply.message);
    if (reply.type === 'ready') return;
    this.remote = reply.stats;
    if (reply.type === 'stats') return;
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.type === 'result') waiter?.resolve(reply.value);
    else waiter?.reject(new Error(reply.message));
  }

  private fail(reason: string): void {
    if (this.exited) return;
    this.exited = reason;
    const lost =
      this.queued.length + this.sent - this.remote.received + this.remote.writer.buffered;
    if (!this.closed) this.logger?.error({ lost }, reason);
    this.droppedHere += this.queued.length;
    this.queued = [];
    for (const waiter of this.pending.values()) waiter.reject(new Error(reason));
    this.pending.clear();
  }
}

/**
 * Starts the store worker and waits until PGlite is open and migrated. A new data directory starts
 * as a copy of the template the build prepared; without one, it is created by a worker of its own:
 * PGlite's initdb runs a second PostgreSQL and grows the WASM heap to ~600 MB, which a WASM heap
 * never gives back; a worker that exits does.
 */
export async function openWorkerBackend(init: WorkerInit, logger?: WriterLogger) {
  const dataDir = init.database.dataDir ?? './data';
  if (!dataDir.includes('://') && !isDataDir(dataDir) && !(await seedFromTemplate(dataDir))) {
    const preparer = startWorker({ ...init, prepareOnly: true });
    await ready(preparer);
    await new Promise((resolve) => preparer.once('exit', resolve));
  }
  const worker = startWorker(init);
  const backend = new WorkerBackend(worker, logger);
  backend.threadId = await ready(worker);
  worker.unref();
  return backend;
}

/** The worker's thread id once its database is open; its failure to open, as an error. */
function ready(worker: Worker): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onMessage = (reply: Reply) => {
      if (reply.type !== 'ready') return;
      worker.off('error', reject);
      worker.off('message', onMessage);
      resolve(reply.threadId);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`store worker exited (code ${code})`)));
  });
}
