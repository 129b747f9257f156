import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assertMedia,
  joinDemo,
  POLL,
  shareCanvas,
  skipReason,
  useBrowserSuite,
  waitForCall,
} from './helpers/browser.js';

/** Demo-app calls in a mesh room: UI join, three parties, media badges, screen share, leaving. */
describe('demo app mesh calls in Chromium', { skip: skipReason, timeout: 180_000 }, () => {
  const suite = useBrowserSuite();

  async function join(room: string, name: string) {
    const joined = await joinDemo(suite.browser, suite.srv.url, room, name);
    suite.track(joined.context);
    return joined;
  }

  test('1. two people join through the UI and see each other', async () => {
    const people: Array<{ page: Page; id: string }> = [];
    for (const name of ['Ada', 'Grace']) {
      const page = await suite.page();
      await page.goto(`${suite.srv.url}/?room=ui-room`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join call' }).click();
      await waitForCall(page, `${name} joining from the pre-join screen`);
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
        POLL,
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
    // Chat over the data channels, shown in the open panel of the screenshot.
    await b.page.evaluate(() => window.sinyal!.sendChat('Morning! Can everyone see my screen?'));
    await c.page.evaluate(() =>
      window.sinyal!.sendChat('Yes, loud and clear. Notes are in the doc.'),
    );
    await a.page.keyboard.press('c');
    await a.page.getByText('Yes, loud and clear').waitFor({ timeout: 5000 });
    await mkdir('test-results', { recursive: true });
    await a.page.screenshot({ path: 'test-results/three-party-call.png' });
    await Promise.all([a, b, c].map((p) => p.context.close()));
  });

  test('4. mute and camera-off show on the other tile within one second', async () => {
    const a = await join('badges', 'Ada');
    const b = await join('badges', 'Grace');
    await Promise.all([assertMedia(a.page, [b.id]), assertMedia(b.page, [a.id])]);
    const tile = `[data-peer-id="${a.id}"]`;
    await a.page.evaluate(() => {
      (window as unknown as Record<string, unknown>).cameraBefore = window.sinyal!.media.camera;
    });
    for (const [button, attribute] of [
      ['#toggle-mic', 'data-muted'],
      ['#toggle-camera', 'data-video-off'],
    ] as const) {
      // Timed inside the browsers (one machine, one clock): from the click on A to the badge on
      // B, so a slow test driver on a loaded machine does not count against the call.
      await b.page.evaluate(
        ({ selector, attribute }) => {
          const el = document.querySelector(selector)!;
          new MutationObserver((_, observer) => {
            if (el.getAttribute(attribute) !== 'true') return;
            (window as unknown as Record<string, number>)[attribute] = Date.now();
            observer.disconnect();
          }).observe(el, { attributes: true, attributeFilter: [attribute] });
        },
        { selector: tile, attribute },
      );
      await a.page.evaluate((button) => {
        const el = document.querySelector(button)!;
        const stamp = () => ((window as unknown as Record<string, number>).clickedAt = Date.now());
        el.addEventListener('click', stamp, { capture: true, once: true });
      }, button);
      await a.page.click(button);
      // The page stamps when the badge showed; this driver only needs to see it at all.
      await b.page.waitForSelector(`${tile}[${attribute}="true"]`);
      const clickedAt = await a.page.evaluate(
        () => (window as unknown as Record<string, number>).clickedAt!,
      );
      const shownAt = await b.page.evaluate(
        (attr) => (window as unknown as Record<string, number>)[attr]!,
        attribute,
      );
      const ms = shownAt - clickedAt;
      assert.ok(ms >= 0 && ms < 1000, `${attribute} shown ${ms} ms after the click`);
      assert.equal(await a.page.getAttribute(button, 'aria-pressed'), 'true');
    }
    assert.ok(await b.page.isVisible(`${tile} .avatar`), 'camera-off tile shows the initials');
    // Camera off releases the device (its light goes out): the track is stopped, not disabled.
    const off = await a.page.evaluate(() => ({
      stopped: (window as unknown as Record<string, MediaStreamTrack>).cameraBefore!.readyState,
      camera: window.sinyal!.media.camera?.readyState ?? 'none',
    }));
    assert.deepEqual(off, { stopped: 'ended', camera: 'none' });
    assert.ok(await b.page.isVisible(`${tile} .badge.muted`), 'muted badge shown');
    // Keyboard shortcuts undo both; the call itself never stopped.
    await a.page.keyboard.press('m');
    await a.page.keyboard.press('v');
    await b.page.waitForSelector(`${tile}[data-muted="false"][data-video-off="false"]`, {
      timeout: 5000,
    });
    // Camera on opens the camera again: a live track, sent without renegotiation.
    await a.page.waitForFunction(
      () => window.sinyal!.media.camera?.readyState === 'live',
      undefined,
      POLL,
    );
    await assertMedia(b.page, [a.id]);
    await Promise.all([a.context.close(), b.context.close()]);
  });

  test('5. camera switch and screen share replace the outgoing video; stopping restores the camera', async () => {
    const a = await join('share', 'Ada');
    const b = await join('share', 'Grace');
    await Promise.all([assertMedia(a.page, [b.id]), assertMedia(b.page, [a.id])]);
    const remote = `[data-peer-id="${a.id}"] video`;
    const shape = () =>
      b.page.evaluate((selector) => {
        const video = document.querySelector(selector) as HTMLVideoElement;
        const canvas = document.createElement('canvas');
        canvas.width = 16;
        canvas.height = 16;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(video, 0, 0, 16, 16);
        const [r, g, bl] = ctx.getImageData(2, 2, 1, 1).data;
        return { w: video.videoWidth, h: video.videoHeight, r: r!, g: g!, b: bl! };
      }, remote);
    const camera = await shape();
    assert.ok(camera.w > camera.h, `camera is landscape: ${JSON.stringify(camera)}`);
    const sendersBefore = await a.page.evaluate(
      () => [...window.__pcs!().values()][0]!.getSenders().length,
    );

    // Switching the camera mid-call swaps the sent track without a new offer/answer.
    const switched = await a.page.evaluate(async () => {
      const pc = [...window.__pcs!().values()][0]!;
      const sender = () => pc.getSenders().find((s) => s.track?.kind === 'video')!;
      const before = { track: sender().track!.id, sdp: pc.localDescription!.sdp };
      const camera = (await navigator.mediaDevices.enumerateDevices()).find(
        (d) => d.kind === 'videoinput',
      )!;
      await window.sinyal!.switchDevice('video', camera.deviceId);
      return { before, after: { track: sender().track!.id, sdp: pc.localDescription!.sdp } };
    });
    assert.notEqual(switched.after.track, switched.before.track, 'a new camera track is sent');
    assert.equal(switched.after.sdp, switched.before.sdp, 'no renegotiation');
    await assertMedia(b.page, [a.id]);

    await shareCanvas(a.page);
    await b.page.waitForSelector(`[data-peer-id="${a.id}"][data-sharing="true"]`, {
      timeout: 2000,
    });
    await b.page.waitForFunction(
      (selector) => {
        const video = document.querySelector(selector) as HTMLVideoElement;
        return video.videoWidth > 0 && video.videoWidth === video.videoHeight;
      },
      remote,
      { ...POLL, timeout: 15_000 },
    );
    const screen = await shape();
    assert.ok(
      screen.r > 150 && screen.g < 90 && screen.b < 90,
      `red screen: ${JSON.stringify(screen)}`,
    );
    await assertMedia(b.page, [a.id]); // frames of the new track keep being decoded
    const sendersAfter = await a.page.evaluate(
      () => [...window.__pcs!().values()][0]!.getSenders().length,
    );
    assert.equal(sendersAfter, sendersBefore, 'replaceTrack: no new sender, no renegotiation');

    await a.page.click('#toggle-share'); // the UI button stops sharing
    await b.page.waitForSelector(`[data-peer-id="${a.id}"][data-sharing="false"]`, {
      timeout: 2000,
    });
    await b.page.waitForFunction(
      (selector) => {
        const video = document.querySelector(selector) as HTMLVideoElement;
        return video.videoWidth > video.videoHeight;
      },
      remote,
      { ...POLL, timeout: 15_000 },
    );
    const back = await shape();
    assert.ok(!(back.r > 150 && back.g < 90), `camera again: ${JSON.stringify(back)}`);
    await assertMedia(b.page, [a.id]);
    await Promise.all([a.context.close(), b.context.close()]);
  });

  test('8. a closed tab leaves within 2 s; a dropped socket resumes with its id and media', async () => {
    const a = await join('drop', 'Ada');
    const b = await join('drop', 'Grace');
    const c = await join('drop', 'Alan');
    await Promise.all([assertMedia(a.page, [b.id, c.id]), assertMedia(b.page, [a.id, c.id])]);

    // Removal times are stamped inside the pages (same machine clock as this process).
    const watch = (page: Page) =>
      page.evaluate((id) => {
        const tile = document.querySelector(`[data-peer-id="${id}"]`)!;
        new MutationObserver((_, observer) => {
          if (tile.isConnected) return;
          (window as unknown as Record<string, number>).removedAt = Date.now();
          observer.disconnect();
        }).observe(tile.parentElement!, { childList: true });
      }, c.id);
    await Promise.all([watch(a.page), watch(b.page)]);
    const started = Date.now();
    await c.page.close();
    for (const page of [a.page, b.page]) {
      // No short wait here: the time is judged by the page's own stamp, not by this driver,
      // whose polling a loaded machine delays.
      await page.waitForSelector(`[data-peer-id="${c.id}"]`, { state: 'detached' });
      const removedAt = await page.evaluate(
        () => (window as unknown as Record<string, number>).removedAt!,
      );
      assert.ok(
        removedAt - started < 2000,
        `tile removed ${removedAt - started} ms after the close`,
      );
    }
    await c.context.close();

    // The server drops Grace's socket and refuses her for 3 s; her SDK keeps retrying, then
    // resumes her peer within the resume window: same id, same tile, media kept.
    const oldId = b.id;
    const refuseUntil = Date.now() + 3000;
    suite.srv.server.io.use((_socket, next) =>
      Date.now() < refuseUntil ? next(new Error('e2e: signaling outage')) : next(),
    );
    const retries = b.page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          setTimeout(() => resolve(0), 10_000); // bounded: a stuck client fails, not hangs
          window.sinyal!.on('reconnecting', (r) => r.attempt > 1 && resolve(r.attempt));
        }),
    );
    // A server-side drop (not an admin kick, which tells the client to stay away).
    const socket = suite.srv.server.io.sockets.sockets.get(oldId);
    assert.ok(socket, 'socket found');
    socket.disconnect(true);
    assert.ok((await retries) > 1, 'refused reconnects are retried');
    await b.page.waitForFunction(() => window.sinyal!.signalingState === 'connected', undefined, {
      ...POLL,
      timeout: 15_000,
    });
    assert.equal(await b.page.evaluate(() => window.sinyal!.id), oldId, 'resumed under its id');
    await Promise.all([assertMedia(a.page, [oldId], 20_000), assertMedia(b.page, [a.id], 20_000)]);
    await a.page.waitForSelector(`[data-peer-id="${oldId}"] video`);
    await Promise.all([a.context.close(), b.context.close()]);
  });
});
