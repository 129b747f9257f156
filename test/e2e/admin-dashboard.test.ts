import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { connect, type TestPeer } from '../helpers/clients.js';
import { useCluster } from '../helpers/cluster.js';
import type { TestServer } from '../helpers/server.js';
import { openSse, type SsePeer } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';
import {
  ADMIN_TEST_TOKEN,
  DESKTOP,
  PHONE,
  go,
  openDashboard,
  startDashboard,
  useDashboardBrowser,
} from './helpers/admin.js';
import { skipReason } from './helpers/browser.js';

const TOKEN = ADMIN_TEST_TOKEN;
/** Set ADMIN_SCREENSHOTS=<folder> to keep desktop and phone screenshots of every page. */
const shots = process.env.ADMIN_SCREENSHOTS;

/** The number shown on an overview figure ("Connections", "Relayed msg/s"...). */
function figure(page: Page, label: string): Promise<number> {
  return page.evaluate((label) => {
    const dt = [...document.querySelectorAll('dt')].find((d) => d.textContent === label);
    return Number(dt?.nextElementSibling?.textContent?.replace(/,/g, ''));
  }, label);
}

/** Polls the page until `check` holds (it updates once a second). */
const pageUntil = (check: () => Promise<boolean>, what: string) => until(what, check, 15_000, 200);

