import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { storeApi } from '../../../src/api/extension.js';
import { connectSocketIo, type TestPeer } from '../../../test/helpers/clients.js';
import { launchBrowser, skipReason } from '../../../test/e2e/helpers/browser.js';
import { dropSchema, postgresUrl, uniqueSchema } from '../../../test/helpers/pg.js';
import { startServer, type TestServer } from '../../../test/helpers/server.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\n' };

/** The module bundled as a browser script exposing `window.SinyalSse`. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('./sse-client.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'SinyalSse',
    write: false,
    target: 'es2022',
  });
  return result.outputFiles[0]!.text;
}

describe(
  'SSE client module in Chromium (native EventSource and fetch)',
  { skip: skipReason },
  () => {
    const schema = uniqueSchema('ssebrowser');
    let browser: Browser;
    let srv: TestServer;
    let other: TestPeer;

    before(async () => {
      [browser, srv] = await Promise.all([
        launchBrowser(),
        startServer({
          extensions: [storeApi({ store: { databaseUrl: postgresUrl, pgSchema: schema } })],
        }),
      ]);
    });
    after(async () => {
      await other?.close();
      await browser?.close();
      await srv?.close();
      await dropSchema(schema);
    });

    it('connects, joins, receives an offer from a Socket.IO peer and answers it', async () => {
      const page = await browser.newPage();
      await page.goto(`${srv.url}/health`);
      await page.addScriptTag({ content: await bundle() });
      const peerId = await page.evaluate(async () => {
        const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const client = new w.SinyalSse.SseClient({ url: location.origin, userId: 'chromium' });
        w.client = client;
        await client.next('connected');
        return client.peerId as string;
      });
      other = await connectSocketIo(srv.url, { userId: 'node' });
      other.emit('video:join-room', { roomId: 'web' });
      await other.next('video:room-state');
      const participants = await page.evaluate(async () => {
        const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        return (await w.client.join('web')).participants.length as number;
      });
      assert.equal(participants, 1);
      assert.equal((await other.next('video:user-joined')).socketId, peerId);

      // The waiter is in place before the offer is sent (evaluate returns once it is set up).
      await page.evaluate(() => {
        const w = window as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        w.received = w.client
          .next('message', (m: { event: string }) => m.event === 'video:offer')
          .then(async (message: { data: { from: string } }) => {
            await w.client.signal(message.data.from, 'answer', { type: 'answer', sdp: 'v=0\r\n' });
            return message.data;
          });
      });
      other.emit('video:offer', { to: peerId, offer });
      const received = await page.evaluate(
        () => (window as unknown as { received: unknown }).received,
      );
      assert.deepEqual(received, { from: other.id, offer });
      assert.deepEqual(await other.next('video:answer'), { from: peerId, answer });
      await page.close();
    });
  },
);
