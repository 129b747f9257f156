import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { SinyalOptions } from '../../../src/server.js';
import { startServer, type TestServer } from '../../helpers/server.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Set when the browser tests cannot run here (CI installs Chromium, so they run there). */
export const skipReason = existsSync(CHROMIUM)
  ? undefined
  : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium): browser tests skipped`;

/**
 * The fake camera at 5 frames a second, Chromium's lowest (its default is 20): every call's
 * encoders, decoders and software compositing do a quarter of the work, which 2 shared cores
 * need; frames still arrive every 200 ms. A suite that wants more fake devices adds to it
 * (`device-count=3,…`).
 */
export const FAKE_MEDIA = 'fps=5';

/** ../shared/DESIGN.md, Testing: headless, fake camera and microphone, no permission prompts. */
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--use-fake-device-for-media-stream=${FAKE_MEDIA}`,
  '--use-fake-ui-for-media-stream',
  // Hidden tabs of one headless browser must keep rendering and decoding video.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** `extraArgs` come last and win (e.g. `--use-fake-device-for-media-stream=device-count=2,${FAKE_MEDIA}`). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const args = [...CHROMIUM_FLAGS, ...extraArgs];
  return chromium.launch({ executablePath: CHROMIUM, args, timeout: 60_000 });
}

export interface DemoServer extends TestServer {
  publicDir: string;
  stop(): Promise<void>;
}

/** Builds the SDK and demo into a temporary folder and serves them from a fresh server. */
export async function startDemoServer(options: SinyalOptions = {}): Promise<DemoServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sinyal-e2e-'));
  const { buildClient } = await import('../../../scripts/build-client.mjs');
  const publicDir = await buildClient(dir, { minify: false });
  // No STUN: loopback host candidates connect, and a sandbox may have no internet.
  const server = await startServer({ publicDir, stunUrls: [], ...options });
  return {
    ...server,
    publicDir,
    async stop() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Options for `waitForFunction`: check every 250 ms. Its default, `requestAnimationFrame`, waits
 * for the compositor, which a loaded 2-core machine starves first: pages long in the call got
 * no frame for over a minute, and a wait on them timed out.
 */
export const POLL = { polling: 250 } as const;

/** Every page gets `__pcs()`: its peer connections by remote peer id (SDK or reference client). */
// `__name`: tsx compiles the tests with keepNames, so functions passed to page.evaluate may call it.
const PCS_SCRIPT = `window.__name = (f) => f;
window.__pcs = () => {
  if (window.ref) return window.ref.pcs;
  const peers = window.sinyal ? window.sinyal.peers : new Map();
  return new Map([...peers].map(([id, link]) => [id, link.pc]));
};`;

/** What each page wrote to its console as a warning or an error (SDK errors), for failure messages. */
const consoleOf = new WeakMap<Page, string[]>();

export async function newPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  // Clicks and selectors wait up to 60 s (Playwright's default is 30 s), as `waitForCall`: on a
  // machine loaded 25-fold a page's main thread was seen to answer nothing for over 30 s.
  context.setDefaultTimeout(60_000);
  await context.addInitScript(PCS_SCRIPT);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('[page error]', error.message));
  const said: string[] = [];
  consoleOf.set(page, said);
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') said.push(message.text());
  });
  return { context, page };
}

/**
 * One browser and one demo server for a suite (its before/after hooks), and new pages whose
 * contexts are closed when the test that opened them ends: a call left running would encode and
 * decode video through every later test of the file.
 */
export function useBrowserSuite(options: { chromiumArgs?: string[]; server?: SinyalOptions } = {}) {
  let browser: Browser | undefined;
  let srv: DemoServer | undefined;
  const contexts: BrowserContext[] = [];
  before(async () => {
    [browser, srv] = await Promise.all([
      launchBrowser(options.chromiumArgs),
      startDemoServer(options.server),
    ]);
  });
  const closeContexts = () =>
    Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  afterEach(closeContexts);
  after(async () => {
    await closeContexts();
    await browser?.close();
    await srv?.stop();
  });
  return {
    get browser(): Browser {
      return browser!;
    },
    get srv(): DemoServer {
      return srv!;
    },
    /** Closes `context` when the current test ends. */
    track(context: BrowserContext): void {
      contexts.push(context);
    },
    async page(viewport?: { width: number; height: number }): Promise<Page> {
      const { context, page } = await newPage(browser!, viewport);
      contexts.push(context);
      return page;
    },
  };
}

export interface JoinOptions {
  /** Joins with the camera off (the demo's remembered choice): a tile with no video to encode. */
  cameraOff?: boolean;
  muted?: boolean;
  /** The page's size (the default is a laptop's). */
  viewport?: { width: number; height: number };
}

/**
 * Opens the demo with `?room=&name=` (joins directly) and waits until it shows the call, which
 * it does once the server answered the join; a join the demo gave up on fails at once with the
 * demo's own words.
 */
export async function joinDemo(
  browser: Browser,
  url: string,
  room: string,
  name: string,
  options: JoinOptions = {},
): Promise<{ context: BrowserContext; page: Page; id: string }> {
  const { context, page } = await newPage(browser, options.viewport);
  const prefs = { videoOff: options.cameraOff === true, muted: options.muted === true };
  if (prefs.videoOff || prefs.muted) {
    // What the pre-join screen remembers (web/src/devices.ts), set before the demo reads it.
    await context.addInitScript(
      (json) => localStorage.setItem('sinyal-media', json),
      JSON.stringify(prefs),
    );
  }
  await page.goto(`${url}/?${new URLSearchParams({ room, name })}`);
  await waitForCall(page, `${name} joining ${room}`);
  const id = await page.evaluate(() => window.sinyal!.id!);
  return { context, page, id };
}

