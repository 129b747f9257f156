import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { connectSocketIo } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { joinDemo, newPage, skipReason, useBrowserSuite } from './helpers/browser.js';

/** The demo with ALLOWED_ORIGINS set to another site, and the reasons it shows when refused. */
describe(
  'the demo on its own server, and why it is refused',
  { skip: skipReason, timeout: 300_000 },
  () => {
    const suite = useBrowserSuite();

    async function serve(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
      return startServer({ publicDir: suite.srv.publicDir, stunUrls: [], ...options });
    }

    /** Opens the demo on `url` and waits for the refusal the join screen shows. */
    async function refusal(url: string, text: RegExp): Promise<Page> {
      const { context, page } = await newPage(suite.browser);
      suite.track(context);
      await page.goto(`${url}/?room=refused&name=Ada`);
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
  },
);
