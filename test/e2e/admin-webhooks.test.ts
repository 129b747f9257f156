import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../../src/api/extension.js';
import { connect, type TestPeer } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import {
  newWebhookSecret,
  startWebhookReceiver,
  startWebhookServer,
  webhooksInThisBuild,
  type WebhookReceiver,
} from '../helpers/webhooks.js';
import {
  ADMIN_TEST_TOKEN,
  PHONE,
  go,
  openDashboard,
  scrollsSideways,
  useDashboardBrowser,
} from './helpers/admin.js';
import { skipReason } from './helpers/browser.js';

describe('admin dashboard: Webhooks page', { skip: skipReason }, () => {
  const dashboardBrowser = useDashboardBrowser();

  it('without WEBHOOK_URL says how to configure webhooks, on a phone too', async () => {
    const srv = await startServer({
      adminToken: ADMIN_TEST_TOKEN,
      extensions: [storeApi({ store: { dataDir: 'memory://' } })],
    });
    try {
      const page = await openDashboard(dashboardBrowser(), srv.url, PHONE);
      await go(page, 'Webhooks');
      const help = page.getByRole('status').filter({ hasText: 'WEBHOOK_URL' });
      await help.waitFor({ timeout: 10_000 });
      assert.match(await help.innerText(), /WEBHOOK_SECRET/);
      assert.equal(await scrollsSideways(page), false);
      await page.context().close();
    } finally {
      await srv.close();
    }
  });

  describe(
    'with a receiver',
    { skip: !webhooksInThisBuild && 'this build delivers no webhooks (no WEBHOOK_URL setting)' },
    () => {
      const secret = newWebhookSecret();
      let receiver: WebhookReceiver;
      let srv: TestServer;
      let peer: TestPeer | undefined;
      before(async () => {
        // Answers 500 until told otherwise; one retry a second later, then abandoned.
        receiver = await startWebhookReceiver(secret, 500);
        srv = await startWebhookServer(receiver, ADMIN_TEST_TOKEN);
      });
      after(async () => {
        await peer?.close();
        await srv?.close();
        await receiver?.close();
      });

      it('lists an abandoned delivery; "Send again" delivers it (phone size)', async () => {
        peer = await connect('socket.io', srv.url, { userId: 'webhook-page-user' });
        peer.emit('video:join-room', { roomId: 'hooked-room' });
        await peer.next('video:room-state', 10_000);

        const page = await openDashboard(dashboardBrowser(), srv.url, PHONE);
        await go(page, 'Webhooks');
        const row = page
          .locator('tr[data-delivery]', { hasText: 'hooked-room' })
          .filter({ hasText: 'room.started' });
        await row.and(page.locator('[data-status="abandoned"]')).waitFor({ timeout: 30_000 });
        assert.match(await row.innerText(), /Attempts\s*2/);
        assert.equal(await scrollsSideways(page), false);

        receiver.status = 200;
        await row.getByRole('button', { name: 'Send again' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByRole('button', { name: 'Send again' }).click();
        await dialog.waitFor({ state: 'detached' });
        await row.and(page.locator('[data-status="delivered"]')).waitFor({ timeout: 30_000 });
        assert.equal(await row.getByRole('button', { name: 'Send again' }).count(), 0);

        await until('the receiver answered 200 to room.started', () =>
          receiver.received.some(
            (r) =>
              r.answered === 200 &&
              r.event.type === 'room.started' &&
              r.event.data.room.id === 'hooked-room',
          ),
        );
        assert.deepEqual(receiver.refused, []);
        await page.context().close();
      });
    },
  );
});
