import type { Logger } from 'pino';
import type { Queries } from '../store/queries.js';
import type { AttemptOutcome, ClaimedDelivery } from '../store/webhook-outbox.js';
import { nextDelay } from './retry.js';
import { sendWebhook, type AttemptResult } from './send.js';

export interface DispatcherOptions {
  /** This process: the claims it holds are its own. */
  nodeId: string;
  key: Uint8Array;
  /** Waits before each retry, in ms; one attempt more than its length, then abandoned. */
  schedule: readonly number[];
  /**
   * Endpoints that answered 410 Gone (shared with the recorder, which records nothing for them),
   * until one accepts a delivery the admin sent again.
   */
  disabled: Set<string>;
  logger?: Logger;
  /**
   * In a cluster: send only events every live process has written past (another process's
   * batch with an earlier event of the same room may still be on its way). @default false
   */
  ordered?: boolean;
  /** How often the outbox is read when nothing woke the dispatcher. @default 500 ms */
  pollInterval?: number;
  /** Attempts in flight at once (each a different room or endpoint). @default 32 */
  concurrency?: number;
  /** Standard Webhooks' request timeout. @default 15_000 ms */
  timeoutMs?: number;
  /**
   * A claim's lease: past it, another process (or the next start) takes the delivery over.
   * @default 60_000 ms: past the request timeout, so a live process keeps what it is sending.
   */
  leaseMs?: number;
}

/** Attempts by outcome, for `sinyal_webhook_deliveries_total{status}`. */
export interface DeliveryCounts {
  delivered: number;
  failed: number;
  abandoned: number;
}

/**
 * Sends the outbox: claims due deliveries from the store (each the oldest pending one of its
 * room and endpoint, so a room's events go in order), POSTs them, and records the outcome.
 * Runs beside signaling, never on its path: an attempt is a fetch and two queries, a hanging
 * receiver holds only its own slot, and nothing here is awaited by the engine.
 */
export class WebhookDispatcher {
  readonly counts: DeliveryCounts = { delivered: 0, failed: 0, abandoned: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly failing = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private databaseDown = false;
  private readonly o: Required<Omit<DispatcherOptions, 'logger'>> & { logger?: Logger };

  constructor(
    private readonly queries: Queries,
    options: DispatcherOptions,
  ) {
    this.o = {
      ordered: false,
      pollInterval: 500,
      concurrency: 32,
      timeoutMs: 15_000,
      leaseMs: 60_000,
      ...options,
    };
  }

  start(): void {
    this.wake();
  }

  /** Reads the outbox soon (an attempt ended, so the next event of its room may be due). */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), 0);
    this.timer.unref();
  }

  /**
   * Stops claiming, lets attempts in flight end within `graceMs`, aborts the rest and hands
   * this process's claims back so another process (or the next start) sends them at once.
   */
  async stop(graceMs = 2000): Promise<void> {
    clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.inFlight), grace]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.all(this.inFlight);
    await this.queries.releaseWebhookClaims(this.o.nodeId).catch(() => {});
  }

  private async poll(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.polling = true;
    this.again = false;
    let claimed: ClaimedDelivery[] = [];
    const room = this.o.concurrency - this.inFlight.size;
    try {
      if (room > 0) {
        const { nodeId, leaseMs, ordered } = this.o;
        claimed = await this.queries.claimWebhooks(nodeId, room, leaseMs, ordered);
      }
      this.databaseDown = false;
    } catch (error) {
      if (!this.databaseDown) {
        this.o.logger?.warn({ err: error }, 'webhooks: the outbox cannot be read; retrying');
      }
      this.databaseDown = true;
    }
    for (const delivery of claimed) this.track(this.attempt(delivery));
    this.polling = false;
    if (this.stopping.signal.aborted) return;
    if (this.again && room > claimed.length) return this.wake();
    this.timer = setTimeout(() => void this.poll(), this.o.pollInterval);
    this.timer.unref();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wake();
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { endpoint } = delivery;
    // A first attempt still goes out: the admin sent it again, or another process recorded it.
    const skip = this.o.disabled.has(endpoint) && delivery.attempts > 1;
    const result: AttemptResult = skip
      ? { ok: false, error: 'the endpoint answered 410 Gone: disabled', gone: true }
      : await sendWebhook(endpoint, delivery.messageId, delivery.payload, {
          key: this.o.key,
          timeoutMs: this.o.timeoutMs,
          signal: this.stopping.signal,
        });
    // Stopping mid-attempt is no failure: the claim is handed back, the next process sends it.
    if (this.stopping.signal.aborted && !result.ok) return;
    const outcome = this.outcome(delivery, result);
    this.counts[outcome.status === 'pending' ? 'failed' : outcome.status]++;
    this.report(delivery, result, outcome);
    try {
      // 410: what waits for the endpoint is abandoned with this one.
      if (!result.ok && result.gone)
        await this.queries.abandonWebhookEndpoint(endpoint, result.error);
      else await this.queries.finishWebhook(delivery.id, this.o.nodeId, outcome);
    } catch (error) {
      // The claim's lease ends and the delivery is sent again: at least once, same webhook-id.
      this.o.logger?.warn({ err: error, id: delivery.id }, 'webhooks: outcome not recorded');
    }
  }

  private outcome(delivery: ClaimedDelivery, result: AttemptResult): AttemptOutcome {
    if (result.ok) return { status: 'delivered' };
    if (result.gone) return { status: 'abandoned', error: result.error };
    const delay = nextDelay(this.o.schedule, delivery.attempts, result.retryAfterMs);
    if (delay === undefined) return { status: 'abandoned', error: result.error };
    return { status: 'pending', delayMs: delay, error: result.error };
  }

  /** Logs changes, not attempts: an endpoint that starts or stops failing, a 410, an abandon. */
  private report(delivery: ClaimedDelivery, result: AttemptResult, outcome: AttemptOutcome): void {
    const { endpoint } = delivery;
    const logger = this.o.logger;
    if (result.ok) {
      const enabled = this.o.disabled.delete(endpoint);
      if (this.failing.delete(endpoint) || enabled) {
        logger?.info({ endpoint }, 'webhooks: endpoint answers again');
      }
      return;
    }
    if (result.gone && !this.o.disabled.has(endpoint)) {
      this.o.disabled.add(endpoint);
      logger?.warn(
        { endpoint },
        'webhooks: the endpoint answered 410 Gone: nothing more is recorded for it until it accepts a delivery sent again from the admin, or the next start',
      );
    } else if (!this.failing.has(endpoint) && !result.gone) {
      this.failing.add(endpoint);
      logger?.warn(
        { endpoint, err: result.error },
        'webhooks: endpoint failing; retrying on schedule',
      );
    }
    if (outcome.status === 'abandoned' && !result.gone) {
      logger?.warn(
        { endpoint, id: delivery.id, messageId: delivery.messageId, err: result.error },
        'webhooks: delivery abandoned after its last attempt',
      );
    }
  }
}
