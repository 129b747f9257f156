import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import * as mint from '../src/auth/mint.js';
import {
  createAccessToken,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookEvent,
} from '../src/sdk/index.js';

// verifyWebhook and signWebhook against the Standard Webhooks reference library: what one
// signs, the other accepts; what is tampered with, both refuse.

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const event: WebhookEvent = {
  type: 'participant.joined',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: {
    room: { id: 'standup', kind: 'mesh' },
    participant: { peerId: 'p1', userId: 'ada', name: 'Ada Lovelace — ü' },
  },
};
const body = JSON.stringify(event);

/** Headers as the reference library signs them, dated `at`. */
function referenceSigned(payload = body, at = new Date(), id = 'msg_reference') {
  const signature = new Webhook(secret).sign(id, at, payload);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

const refused = (message: RegExp) => (error: unknown) =>
  error instanceof WebhookVerificationError && message.test(error.message);

describe('sinyal/server verifyWebhook and the standardwebhooks library', () => {
  it('accepts what the library signs: string, Buffer, Uint8Array; object or Headers', () => {
    const headers = referenceSigned();
    const upper = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k.replace(/^w/, 'W'), v]),
    );
    for (const raw of [body, Buffer.from(body), new TextEncoder().encode(body)]) {
      for (const given of [headers, upper, new Headers(headers)]) {
        assert.deepEqual(verifyWebhook(raw, given, secret), event);
      }
    }
  });

  it('what it signs, the library verifies', () => {
    const headers = signWebhook(body, secret, { id: 'msg_ours' });
    assert.equal(headers['webhook-id'], 'msg_ours');
    assert.deepEqual(new Webhook(secret).verify(body, headers), event);
    assert.deepEqual(
      new Webhook(secret).verify(Buffer.from(body), signWebhook(body, secret)),
      event,
    );
    // A wrong key is refused by the library too: the signature depends on the secret's bytes.
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    assert.throws(() => new Webhook(other).verify(body, headers));
  });

  it('accepts any matching v1 among several space-separated signatures', () => {
    const headers = referenceSigned();
    const good = headers['webhook-signature'];
    const forged = `v1,${randomBytes(32).toString('base64')}`;
    const several = { ...headers, 'webhook-signature': `v1a,abc ${forged} ${good}` };
    assert.deepEqual(verifyWebhook(body, several, secret), event);
    const onlyForged = { ...headers, 'webhook-signature': `${forged} v2,${good.slice(3)}` };
    assert.throws(() => verifyWebhook(body, onlyForged, secret), refused(/no v1 signature/));
  });

  it('refuses a changed body, a wrong secret and a re-encoded body', () => {
    const headers = referenceSigned();
    const changed = body.replace('ada', 'eve');
    assert.throws(() => verifyWebhook(changed, headers, secret), refused(/no v1 signature/));
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    assert.throws(() => verifyWebhook(body, headers, other), refused(/no v1 signature/));
    // What a JSON body parser followed by JSON.stringify(..., null, 2) would hand over.
    const reencoded = JSON.stringify(JSON.parse(body), null, 2);
    assert.throws(() => verifyWebhook(reencoded, headers, secret), refused(/re-encoded/));
    // A parsed object instead of the raw body is a clear mistake, not a signature mismatch.
    assert.throws(
      () => verifyWebhook(JSON.parse(body) as never, headers, secret),
      refused(/unparsed body/),
    );
  });

  it('refuses a timestamp more than 5 minutes old or ahead, and accepts one within', () => {
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);
    assert.deepEqual(verifyWebhook(body, referenceSigned(body, minutes(-4)), secret), event);
    assert.deepEqual(verifyWebhook(body, referenceSigned(body, minutes(4)), secret), event);
    assert.throws(
      () => verifyWebhook(body, referenceSigned(body, minutes(-6)), secret),
      refused(/s old/),
    );
    assert.throws(
      () => verifyWebhook(body, referenceSigned(body, minutes(6)), secret),
      refused(/in the future/),
    );
    // The library agrees on both sides of the line.
    const old = signWebhook(body, secret, { timestamp: minutes(-6) });
    assert.throws(() => new Webhook(secret).verify(body, old));
    assert.deepEqual(new Webhook(secret).verify(body, signWebhook(body, secret)), event);
  });

  it('names a missing header, a bad timestamp, a bad secret and a body that is not an event', () => {
    const headers = referenceSigned();
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const without = { ...headers, [name]: undefined };
      assert.throws(() => verifyWebhook(body, without, secret), refused(new RegExp(`no ${name}`)));
    }
    const notSeconds = { ...headers, 'webhook-timestamp': '2026-01-01T00:00:00Z' };
    assert.throws(() => verifyWebhook(body, notSeconds, secret), refused(/not Unix seconds/));
    assert.throws(() => verifyWebhook(body, headers, 'whsec_not base64!'), /whsec_<base64>/);
    for (const [payload, message] of [
      ['not json', /not JSON/],
      ['[1,2]', /not a webhook event/],
      ['null', /not a webhook event/],
    ] as const) {
      const signed = signWebhook(payload, secret);
      assert.throws(() => verifyWebhook(payload, signed, secret), refused(message));
    }
  });
});

describe('sinyal/server createAccessToken', () => {
  it('is the minting of `sinyal token`, not a copy', () => {
    assert.equal(createAccessToken, mint.createAccessToken);
  });
});
