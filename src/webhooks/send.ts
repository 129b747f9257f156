import { retryAfter } from './retry.js';
import { signWebhook } from '../protocol/webhook-signature.js';

/** What one attempt came to. */
export type AttemptResult =
  | { ok: true }
  /** `gone`: the endpoint answered 410 and wants no more. */
  | { ok: false; error: string; gone?: boolean; retryAfterMs?: number };

export interface SendOptions {
  key: Uint8Array;
  timeoutMs: number;
  /** Aborted when the server stops. */
  signal: AbortSignal;
}

/** POSTs one signed event; any 2xx is a success. Redirects are not followed (a failure). */
export async function sendWebhook(
  endpoint: string,
  messageId: string,
  payload: string,
  options: SendOptions,
): Promise<AttemptResult> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook(payload, options.key, { id: messageId }),
      },
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    const timedOut = (error as Error).name === 'TimeoutError';
    const text = timedOut
      ? `no answer within ${options.timeoutMs / 1000} s`
      : (cause?.message ?? (error as Error).message);
    return { ok: false, error: text };
  }
  // The body is not read: the socket goes back to the pool.
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return { ok: true };
  const error = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status === 410) return { ok: false, error, gone: true };
  const wait = retryAfter(response.status, response.headers.get('retry-after'));
  return wait === undefined ? { ok: false, error } : { ok: false, error, retryAfterMs: wait };
}
