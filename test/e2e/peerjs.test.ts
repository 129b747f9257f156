import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cleanRedis, redisUrl, uniquePrefix } from '../helpers/cluster.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { launchBrowser, newPage, POLL, skipReason } from './helpers/browser.js';

/** The browser bundle of the unmodified peerjs 1.5.x client (a devDependency). */
const PEERJS_BUNDLE = createRequire(import.meta.url).resolve('peerjs/dist/peerjs.min.js');

declare global {
  interface Window {
    Peer: new (id?: string | object, options?: object) => PeerLike;
    peer: PeerLike;
    /** What the page saw: opened ids, data received, remote streams, errors by type. */
    seen: { data: string[]; streams: string[]; errors: string[] };
  }
}
interface PeerLike {
  id: string;
  on(event: string, fn: (...args: any[]) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  connect(id: string): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  call(id: string, stream: MediaStream): any; // eslint-disable-line @typescript-eslint/no-explicit-any
  destroy(): void;
}

/**
 * The real peerjs client in Chromium, pointed at sinyal as at a PeerJS server mounted at
 * `/peerjs`: `new Peer(id, { host, port, path: '/peerjs' })`.
 */
describe(
  'PeerJS clients call each other through sinyal',
  { skip: skipReason, timeout: 300_000 },
  () => {
    let browser: Browser;
    let srv: TestServer;
    const contexts: BrowserContext[] = [];
    before(async () => {
      [browser, srv] = await Promise.all([launchBrowser(), startServer()]);
    });
    after(async () => {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser?.close();
      await srv?.close();
    });

    /**
     * A page of the server's origin with the peerjs bundle and a Peer (`id` undefined: the
     * server's `/id`); resolves to its id once open, or to the error type it got instead.
     */
    async function peerPage(id?: string, on = srv): Promise<{ page: Page; id: string }> {
      const { context, page } = await newPage(browser);
      contexts.push(context);
      // A page the server itself serves: Chromium lets it reach its own loopback origin (a page
      // made up by the test would count as a public site reaching the local network).
      await page.goto(`${on.url}/health`);
      await page.addScriptTag({ path: PEERJS_BUNDLE });
      const opened = await page.evaluate(
        ([id, port]) =>
          new Promise<string>((resolve) => {
            window.seen = { data: [], streams: [], errors: [] };
            const options = {
              host: '127.0.0.1',
              port,
              path: '/peerjs',
              config: { iceServers: [] },
            };
            const peer = id ? new window.Peer(id, options) : new window.Peer(options);
            window.peer = peer;
            peer.on('open', (openId: string) => resolve(openId));
            peer.on('error', (error: { type: string }) => {
              window.seen.errors.push(error.type);
              resolve(`error:${error.type}`);
            });
            // Answers data with an echo, calls with its own camera.
            peer.on('connection', (conn) => {
              conn.on('data', (data: string) => {
                window.seen.data.push(data);
                if (!data.startsWith('echo:')) conn.send(`echo:${data}`);
              });
            });
            peer.on('call', async (call) => {
              const stream = await navigator.mediaDevices.getUserMedia({
                audio: true,
                video: true,
              });
              call.answer(stream);
              call.on('stream', (remote: MediaStream) => window.seen.streams.push(remote.id));
            });
          }),
        [id, on.port] as const,
      );
      return { page, id: opened };
    }

    /** Opens a data connection to `to` and sends one message; the echo comes back. */
    const sendData = (page: Page, to: string, text: string) =>
      page.evaluate(
        ([to, text]) => {
          const conn = window.peer.connect(to);
          conn.on('open', () => conn.send(text));
          conn.on('data', (data: string) => window.seen.data.push(data));
        },
        [to, text] as const,
      );
    const callPeer = (page: Page, to: string) =>
      page.evaluate(async (to) => {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
        const call = window.peer.call(to, stream);
        call.on('stream', (remote: MediaStream) => {
          const live = remote.getTracks().filter((t) => t.readyState === 'live').length;
          window.seen.streams.push(`${remote.id}:${live}`);
        });
      }, to);
    const seen = (page: Page, key: 'data' | 'streams' | 'errors', match: string) =>
      page.waitForFunction(
        ([key, match]) => window.seen[key].some((s) => s.includes(match)),
        [key, match] as const,
        { ...POLL, timeout: 60_000 },
      );

    test('a data connection and a media call, both ways', async () => {
      const a = await peerPage(`ada-${process.pid}`);
      const b = await peerPage(); // an id from GET /peerjs/peerjs/id
      assert.equal(a.id, `ada-${process.pid}`);
      assert.match(b.id, /^[0-9a-f-]{36}$/);

      await sendData(a.page, b.id, 'hello from a');
      await seen(b.page, 'data', 'hello from a');
      await seen(a.page, 'data', 'echo:hello from a');
      await sendData(b.page, a.id, 'hello from b');
      await seen(a.page, 'data', 'hello from b');
      await seen(b.page, 'data', 'echo:hello from b');

      await callPeer(a.page, b.id);
      await seen(a.page, 'streams', ':2'); // audio and video, live
      await callPeer(b.page, a.id);
      await seen(b.page, 'streams', ':2');
      assert.ok(srv.server.engine.counters.relayed > 0);
    });

    test('across two servers on one Redis, as two processes: a data connection and a call', async () => {
      const prefix = uniquePrefix();
      const start = () => startServer({ redisUrl, redisPrefix: prefix });
      const [one, two] = await Promise.all([start(), start()]);
      try {
        const a = await peerPage(`lin-${process.pid}`, one);
        const b = await peerPage(`kay-${process.pid}`, two);
        // The cluster's directory is a mirror: wait until one server sees the other's peer.
        await until('server one sees b', () => one.server.engine.cluster.peer(b.id) !== undefined);
        await sendData(a.page, b.id, 'across');
        await seen(a.page, 'data', 'echo:across');
        await callPeer(b.page, a.id);
        await seen(b.page, 'streams', ':2');
      } finally {
        await Promise.all([one.close(), two.close()]);
        await cleanRedis(redisUrl, prefix);
      }
    });

    test('unavailable-id for an id in use, peer-unavailable for an id nobody holds', async () => {
      const a = await peerPage(`grace-${process.pid}`);
      const twin = await peerPage(a.id);
      assert.equal(twin.id, 'error:unavailable-id');

      await sendData(a.page, `nobody-${process.pid}`, 'anyone?');
      await seen(a.page, 'errors', 'peer-unavailable');
    });
  },
);
