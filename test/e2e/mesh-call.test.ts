import { copyFile, mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  assertMedia,
  joinDemo,
  launchBrowser,
  newPage,
  skipReason,
  startDemoServer,
  type DemoServer,
} from './helpers/browser.js';

/** Demo-app calls in a mesh room: UI join, three parties, media badges, screen share, leaving. */
describe('demo app mesh calls in Chromium', { skip: skipReason, timeout: 180_000 }, () => {
  let browser: Browser;
  let srv: DemoServer;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [browser, srv] = await Promise.all([launchBrowser(), startDemoServer()]);
  });
  after(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await srv?.stop();
  });

  async function join(room: string, name: string) {
    const joined = await joinDemo(browser, srv.url, room, name);
    contexts.push(joined.context);
    return joined;
  }

  test('1. two people join through the UI and see each other', async () => {
    const people: Array<{ page: Page; id: string }> = [];
    for (const name of ['Ada', 'Grace']) {
      const { context, page } = await newPage(browser);
      contexts.push(context);
      await page.goto(`${srv.url}/?room=ui-room`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join call' }).click();
      await page.waitForFunction(() => window.sinyal?.id && window.sinyal.room);
      people.push({ page, id: await page.evaluate(() => window.sinyal!.id!) });
    }
    const [ada, grace] = people as [{ page: Page; id: string }, { page: Page; id: string }];
    await Promise.all([assertMedia(ada.page, [grace.id]), assertMedia(grace.page, [ada.id])]);
    // The remote tile shows the other's video with their name.
    for (const [me, other, name] of [
      [ada, grace, 'Grace'],
      [grace, ada, 'Ada'],
    ] as const) {
      const tile = me.page.locator(`[data-peer-id="${other.id}"]`);
      await tile.getByText(name).waitFor();
      await me.page.waitForFunction(
        (id) =>
          (document.querySelector(`[data-peer-id="${id}"] video`) as HTMLVideoElement)?.videoWidth >
          0,
        other.id,
      );
    }
    await Promise.all(people.map((p) => p.page.context().close()));
  });

  test('2. three people: every pair connected with media (screenshot saved)', async () => {
    const a = await join('trio', 'Ada Lovelace');
    const b = await join('trio', 'Grace Hopper');
    const c = await join('trio', 'Alan Turing');
    await Promise.all([
      assertMedia(a.page, [b.id, c.id]),
      assertMedia(b.page, [a.id, c.id]),
      assertMedia(c.page, [a.id, b.id]),
    ]);
    await c.page.evaluate(() => window.sinyal!.setMuted(true));
    await a.page.waitForSelector(`[data-peer-id="${c.id}"][data-muted="true"]`);
    await a.page.waitForSelector('.quality[data-quality="good"]', { timeout: 10_000 });
    await mkdir('test-results', { recursive: true });
    await a.page.screenshot({ path: 'test-results/three-party-call.png' });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await copyFile('test-results/three-party-call.png', 'docs/screenshot-call.png');
    }
    await Promise.all([a, b, c].map((p) => p.context.close()));
  });
});
