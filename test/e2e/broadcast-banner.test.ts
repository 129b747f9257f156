import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { storeApi } from '../../src/api/extension.js';
import { joinDemo, skipReason, useBrowserSuite } from './helpers/browser.js';

const TOKEN = 'banner-test-admin-token-0123456789';
const SIZES = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};
const MESSAGES = [
  'The server restarts at 18:00 UTC for maintenance; calls come back by themselves.',
  'Reminder: the all-hands starts in ten minutes in room "town-hall". Bring your questions!',
];

/** The stage and the on-screen area of every playing video, after the layout has settled. */
function geometry(page: Page) {
  return page.evaluate(async () => {
    // Two frames: the grid's ResizeObserver has placed the tiles for the new size.
    for (let i = 0; i < 2; i++) await new Promise(requestAnimationFrame);
    const visible = (r: DOMRect) =>
      Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0)) *
      Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    const videos = [...document.querySelectorAll<HTMLVideoElement>('.tile video')].filter(
      (v) => v.videoWidth > 0 && getComputedStyle(v).display !== 'none',
    );
    const controls = document.querySelector('.controls')!.getBoundingClientRect();
    return {
      video: videos.reduce((sum, v) => sum + visible(v.getBoundingClientRect()), 0),
      stage: visible(document.querySelector('.stage')!.getBoundingClientRect()),
      screen: innerWidth * innerHeight,
      controlsOnScreen: controls.top >= 0 && controls.bottom <= innerHeight + 0.5,
      pageScrolls: document.scrollingElement!.scrollHeight > innerHeight,
      banners: [...document.querySelectorAll('.banner.broadcast')].map((b) => b.textContent),
    };
  });
}

/** The demo in a call when an operator broadcasts: the banners sit above the stage, not on it. */
describe('admin broadcasts in the demo call', { skip: skipReason, timeout: 240_000 }, () => {
  const suite = useBrowserSuite({
    server: { adminToken: TOKEN, extensions: [storeApi({ store: { dataDir: 'memory://' } })] },
  });

  async function broadcast(room: string, message: string): Promise<void> {
    const response = await fetch(`${suite.srv.url}/api/broadcast?roomId=${room}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message }),
    });
    assert.equal(response.status, 200, await response.text());
  }

  for (const [device, viewport] of Object.entries(SIZES)) {
    test(`${device}: two banners leave the video at least three quarters of its area`, async () => {
      // One person is enough for the geometry: their own camera fills the stage, and no peer
      // connection means no video encoder competing for the machine.
      const room = `banner-${device}`;
      const { page, context } = await joinDemo(suite.browser, suite.srv.url, room, 'Ada', {
        viewport,
      });
      suite.track(context);
      await page.waitForFunction(() => {
        const v = document.querySelector<HTMLVideoElement>('.tile video');
        return v !== null && v.videoWidth > 0 && !v.paused;
      });
      const before = await geometry(page);
      assert.ok(before.video > 0.4 * before.screen, `video ${before.video} of ${before.screen}`);

      for (const message of MESSAGES) await broadcast(room, message);
      await page.waitForFunction(() => document.querySelectorAll('.banner.broadcast').length === 2);
      const after = await geometry(page);
      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: `test-results/broadcast-banners-${device}.png` });

      const kept = after.video / before.video;
      assert.ok(
        kept >= 0.75,
        `the video kept ${(kept * 100).toFixed(0)} % of its area (${Math.round(before.video)} → ${Math.round(after.video)} px²)`,
      );
      assert.ok(after.stage >= 0.75 * before.stage, `stage ${before.stage} → ${after.stage}`);
      // Both messages are there (the newest on top), the controls stay on screen.
      assert.equal(after.banners.length, 2);
      assert.ok(after.banners[0]!.includes(MESSAGES[1]!), after.banners[0]!);
      assert.ok(after.banners[1]!.includes(MESSAGES[0]!), after.banners[1]!);
      assert.equal(after.controlsOnScreen, true, 'the call controls stay on screen');
      assert.equal(after.pageScrolls, false, 'the page itself does not scroll');

      // Dismissing one gives its room back.
      await page
        .locator('.banner.broadcast')
        .first()
        .getByRole('button', { name: 'Dismiss' })
        .click();
      await page.waitForFunction(() => document.querySelectorAll('.banner.broadcast').length === 1);
      const dismissed = await geometry(page);
      assert.ok(dismissed.video >= after.video, `${after.video} → ${dismissed.video}`);
    });
  }
});
