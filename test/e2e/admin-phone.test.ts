import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { connect, type TestPeer } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { PHONE, go, openDashboard, startDashboard } from './helpers/admin.js';
import { skipReason } from './helpers/browser.js';

const TOKEN = 'phone-dashboard-token-0123456789';
const SECTIONS = ['Overview', 'Connections', 'Rooms', 'Event log', 'Broadcast', 'Settings'];

/** How far the page itself scrolls sideways (0: it fits the screen). */
function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement!.scrollWidth - innerWidth);
}

/** Section links that are not wholly on screen without scrolling anything. */
function hiddenTabs(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const nav = document.querySelector('nav[aria-label="Sections"]')!;
    return [...nav.querySelectorAll('a')]
      .filter((a) => {
        const r = a.getBoundingClientRect();
        const onScreen = r.left >= 0 && r.right <= innerWidth && r.top >= 0;
        // Centre of the link: is it the link itself there, or something covering it?
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !(onScreen && r.width > 0 && hit && a.contains(hit));
      })
      .map((a) => a.textContent ?? '');
  });
}

describe('admin dashboard on a phone (390×844)', { skip: skipReason, timeout: 240_000 }, () => {
  let browser: Browser;
  let srv: TestServer;
  const peers: TestPeer[] = [];

  before(async () => {
    [browser, srv] = await startDashboard(TOKEN);
    // Real rows with long values: a table sized for a laptop would push the page sideways.
    for (const [i, name] of ['Ada Lovelace-Byron', 'Grace Brewster Murray Hopper'].entries()) {
      const peer = await connect('socket.io', srv.url, {
        userId: `user-with-a-long-id-${i}`,
        name,
      });
      peers.push(peer);
      peer.emit('video:join-room', { roomId: 'weekly-engineering-all-hands' });
      await peer.next('video:room-state', 10_000);
    }
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await browser?.close();
    await srv?.close();
  });

  it('every section is on screen in the tab bar, and no page pans sideways', async () => {
    const page = await openDashboard(browser, srv.url, PHONE, TOKEN);
    assert.deepEqual(await hiddenTabs(page), [], 'every section can be seen without scrolling');
    for (const section of SECTIONS) {
      await go(page, section);
      if (section === 'Connections') {
        await page.locator(`[data-connection="${peers[0]!.id}"]`).waitFor();
      }
      if (section === 'Event log')
        await page.getByText('weekly-engineering-all-hands').first().waitFor();
      assert.equal(await sidewaysOverflow(page), 0, `${section} fits 390 px`);
      assert.deepEqual(await hiddenTabs(page), [], `tabs on the ${section} page`);
    }
    // Kick still works from the phone layout.
    await go(page, 'Connections');
    const row = page.locator(`[data-connection="${peers[1]!.id}"]`);
    await row.getByRole('button', { name: 'Kick' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kick' }).click();
    assert.ok(await peers[1]!.next('disconnect', 10_000));
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page.context().close();
  });

  it('the event log shows names, what a broadcast said and which admin sent it', async () => {
    const sent = await fetch(`${srv.url}/api/broadcast`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Maintenance at noon' }),
    });
    assert.equal(sent.status, 200);
    const page = await openDashboard(browser, srv.url, PHONE, TOKEN);
    await go(page, 'Event log');
    const join = page.locator('tr[data-log-type="join"]', { hasText: 'user-with-a-long-id-0' });
    await join.getByText('Ada Lovelace-Byron', { exact: true }).waitFor({ timeout: 10_000 });
    const broadcast = page.locator('tr[data-log-type="admin"]', { hasText: 'broadcast' });
    await broadcast.getByText('admin token', { exact: true }).waitFor({ timeout: 10_000 });
    assert.match(await broadcast.innerText(), /text: Maintenance at noon/);
    await page.context().close();
  });
});
