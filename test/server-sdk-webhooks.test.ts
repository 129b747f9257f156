import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SinyalAdmin, SinyalAdminError, type WebhookDelivery } from '../src/sdk/index.js';
import { connect, type TestPeer } from './helpers/clients.js';
import type { TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';
import {
  newWebhookSecret,
  startWebhookReceiver,
  startWebhookServer,
  webhooksInThisBuild,
  type WebhookReceiver,
} from './helpers/webhooks.js';

// SinyalAdmin's webhook methods against the real delivery routes: a receiver that answers 500
// until the delivery is abandoned (WEBHOOK_RETRY_SCHEDULE=1s: one retry), then 200.

const ADMIN_TOKEN = 'sdk-webhooks-admin-token-0123';

describe(
  'sinyal/server SinyalAdmin webhook deliveries',
  { skip: !webhooksInThisBuild && 'this build delivers no webhooks (no WEBHOOK_URL setting)' },
  () => {
    const secret = newWebhookSecret();
    let receiver: WebhookReceiver;
    let srv: TestServer;
    let admin: SinyalAdmin;
    let peer: TestPeer | undefined;

    before(async () => {
      receiver = await startWebhookReceiver(secret, 500);
      srv = await startWebhookServer(receiver, ADMIN_TOKEN);
      admin = new SinyalAdmin(srv.url, { token: ADMIN_TOKEN });
    });
    after(async () => {
      await peer?.close();
      await srv?.close();
      await receiver?.close();
    });

    it('lists an abandoned delivery and sends it again with the same webhook-id', async () => {
      peer = await connect('socket.io', srv.url, { userId: 'hook-user' });
      peer.emit('video:join-room', { roomId: 'sdk-hooks' });
      await peer.next('video:room-state', 10_000);

      let abandoned: WebhookDelivery | undefined;
      await until(
        'room.started of sdk-hooks is abandoned',
        async () => {
          const { deliveries } = await admin.webhookDeliveries({ status: 'abandoned' });
          abandoned = deliveries.find(
            (d) => d.room.id === 'sdk-hooks' && d.type === 'room.started',
          );
          return !!abandoned;
        },
        30_000,
      );
      assert.equal(abandoned!.attempts, 2);
      assert.match(abandoned!.lastError ?? '', /500/);
      const tries = receiver.received.filter((r) => r.id === abandoned!.messageId);
      assert.deepEqual(
        tries.map((r) => r.answered),
        [500, 500],
      );

      receiver.status = 200;
      await admin.retryWebhookDelivery(abandoned!.id);
      await until(
        'the delivery is delivered',
        async () => {
          const { deliveries } = await admin.webhookDeliveries({ status: 'delivered' });
          return deliveries.some((d) => d.id === abandoned!.id);
        },
        30_000,
      );
      const last = receiver.received.filter((r) => r.id === abandoned!.messageId).at(-1);
      assert.equal(last?.answered, 200);
      assert.equal(last?.event.type, 'room.started');
      assert.deepEqual(last?.event.data.room, { id: 'sdk-hooks', kind: 'mesh' });
      assert.deepEqual(receiver.refused, []);
    });

    it("refuses an unknown delivery and a bad filter with the server's error", async () => {
      await assert.rejects(
        admin.retryWebhookDelivery('no-such-delivery'),
        // 404, or 400 where delivery ids have a format (a UUID) this one does not have.
        (error) =>
          error instanceof SinyalAdminError && [400, 404].includes(error.status) && !!error.code,
      );
      await assert.rejects(
        admin.webhookDeliveries({ status: 'lost' as 'pending' }),
        (error) => error instanceof SinyalAdminError && error.status === 400,
      );
      await assert.rejects(
        new SinyalAdmin(srv.url, { token: 'not-the-admin-token-at-all' }).webhookDeliveries(),
        (error) => error instanceof SinyalAdminError && error.status === 401,
      );
    });
  },
);
