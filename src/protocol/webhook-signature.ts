import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { WebhookEvent } from './webhook-types.js';

// Standard Webhooks, shared by the server that sends and the SDK that verifies: `webhook-signature: v1,<base64 HMAC-SHA256 of
// "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the bytes of `whsec_<base64>`.

/** How far `webhook-timestamp` may be from now, either way: older requests may be replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The request body exactly as received: a string, a Buffer or a Uint8Array. */
export type WebhookBody = string | Uint8Array;
/** Node's `request.headers`, any plain object of header names, or a fetch `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/** A request that is not a genuine, recent sinyal webhook. Answer it with 400 or 401. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

const fail = (message: string): never => {
  throw new WebhookVerificationError(`verifyWebhook: ${message}`);
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The signing key: the bytes of `whsec_<base64>` (the prefix may be left out). */
export function webhookSigningKey(secret: string | Uint8Array): Uint8Array {
  if (typeof secret !== 'string') return secret;
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!BASE64.test(encoded)) {
    throw new TypeError('The webhook secret must look like whsec_<base64> (WEBHOOK_SECRET)');
  }
  return Buffer.from(encoded, 'base64');
}

function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function signature(key: Uint8Array, id: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

const bytesOf = (body: WebhookBody): Uint8Array =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : body;

/**
 * Checks a webhook request and returns its event. `rawBody` must be the body as received, before
 * any JSON parser ran (a re-serialised body no longer matches its signature). Throws a
 * {@link WebhookVerificationError} naming what is wrong: a missing header, a timestamp more than
 * 5 minutes off, no matching `v1` signature, or a body that is not an event.
 */
export function verifyWebhook(
  rawBody: WebhookBody,
  headers: WebhookHeaders,
  secret: string | Uint8Array,
): WebhookEvent {
  const key = webhookSigningKey(secret);
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    fail('rawBody must be the unparsed body (string, Buffer or Uint8Array), not a parsed object');
  }
  const id = readHeader(headers, 'webhook-id') ?? fail('no webhook-id header');
  const timestamp = readHeader(headers, 'webhook-timestamp') ?? fail('no webhook-timestamp header');
  const signatures =
    readHeader(headers, 'webhook-signature') ?? fail('no webhook-signature header');
  if (!/^\d{1,12}$/.test(timestamp)) fail(`webhook-timestamp "${timestamp}" is not Unix seconds`);
  const skew = Math.floor(Date.now() / 1000) - Number(timestamp);
  if (skew > WEBHOOK_TOLERANCE_SECONDS) fail(`webhook-timestamp is ${skew} s old (at most 300)`);
  if (skew < -WEBHOOK_TOLERANCE_SECONDS) fail(`webhook-timestamp is ${-skew} s in the future`);

  const body = bytesOf(rawBody);
  const expected = signature(key, id, timestamp, body);
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value || !BASE64.test(value)) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches)
    fail('no v1 signature matches (wrong secret, or the body was changed or re-encoded)');

  let event: unknown;
  try {
    event = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    fail('the body is not JSON');
  }
  const { type, data } = (event ?? {}) as { type?: unknown; data?: unknown };
  if (typeof type !== 'string' || typeof data !== 'object' || data === null) {
    fail('the body is not a webhook event ({ type, timestamp, data })');
  }
  return event as WebhookEvent;
}

export interface SignWebhookOptions {
  /** @default a new `msg_<uuid>`; a retry sends the same id again */
  id?: string;
  /** @default now */
  timestamp?: Date;
}

/**
 * The three Standard Webhooks headers for `body`, as sinyal sends them: for testing a receiver
 * (post a signed request to it), or for forwarding an event to another service.
 */
export function signWebhook(
  body: WebhookBody,
  secret: string | Uint8Array,
  options: SignWebhookOptions = {},
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = String(Math.floor((options.timestamp ?? new Date()).getTime() / 1000));
  const value = signature(webhookSigningKey(secret), id, timestamp, bytesOf(body)).toString(
    'base64',
  );
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${value}` };
}
