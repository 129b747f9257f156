/** Longest wait a receiver's `Retry-After` may ask for. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `500ms`, `5s`, `30m`, `2h`, `7d` in milliseconds (WEBHOOK_RETRY_SCHEDULE's and WEBHOOK_RETENTION's forms). */
export function parseSpan(span: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(span);
  if (!match) throw new Error(`Not a span: "${span}"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * The wait before the next attempt after attempt `attempt` (1-based) failed, or undefined when
 * it was the last. Up to 10 % either way, so receivers that failed together are not all retried
 * in the same second. A `Retry-After` the receiver sent replaces the schedule's wait.
 */
export function nextDelay(
  schedule: readonly number[],
  attempt: number,
  retryAfterMs?: number,
): number | undefined {
  const wait = schedule[attempt - 1];
  if (wait === undefined) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.round(wait * (0.9 + Math.random() * 0.2));
}

/** The statuses whose `Retry-After` is honoured: rate limited, or a gateway in trouble. */
const RETRY_AFTER_STATUSES = new Set([429, 502, 504]);

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or other. */
export function retryAfter(
  status: number,
  header: string | null,
  now = Date.now(),
): number | undefined {
  if (!header || !RETRY_AFTER_STATUSES.has(status)) return undefined;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, seconds));
}
