import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Engine } from '../engine/engine.js';
import type { Store } from '../store/store.js';
import type { WebhookStats } from '../store/webhook-outbox.js';
import { WebhookDispatcher, type DeliveryCounts } from './dispatcher.js';
import { nextSeq, recordWebhookEvents } from './events.js';
import { startPruning } from './prune.js';
import { parseSpan } from './retry.js';
import { webhookSigningKey } from '../protocol/webhook-signature.js';

/**
 * In a cluster, how often this process says how far its events are written (a `webhook-mark`
 * behind them in the history buffer): deliveries of every process wait for it.
 */
const MARK_INTERVAL_MS = 250;
/** One outbox count serves a scrape's two gauges. */
const STATS_TTL_MS = 1000;

export interface Webhooks {
  /** Stops recording events (with the history recorder, before the store closes). */
  stopRecording(): void;
  /** Hands in-flight deliveries back and stops sending. */
  close(): Promise<void>;
  /** Outcomes of this process's attempts (for `/metrics`). */
  counts(): DeliveryCounts;
  /** What waits in the outbox, cluster-wide (read at most once a second). */
  outbox(): Promise<WebhookStats>;
}

export interface WebhooksContext {
  engine: Engine;
  store: Store;
  config: Config;
  logger: Logger;
}

/**
 * Webhooks when WEBHOOK_URL is set (with WEBHOOK_SECRET: `resolveConfig` checked): engine events go into the store's outbox with the history,
 * and a dispatcher sends them. Undefined when no URL is configured.
 */
export async function startWebhooks(context: WebhooksContext): Promise<Webhooks | undefined> {
  const { engine, store, config, logger } = context;
  const endpoints = config.webhookUrls ?? [];
  if (endpoints.length === 0) return undefined;
  const queries = store.backend.queries;
  // One process owns a PGlite database: claims in it are a previous run's, due again now.
  if (store.kind === 'pglite') await queries.releaseWebhookClaims();
  const nodeId = engine.cluster.nodeId;
  const ordered = Boolean(config.redisUrl);
  const mark = (seq: number | null) => store.writer.push({ kind: 'webhook-mark', nodeId, seq });
  let marks: NodeJS.Timeout | undefined;
  if (ordered) {
    // On record before the first event, so no delivery overtakes one of this process's.
    mark(nextSeq());
    await store.writer.flush();
    marks = setInterval(() => mark(nextSeq()), MARK_INTERVAL_MS);
    marks.unref();
  }
  const disabled = new Set<string>();
  const stopEvents = recordWebhookEvents(engine.hooks, store.writer, {
    endpoints,
    events: config.webhookEvents,
    disabled,
  });
  const stopRecording = () => {
    stopEvents();
    clearInterval(marks);
    // Written after this process's last events: the others need not wait for it any more.
    if (ordered) mark(null);
  };
  const dispatcher = new WebhookDispatcher(queries, {
    nodeId,
    key: webhookSigningKey(config.webhookSecret!),
    schedule: config.webhookRetrySchedule.map(parseSpan),
    disabled,
    logger,
    ordered,
    leaseMs: config.webhookClaimLease,
  });
  dispatcher.start();
  const stopPruning = startPruning(queries, parseSpan(config.webhookRetention), logger);
  logger.debug({ endpoints: endpoints.length }, 'webhooks on');
  return {
    stopRecording,
    close: () => {
      stopPruning();
      return dispatcher.stop();
    },
    counts: () => dispatcher.counts,
    outbox: cached(() => queries.webhookStats(), STATS_TTL_MS),
  };
}

/** `read`'s answer, shared for `ttl` ms; a database that is down reads as an empty outbox. */
function cached(read: () => Promise<WebhookStats>, ttl: number): () => Promise<WebhookStats> {
  let last: { at: number; value: Promise<WebhookStats> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ttl) {
      const value = read().catch(() => ({ pending: 0, oldestPendingSeconds: 0 }));
      last = { at: Date.now(), value };
    }
    return last.value;
  };
}
