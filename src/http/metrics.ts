import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import { liveStats } from './stats.js';

/** A Prometheus registry for one server (not the global one, so servers can share a process). */
export function createMetricsRegistry(engine: Engine): Registry {
  const registry = new Registry();
  // The default names carry their own `process_`/`nodejs_`: `sinyal_process_cpu_user_seconds_total`.
  collectDefaultMetrics({ register: registry, prefix: 'sinyal_' });
  new Gauge({
    name: 'sinyal_connections',
    help: 'Live connections, cluster-wide',
    registers: [registry],
    collect() {
      this.set(liveStats(engine).connections);
    },
  });
  new Gauge({
    name: 'sinyal_local_connections',
    help: 'Live connections on this process',
    registers: [registry],
    collect() {
      this.set(engine.localCount);
    },
  });
  new Gauge({
    name: 'sinyal_rooms',
    help: 'Rooms and studies with at least one member, cluster-wide',
    registers: [registry],
    collect() {
      this.set(liveStats(engine).rooms);
    },
  });
  // Counters mirror the engine's plain numbers, which the hot path increments for free.
  const mirror = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  mirror(
    'sinyal_relayed_messages_total',
    'Signals relayed by this process',
    () => engine.counters.relayed,
  );
  mirror(
    'sinyal_refused_messages_total',
    'Inbound events refused by this process',
    () => engine.counters.refused,
  );
  new Counter({
    name: 'sinyal_refusals_total',
    help: 'Refusals by error code: handshakes (unauthorized, too-many-connections...), joins (forbidden, too-many-rooms...) and events',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, count] of Object.entries(engine.counters.refusals)) {
        this.inc({ code }, count);
      }
    },
  });
  new Counter({
    name: 'sinyal_outbound_budget_disconnects_total',
    help: 'Clients disconnected for not reading: their outbound buffer passed MAX_BUFFERED_BYTES',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, count] of Object.entries(engine.counters.overBudget)) {
        this.inc({ transport }, count);
      }
    },
  });
  return registry;
}

/** What the webhook metrics read: this process's attempt counts, and the outbox. */
export interface WebhookMetricsSource {
  counts(): Record<'delivered' | 'failed' | 'abandoned', number>;
  /** Cluster-wide (read from the store). */
  outbox(): Promise<{ pending: number; oldestPendingSeconds: number }>;
}

/** Webhook deliveries: outcomes of this process's attempts, and what waits in the outbox. */
export function registerWebhookMetrics(registry: Registry, source: WebhookMetricsSource): void {
  new Counter({
    name: 'sinyal_webhook_deliveries_total',
    help: 'Webhook attempts of this process by outcome: delivered, failed (retried on schedule), abandoned (after the last attempt, or a 410)',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, count] of Object.entries(source.counts())) this.inc({ status }, count);
    },
  });
  new Gauge({
    name: 'sinyal_webhook_pending_deliveries',
    help: 'Webhook deliveries waiting for their turn or their next attempt, cluster-wide',
    registers: [registry],
    async collect() {
      this.set((await source.outbox()).pending);
    },
  });
  new Gauge({
    name: 'sinyal_webhook_oldest_pending_seconds',
    help: 'Age of the oldest pending webhook delivery (0 when none): how far behind your receiver is',
    registers: [registry],
    async collect() {
      this.set((await source.outbox()).oldestPendingSeconds);
    },
  });
}
