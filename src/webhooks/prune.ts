import type { Logger } from 'pino';
import type { Queries } from '../store/queries.js';

/** Checked at most this often: old deliveries may wait an hour more, nobody is hurt. */
const MAX_INTERVAL_MS = 60 * 60 * 1000;
/** ...and at least this often apart, for a retention of seconds (tests, demos). */
const MIN_INTERVAL_MS = 1000;
/** The first pass, soon after a start (a server restarted hourly must prune too). */
const FIRST_PASS_MS = 60 * 1000;
/** Rows per statement, so one pass never holds a long lock on a large outbox. */
const BATCH = 5000;

/**
 * Deletes delivered and abandoned deliveries older than `retentionMs`, a minute after the start
 * and then every hour (or every `retentionMs`, when shorter), on a timer of its own: nothing on the signaling path waits
 * for it. Several processes may prune the one outbox side by side; a delete is a delete.
 * Answers a function that stops it.
 */
export function startPruning(queries: Queries, retentionMs: number, logger?: Logger): () => void {
  const every = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, retentionMs));
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = async () => {
    try {
      let deleted = 0;
      let n: number;
      do {
        n = await queries.pruneWebhooks(retentionMs, BATCH);
        deleted += n;
      } while (n === BATCH && !stopped);
      if (deleted) logger?.debug({ deleted }, 'webhooks: old deliveries deleted');
      failing = false;
    } catch (error) {
      // A database that is down is reported by the dispatcher and /health; say it once here.
      if (!failing && !stopped)
        logger?.warn({ err: error }, 'webhooks: old deliveries not deleted; retrying');
      failing = true;
    }
    if (stopped) return;
    timer = setTimeout(() => void pass(), every);
    timer.unref();
  };
  timer = setTimeout(() => void pass(), Math.min(every, FIRST_PASS_MS));
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
