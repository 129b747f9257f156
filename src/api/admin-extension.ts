import type { SinyalExtension } from '../extension.js';
import { adminAccess, browserRefusal, roomIdsVisibleTo } from './admin-guard.js';
import { adminConsoleRoutes } from './admin-console-routes.js';
import { adminRoutes } from './admin-routes.js';
import { AdminFeed, adminStreamRoute } from './admin-stream.js';
import { mountApi } from './api-mount.js';
import type { ApiContext } from './context.js';
import { roomRoutes } from './room-routes.js';
import type { SseExtension } from './sse-extension.js';
import type { StoreExtension } from './store-extension.js';
import { webhookRoutes } from './webhook-routes.js';

export interface AdminApiOptions {
  /** The store it reads and writes: set up before this extension. */
  store: StoreExtension;
  /** The SSE transport, when in use, whose open streams the statistics count. */
  sse?: SseExtension;
}

/**
 * The rooms and statistics REST routes (PROTOCOLS.md §3) and the admin API behind
 * `admin-guard.ts` (history, settings, the console, webhooks, the dashboard's stream), with
 * their OpenAPI document at `/docs`.
 */
export function adminApi(options: AdminApiOptions): SinyalExtension {
  let feed: AdminFeed | undefined;
  return {
    name: 'admin-api',
    async setup({ engine, app, config, auth, logger }) {
      const store = options.store.store;
      if (!store) throw new Error('The admin API needs the store extension set up before it');
      const access = adminAccess(config, auth.verify);
      // The CLI's startup block says this under "admin API"; embedders may ask for this line.
      if (access.enabled && !access.token && !access.verify) {
        logger.debug(
          'admin endpoints answer only on this machine: set ADMIN_TOKEN to use them remotely',
        );
      }
      const ctx: ApiContext = {
        engine,
        store,
        sseStreams: () => options.sse?.transport?.size ?? 0,
        config,
        access,
        auth,
        logger,
        showRoomIds: roomIdsVisibleTo(config, auth.verify),
      };
      const adminFeed = new AdminFeed(ctx);
      adminFeed.start();
      feed = adminFeed;
      await mountApi(
        app,
        config,
        (request) => access.origins.allows(request.raw),
        (api) => roomRoutes(api, ctx),
      );
      // Admin CORS never answers an origin its guard would refuse.
      await mountApi(
        app,
        config,
        (request) => !browserRefusal(access, request),
        (admin) => {
          adminRoutes(admin, ctx);
          adminConsoleRoutes(admin, ctx);
          webhookRoutes(admin, ctx);
          adminStreamRoute(admin, adminFeed);
        },
      );
      // Open dashboard streams would hold the HTTP server open until the shutdown timeout.
      app.addHook('preClose', async () => adminFeed.close());
    },
    close() {
      feed?.close();
    },
  };
}