/**
 * Waits until the demo shows the call (`joinRoom` resolved: the server admitted this peer), or
 * fails with what the page shows instead: the join screen's error, the signaling state.
 */
export async function waitForCall(page: Page, what: string, timeout = 60_000): Promise<void> {
  const outcome = await page
    .waitForFunction(
      () => {
        if (document.querySelector('.call') && window.sinyal?.room) return 'call';
        return document.querySelector('.join .error')?.textContent || false;
      },
      undefined,
      { ...POLL, timeout },
    )
    .then((handle) => handle.jsonValue() as Promise<string>)
    .catch((error: Error) => `no call after ${timeout} ms (${error.message.split('\n')[0]})`);
  if (outcome === 'call') return;
  const state = await page
    .evaluate(() => ({
      screen: document.getElementById('app')?.innerText.replace(/\s+/g, ' ').slice(0, 200),
      signaling: window.sinyal?.signalingState,
      id: window.sinyal?.id,
      room: window.sinyal?.room?.id,
    }))
    .catch((error: Error) => error.message);
  const said = consoleOf.get(page)?.slice(-10) ?? [];
  throw new Error(
    `${what}: ${outcome}; the page: ${JSON.stringify(state)}` +
      (said.length ? `; its console said: ${JSON.stringify(said)}` : ''),
  );
}

interface PeerMedia {
  id: string;
  state: string;
  frames: number;
  /** For failure messages: where negotiation stands (signaling state, ICE, descriptions). */
  negotiation: string;
}

/** Connection state and decoded inbound video frames per peer connection of the page. */
export function peerMedia(page: Page): Promise<PeerMedia[]> {
  return page.evaluate(async () => {
    const out: Array<{ id: string; state: string; frames: number; negotiation: string }> = [];
    for (const [id, pc] of window.__pcs!()) {
      let frames = 0;
      let remoteCandidates = 0;
      (await pc.getStats()).forEach(
        (s: { type: string; kind?: string; framesDecoded?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
          if (s.type === 'remote-candidate') remoteCandidates++;
        },
      );
      const negotiation = [
        pc.signalingState,
        `ice ${pc.iceConnectionState}/${pc.iceGatheringState}`,
        `local ${pc.localDescription?.type ?? '-'}`,
        `remote ${pc.remoteDescription?.type ?? '-'}`,
        `${remoteCandidates} remote candidates`,
        `${window.sinyal?.peers.get(id)?.collisions ?? 0} glare`,
      ].join(', ');
      out.push({ id, state: pc.connectionState, frames, negotiation });
    }
    return out;
  });
}

/**
 * Asserts the page has exactly `peerIds` connected (`connectionState === 'connected'`) and that
 * inbound video frames keep being decoded from each of them.
 */
export async function assertMedia(page: Page, peerIds: string[], timeout = 20_000): Promise<void> {
  const want = [...peerIds].sort();
  const deadline = Date.now() + timeout;
  let seen: PeerMedia[] = [];
  // Polled from here: waitForFunction does not await an async predicate.
  for (;;) {
    seen = await peerMedia(page);
    const ready =
      seen.length === want.length &&
      want.every((id) => seen.some((p) => p.id === id && p.state === 'connected' && p.frames > 0));
    if (ready) break;
    if (Date.now() > deadline) {
      const said = consoleOf.get(page)?.slice(-10) ?? [];
      throw new Error(
        `No media from ${want.join(', ')} after ${timeout} ms: ${JSON.stringify(seen)}` +
          (said.length ? `; the page's console said: ${JSON.stringify(said)}` : ''),
      );
    }
    await page.waitForTimeout(250);
  }
  // Then frames keep coming: each connection decodes more within 5 s (a frame every 40–100 ms
  // when the machine keeps up; a busy machine's decoder can pause for a second or two).
  const before = await peerMedia(page);
  const risingBy = Date.now() + 5000;
  let after: PeerMedia[];
  for (;;) {
    await page.waitForTimeout(500);
    after = await peerMedia(page);
    const rising = after.every((p) => p.frames > (before.find((b) => b.id === p.id)?.frames ?? 0));
    if (rising || Date.now() > risingBy) break;
  }
  assert.deepEqual(after.map((p) => p.id).sort(), want);
  for (const peer of after) {
    assert.equal(peer.state, 'connected', `connection to ${peer.id}: ${peer.negotiation}`);
    const earlier = before.find((p) => p.id === peer.id)?.frames ?? 0;
    assert.ok(
      peer.frames > earlier,
      `frames from ${peer.id} rising within 5 s: ${earlier} → ${peer.frames}`,
    );
  }
}

declare global {
  interface Window {
    __pcs?: () => Map<string, RTCPeerConnection>;
    ref?: { pcs: Map<string, RTCPeerConnection>; id?: string };
  }
}

/** A red square "screen" from a canvas (getDisplayMedia needs a picker; the SDK takes a stream). */
export async function shareCanvas(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 480, height: 480 });
    const ctx = canvas.getContext('2d')!;
    let tick = 0;
    setInterval(() => {
      ctx.fillStyle = '#e01010';
      ctx.fillRect(0, 0, 480, 480);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect((tick++ * 7) % 440, 220, 40, 40);
    }, 200);
    // 5 frames a second, like the fake camera (FAKE_MEDIA).
    await window.sinyal!.startScreenShare(canvas.captureStream(5));
  });
}
