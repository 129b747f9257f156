import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { startServer } from '../helpers/server.js';
import {
  assertMedia,
  joinDemo,
  newPage,
  POLL,
  shareCanvas,
  skipReason,
  useBrowserSuite,
  waitForCall,
} from './helpers/browser.js';

/** Whether the tile of `peerId` shows moving square frames (the shared screen), not initials. */
function showsScreen(page: Page, peerId: string): Promise<unknown> {
  return page.waitForFunction(
    (id) => {
      const tile = document.querySelector(`[data-peer-id="${id}"]`) as HTMLElement | null;
      const video = tile?.querySelector('video') as HTMLVideoElement | null;
      const avatar = tile?.querySelector('.avatar') as HTMLElement | null;
      if (!tile || !video || !avatar) return false;
      return (
        tile.dataset.videoOff === 'true' &&
        tile.dataset.sharing === 'true' &&
        getComputedStyle(avatar).display === 'none' &&
        video.videoWidth > 0 &&
        video.videoWidth === video.videoHeight
      );
    },
    peerId,
    { ...POLL, timeout: 30_000 },
  );
}

/** The demo app's states beyond the call itself: presenting, removal, notices, JWT invites. */
describe('demo app states in Chromium', { skip: skipReason, timeout: 300_000 }, () => {
  const suite = useBrowserSuite();

  async function join(room: string, name: string) {
    const joined = await joinDemo(suite.browser, suite.srv.url, room, name);
    suite.track(joined.context);
    return joined;
  }

  test('a screen shared with the camera off is shown, in either order', async () => {
    const a = await join('present', 'Ada Lovelace');
    const b = await join('present', 'Bob Lee');
    await assertMedia(b.page, [a.id]);

    // Camera off first, then share.
    await a.page.click('#toggle-camera');
    await b.page.waitForSelector(`[data-peer-id="${a.id}"][data-video-off="true"]`);
    // Initials come from the words of the name.
    assert.equal(await b.page.textContent(`[data-peer-id="${a.id}"] .avatar`), 'AL');
    await shareCanvas(a.page);
    await showsScreen(b.page, a.id);
    await assertMedia(b.page, [a.id]);
    await a.page.evaluate(() => window.sinyal!.stopScreenShare());
    await b.page.waitForSelector(`[data-peer-id="${a.id}"][data-sharing="false"]`);
    await a.page.click('#toggle-camera'); // camera on again

    // Share first, then camera off.
    await shareCanvas(b.page);
    await a.page.waitForSelector(`[data-peer-id="${b.id}"][data-sharing="true"]`);
    await b.page.click('#toggle-camera');
    await showsScreen(a.page, b.id);
    assert.equal(await a.page.textContent(`[data-peer-id="${b.id}"] .avatar`), 'BL');
  });

  test('a kicked participant is told so and stays out; broadcasts show as a banner', async () => {
    const a = await join('kick', 'Ada');
    const b = await join('kick', 'Grace');
    // The kick is about signaling: Grace's tile on Ada's side is enough (media is asserted in the
    // call suites; with two browser suites at once, frames can lag past 20 s here).
    await a.page.waitForSelector(`[data-peer-id="${b.id}"]`);

    suite.srv.server.engine.broadcast('broadcast', { message: 'Maintenance at noon' });
    for (const page of [a.page, b.page]) {
      await page.getByRole('alert').filter({ hasText: 'Maintenance at noon' }).waitFor();
    }

    // What DELETE /api/connections/:id does.
    const userId = await b.page.evaluate(() => window.sinyal!.userId);
    assert.ok(await suite.srv.server.engine.kick(b.id, 'removed by the host'));
    await b.page.getByRole('heading', { name: 'You were removed from the call' }).waitFor();
    await b.page.getByText('removed by the host').waitFor();
    await a.page.waitForSelector(`[data-peer-id="${b.id}"]`, { state: 'detached' });
    // Not silently rejoined under a new id: give a reconnect ample time to happen, then look.
    await b.page.waitForTimeout(3000);
    const peers = [...suite.srv.server.engine.cluster.peers()];
    assert.equal(peers.filter((p) => p.userId === userId).length, 0, JSON.stringify(peers));
    assert.equal(await a.page.locator('.tile').count(), 1, 'only Ada is left');
  });

  test('`?` lists the keyboard shortcuts', async () => {
    const a = await join('keys', 'Ada');
    await a.page.keyboard.press('?');
    const dialog = a.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Mute or unmute the microphone/);
    await a.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  test('joins a JWT server with the token of the invite fragment, never in a request URL', async () => {
    const jwtSecret = 'demo-app-e2e-signing-secret';
    const secured = await startServer({ publicDir: suite.srv.publicDir, stunUrls: [], jwtSecret });
    try {
      const token = await new SignJWT({ name: 'Ada' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('ada-jwt')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(jwtSecret));
      const { context, page } = await newPage(suite.browser);
      suite.track(context);
      const urls: string[] = [];
      page.on('request', (request) => urls.push(request.url()));
      page.on('websocket', (ws) => urls.push(ws.url()));
      await page.goto(`${secured.url}/?room=secure&name=Ada#token=${token}`);
      await waitForCall(page, 'Ada joining with the invite token');
      const peers = [...secured.server.engine.cluster.peers()];
      assert.deepEqual(
        peers.map((p) => p.userId),
        ['ada-jwt'],
      );
      assert.ok(urls.length > 3, urls.join('\n'));
      for (const url of urls) assert.ok(!url.includes(token), `token in ${url}`);
    } finally {
      await secured.close();
    }
  });
});