describe('admin dashboard', { skip: skipReason }, () => {
  let browser: Browser;
  let srv: TestServer;
  const peers: TestPeer[] = [];
  const streams: SsePeer[] = [];
  const peer = async (userId: string, name = userId) => {
    const p = await connect('socket.io', srv.url, { userId, name });
    peers.push(p);
    return p;
  };

  before(async () => {
    [browser, srv] = await startDashboard(TOKEN);
  });
  after(async () => {
    streams.forEach((s) => s.abort());
    await Promise.all(peers.map((p) => p.close()));
    await browser?.close();
    await srv?.close();
  });

  it('refuses a wrong credential, and the stream without one', async () => {
    const page = await openDashboard(browser, srv.url, DESKTOP, null);
    await page.getByLabel('Admin credential').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Overview' }).count(), 0);
    const stream = await fetch(`${srv.url}/api/admin/stream`, {
      headers: { authorization: 'Bearer not-the-token-at-all' },
    });
    assert.equal(stream.status, 401);
    await page.context().close();
  });

  it('signs in and shows live figures', async () => {
    const page = await openDashboard(browser, srv.url);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // The credential is kept for the tab only: never in the URL or localStorage.
    assert.ok(!page.url().includes(TOKEN));
    const local = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    assert.ok(!local.includes(TOKEN));
    await page.context().close();
  });

  it('shows a new Socket.IO connection within 2 s, and Kick disconnects it', async () => {
    const page = await openDashboard(browser, srv.url);
    await go(page, 'Connections');
    const client = await peer('kick-me', 'Kick Me');
    const row = page.locator(`tr[data-connection="${client.id}"]`);
    await row.waitFor({ timeout: 2_000 });
    await row.getByRole('button', { name: 'Kick' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kick' }).click();
    assert.ok(await client.next('disconnect', 10_000));
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page.context().close();
  });

  it('a capacity set in the dashboard refuses the next joiner', async () => {
    const created = await fetch(`${srv.url}/api/video/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ roomId: 'capped', name: 'Capped', hostId: 'h', maxParticipants: 5 }),
    });
    assert.equal(created.status, 201);
    const page = await openDashboard(browser, srv.url);
    await go(page, 'Rooms');
    const input = page.locator('#capacity-capped');
    // Client-side validation matches the API's bounds.
    await input.fill('1');
    await page.getByRole('button', { name: 'Save capacity of capped' }).click();
    await page.getByRole('alert').filter({ hasText: 'between 2 and 1000' }).waitFor();
    await input.fill('2');
    await page.getByRole('button', { name: 'Save capacity of capped' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

    const [a, b, c] = [await peer('cap-a'), await peer('cap-b'), await peer('cap-c')];
    for (const p of [a, b]) {
      p.emit('video:join-room', { roomId: 'capped' });
      await p.next('video:room-state', 10_000);
    }
    c.emit('video:join-room', { roomId: 'capped' });
    assert.equal((await c.next('room-full', 10_000)).roomId, 'capped');
    await page.context().close();
  });

  it('a setting saved in the dashboard is checked as the API does and applies at once', async () => {
    const page = await openDashboard(browser, srv.url);
    await go(page, 'Settings');
    const row = page.locator('form', { has: page.locator('#setting-max_connections') });
    await row.getByText('default', { exact: true }).waitFor();
    await page.locator('#setting-max_connections').fill('-1');
    await page.getByRole('button', { name: 'Save max_connections' }).click();
    await page.getByRole('alert').filter({ hasText: 'at least 0' }).waitFor();
    await page.locator('#setting-max_connections').fill('5000');
    await page.getByRole('button', { name: 'Save max_connections' }).click();
    await page.getByRole('status').filter({ hasText: 'applied without a restart' }).waitFor();
    assert.equal(srv.server.engine.settings.maxConnections, 5000);
    await row.getByText('changed at runtime').waitFor();
    await page.context().close();
  });

  it('a broadcast reaches a Socket.IO client and an SSE client; one room only its members', async () => {
    const socket = await peer('listener-io');
    const sse = await openSse(srv.url, { query: { userId: 'listener-sse' } });
    streams.push(sse);
    const page = await openDashboard(browser, srv.url);
    await go(page, 'Broadcast');
    await page.getByLabel('Message').fill('Maintenance at noon');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent to' }).waitFor();
    const expected = { message: 'Maintenance at noon', from: 'admin' };
    assert.deepEqual(await socket.next('broadcast', 10_000), expected);
    // SSE clients get a broadcast as an unnamed event (`onmessage`).
    assert.deepEqual(await sse.next('message', 10_000), expected);

    socket.emit('video:join-room', { roomId: 'announce' });
    await socket.next('video:room-state', 10_000);
    await page.getByLabel('One video room').check();
    await page.getByLabel('Room id').fill('announce');
    await page.getByLabel('Message').fill('Only this room');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent to 1 connection.' }).waitFor();
    assert.deepEqual(await socket.next('broadcast', 10_000), {
      message: 'Only this room',
      from: 'admin',
    });
    // A broadcast to everyone comes after the room's: it must be the first the SSE client hears.
    await page.getByLabel('Everyone connected, every transport and node').check();
    await page.getByLabel('Message').fill('After the room');
    await page.getByRole('button', { name: 'Broadcast' }).click();
    const after = { message: 'After the room', from: 'admin' };
    assert.deepEqual(await sse.next('message', 10_000), after);
    await page.context().close();
  });

  it('a log filter narrows the list', async () => {
    await peer('log-filter-user');
    const page = await openDashboard(browser, srv.url);
    await go(page, 'Event log');
    const rows = page.locator('tbody tr[data-log-type]');
    await page.locator('tr', { hasText: 'log-filter-user' }).first().waitFor({ timeout: 10_000 });
    const before = await rows.count();
    await page.getByLabel('User id').fill('log-filter-user');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText(/^1 event$/).waitFor({ timeout: 10_000 });
    const after = await rows.count();
    assert.ok(after < before, `filter narrowed ${before} rows to ${after}`);
    assert.equal(await page.locator('tbody tr', { hasText: 'log-filter-user' }).count(), after);
    await page.getByLabel('Type').selectOption('disconnect');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No events').waitFor({ timeout: 10_000 });
    await page.context().close();
  });

  it('overview figures move when load is applied', async () => {
    const page = await openDashboard(browser, srv.url);
    const connections = await figure(page, 'Connections');
    const [a, b] = [await peer('load-a'), await peer('load-b')];
    for (const p of [a, b]) {
      p.emit('video:join-room', { roomId: 'load' });
      await p.next('video:room-state', 10_000);
    }
    await pageUntil(
      async () => (await figure(page, 'Connections')) >= connections + 2,
      'the connections figure to rise',
    );
    // Relay offers for a few seconds until the per-second figure shows them.
    const offer = { type: 'offer', sdp: 'v=0\r\n' };
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++) a.emit('video:offer', { to: b.id, offer });
    }, 100);
    try {
      await pageUntil(
        async () => (await figure(page, 'Relayed msg/s')) > 0,
        'relayed messages per second',
      );
    } finally {
      clearInterval(pump);
    }
    if (shots) await screenshots(page, srv.url);
    await page.context().close();
  });
});

describe('admin dashboard on a Redis cluster', { skip: skipReason }, () => {
  const cluster = useCluster(2);
  const dashboardBrowser = useDashboardBrowser();

  it('shows both processes as nodes, each with its connections', async () => {
    await cluster.on(1);
    // NODE_ENV=test without ADMIN_TOKEN: the admin API is open, so no sign-in screen.
    const page = await openDashboard(dashboardBrowser(), cluster.nodes[0]!.url, DESKTOP, null);
    await page.getByText('Redis, 2 nodes alive').waitFor({ timeout: 20_000 });
    const nodes = page.getByRole('table', { name: 'Nodes' }).locator('tbody tr');
    await page.waitForFunction(
      () => document.querySelectorAll('table[aria-label="Nodes"] tbody tr').length === 2,
      undefined,
      { timeout: 20_000 },
    );
    assert.equal(await nodes.count(), 2);
    assert.ok((await nodes.allTextContents()).some((row) => row.endsWith('1')));
    await page.context().close();
  });
});

/** Desktop and phone screenshots of every page, light and dark (ADMIN_SCREENSHOTS=<folder>). */
async function screenshots(desktop: Page, url: string): Promise<void> {
  const sections = [
    'Overview',
    'Connections',
    'Rooms',
    'Event log',
    'Broadcast',
    'Webhooks',
    'Settings',
  ];
  const phone = await openDashboard(desktop.context().browser()!, url, PHONE);
  await phone.evaluate(() => document.documentElement.classList.add('dark'));
  for (const [page, size] of [
    [desktop, 'desktop'],
    [phone, 'phone'],
  ] as const) {
    for (const section of sections) {
      await go(page, section);
      await page.waitForTimeout(1500);
      const name = section.toLowerCase().replace(' ', '-');
      await page.screenshot({
        path: `${shots}/admin-${size}-${name}.png`,
        fullPage: size === 'desktop',
      });
    }
  }
  await phone.context().close();
}
