import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { storeApi } from '../../../src/api/extension.js';
import { findAdminDir } from '../../../src/http/admin-app.js';
import { exclusive } from '../../helpers/cluster.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { launchBrowser } from './browser.js';

/** The ADMIN_TOKEN the dashboard tests sign in with. */
export const ADMIN_TEST_TOKEN = 'dashboard-test-token-0123456789';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Newest modification time under `path`. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** A build older than admin/ would test yesterday's dashboard. */
function builtAndFresh(): boolean {
  const dir = findAdminDir();
  return dir !== undefined && statSync(join(dir, 'index.html')).mtimeMs >= newest('admin');
}

/** The dashboard is built by `npm run build`; a test run without it (or with an older one) builds it. */
export async function ensureAdminBuilt(): Promise<void> {
  if (builtAndFresh()) return;
  const release = await exclusive('admin-build');
  try {
    if (!builtAndFresh()) {
      const { buildAdmin } = await import('../../../scripts/build-admin.mjs');
      await buildAdmin();
    }
  } finally {
    release();
  }
}

/** A built dashboard, a browser, and a server with `adminToken` and an in-memory store. */
export async function startDashboard(adminToken: string): Promise<[Browser, TestServer]> {
  await ensureAdminBuilt();
  return Promise.all([
    launchBrowser(),
    startServer({ adminToken, extensions: [storeApi({ store: { dataDir: 'memory://' } })] }),
  ]);
}

/** A new context on `/admin`, signed in with `credential` (null: the API is open, no sign-in). */
export async function openDashboard(
  browser: Browser,
  url: string,
  viewport = DESKTOP,
  credential: string | null = ADMIN_TEST_TOKEN,
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('[dashboard error]', error.message));
  await page.goto(`${url}/admin`);
  if (credential !== null) {
    await page.getByLabel('Admin credential').fill(credential);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('● Live').filter({ visible: true }).waitFor({ timeout: 20_000 });
  }
  return page;
}

/** Opens a section from the navigation and waits for its heading. */
export async function go(page: Page, section: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('link', { name: section, exact: true })
    .click();
  await page.getByRole('heading', { level: 1, name: section }).waitFor();
}

/** Whether the page itself scrolls sideways (a wide table inside its own scroller does not count). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/** In a describe: builds the dashboard if needed and launches Chromium once for its tests. */
export function useDashboardBrowser(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    await ensureAdminBuilt();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  return () => browser!;
}
