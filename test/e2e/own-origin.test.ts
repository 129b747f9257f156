import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { SinyalClient } from '../../client/src/index.js';
import { connectSocketIo } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { hsToken, SECRET } from '../helpers/tokens.js';
import { joinDemo, newPage, skipReason, useBrowserSuite } from './helpers/browser.js';

type Sdk = { SinyalClient: typeof SinyalClient };

/**
 * A name this server does not know, for the demo under another origin (as a site that is not in
 * ALLOWED_ORIGINS would host it). Its pages are not a secure context: no camera, as on any plain
 * http site that is not localhost.
 */
const OTHER_SITE = 'demo.test';

/** The demo with ALLOWED_ORIGINS set to another site, and the reasons it shows when refused. */
describe(
  'the demo on its own server, and why it is refused',
  { skip: skipReason, timeout: 300_000 },
  () => {
    const suite = useBrowserSuite({
      chromiumArgs: [`--host-resolver-rules=MAP ${OTHER_SITE} 127.0.0.1`],
    });

    async function serve(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
      return startServer({ publicDir: suite.srv.publicDir, stunUrls: [], ...options });
    }

    /** Opens the demo on `url` (`fragment`: an invite's `#token=`) and waits for the refusal shown. */
    async function refusal(url: string, text: RegExp, fragment = ''): Promise<Page> {
      const { context, page } = await newPage(suite.browser);
      suite.track(context);
      await page.goto(`${url}/?room=refused&name=Ada${fragment}`);
      const alert = page.getByRole('alert').filter({ hasText: text });
      await alert.waitFor({ timeout: 20_000 }).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await page.textContent('#app')}`);
      });
      await page.locator('.loading').waitFor({ state: 'detached' });
      return page;
    }

    test('joins with ALLOWED_ORIGINS set to another site: its own origin is allowed', async () => {
      const srv = await serve({ allowedOrigins: ['https://app.example'] });
      try {
        const a = await joinDemo(suite.browser, srv.url, 'own', 'Ada');
        suite.track(a.context);
        const b = await joinDemo(suite.browser, srv.url, 'own', 'Bob');
        suite.track(b.context);
        await a.page.waitForSelector(`[data-peer-id="${b.id}"]`);
      } finally {
        await srv.close();
      }
    });

    test('says why it was refused (a full server), never a spinner without end', async () => {
      const srv = await serve({ allowedOrigins: ['https://app.example'], maxConnections: 1 });
      try {
        const holder = await connectSocketIo(srv.url);
        await refusal(srv.url, /connection limit/);
        await holder.close();
      } finally {
        await srv.close();
      }
    });

    test('says why a page of an origin not in ALLOWED_ORIGINS is refused', async () => {
      const srv = await serve({ allowedOrigins: ['https://app.example'] });
      try {
        // The note about the missing camera comes too, and must not take the reason's place.
        const page = await refusal(
          `http://${OTHER_SITE}:${srv.port}`,
          new RegExp(`origin \\(http://${OTHER_SITE}:${srv.port}\\) is not allowed there`),
        );
        await page.getByRole('status').filter({ hasText: 'No camera' }).waitFor();
        await page.getByRole('alert').filter({ hasText: 'ALLOWED_ORIGINS' }).waitFor();
      } finally {
        await srv.close();
      }
    });

    test('the SDK on a page of another origin is told the server refused that origin', async () => {
      const srv = await serve({ allowedOrigins: ['https://app.example'] });
      try {
        // A page of the suite's server (another port: another origin) connecting to `srv`.
        const page = await suite.page();
        await page.goto(`${suite.srv.url}/`);
        const refused = await page.evaluate(async (url) => {
          const sdk = '/assets/sinyal-client.js';
          const { SinyalClient } = (await import(sdk)) as Sdk;
          const client = new SinyalClient({ url });
          return client.connect().then(
            () => ({ code: 'connected', message: '' }),
            (error: Error & { code?: string }) => ({ code: error.code, message: error.message }),
          );
        }, srv.url);
        assert.equal(refused.code, 'origin-refused', refused.message);
        assert.match(refused.message, new RegExp(`origin \\(${suite.srv.url}\\) is not allowed`));
      } finally {
        await srv.close();
      }
    });

    test('says why it was refused without a token, or with an expired one', async () => {
      const srv = await serve({ jwtSecret: SECRET });
      try {
        await refusal(
          srv.url,
          /admits only people with an invite link \(Authentication required\)/,
        );
        const expired = await hsToken({ exp: Math.floor(Date.now() / 1000) - 60 });
        await refusal(srv.url, /invite link was not accepted: Token expired/, `#token=${expired}`);
      } finally {
        await srv.close();
      }
    });
  },
);
