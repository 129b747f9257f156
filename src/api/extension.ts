import type { SinyalExtension } from '../extension.js';
import { recordEngine } from '../store/recorder.js';
import { Store, type StoreOptions } from '../store/store.js';
import { TransportCore } from '../transports/core/transport-core.js';
import { SseTransport } from '../transports/sse/sse-transport.js';
import { registerWebhookMetrics } from '../http/metrics.js';
import { adminAccess, browserRefusal, roomIdsVisibleTo } from './admin-guard.js';
import { adminConsoleRoutes } from './admin-console-routes.js';
import { adminRoutes } from './admin-routes.js';
import { AdminFeed, adminStreamRoute } from './admin-stream.js';
import type { ApiContext } from './context.js';
import { allowOrigins, RouteSet } from './cors.js';
import { installErrorHandling } from './errors.js';
import { roomRoutes } from './room-routes.js';
import { sseMediaRoutes } from './sse-media-routes.js';
import { sseRoutes } from './sse-routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { startWebhooks, type Webhooks } from '../webhooks/webhooks.js';

/** Other nodes may create rooms or change settings; this node re-reads them this often. */
const REFRESH_INTERVAL = 15_000;

export interface StoreApiOptions {
  /** Overrides of the store options taken from the config (`DATA_DIR`, `DATABASE_URL`...). */
  store?: Partial<StoreOptions>;
}

/**
 * Persistence (event history, persistent rooms, settings) and the REST + SSE API of reference
 * 001 (PROTOCOLS.md §3), with its OpenAPI document at `/docs`.
 */
export function storeApi(options: StoreApiOptions = {}): SinyalExtension & { store?: Store } {
  let store: Store | undefined;
  let sse: SseTransport | undefined;
  let stopRecording: (() => void) | undefined;
  let refresh: NodeJS.Timeout | undefined;
  let feed: AdminFeed | undefined;
  let webhooks: Webhooks | undefined;

  return {
    name: 'store',
    get store() {
      return store;
    },
    async setup({ engine, app, config, auth, logger, metrics }) {
      store = await Store.open({
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        inCluster: Boolean(config.redisUrl),
        webhooks: config.webhookUrls && {
          endpoints: config.webhookUrls,
          events: config.webhookEvents,
        },
        logger,
        ...options.store,
        writer: { maxBuffered: config.storeMaxBuffered, ...options.store?.writer },
      });
      const opened = store;
      engine.setRoomCapacity(opened.roomCapacity);
      await opened.applySettings(engine.settings);
      stopRecording = recordEngine(engine, opened.writer);
      try {
        webhooks = await startWebhooks({ engine, store: opened, config, logger });
        if (webhooks) registerWebhookMetrics(metrics, webhooks);
      } catch (error) {
        stopRecording();
        await opened.close();
        throw error;
      }
      refresh = setInterval(() => {
        opened.loadRooms().then(
          () => opened.applySettings(engine.settings),
          () => {},
        );
      }, REFRESH_INTERVAL);
      refresh.unref();

      const core = new TransportCore(engine, { auth, maxBufferedBytes: config.maxBufferedBytes });
      sse = new SseTransport(core, {
        resumeWindow: config.sseResumeWindow,
        heartbeatInterval: config.sseHeartbeatInterval,
      });
      const sessions = sse;
      // `GET /api/ice-servers` takes an SSE connection's private id as its proof.
      auth.connectionPeer = (connectionId) => sessions.session(connectionId)?.peer.id;
      const access = adminAccess(config, auth.verify);
      // The CLI's startup block says this under "admin API"; embedders may ask for this line.
      if (access.enabled && !access.token && !access.verify) {
        logger.debug(
          'admin endpoints answer only on this machine: set ADMIN_TOKEN to use them remotely',
        );
      }
      const ctx: ApiContext = {
        engine,
        store: opened,
        sse,
        config,
        access,
        auth,
        logger,
        showRoomIds: roomIdsVisibleTo(config, auth.verify),
      };
      const adminFeed = new AdminFeed(ctx);
      adminFeed.start();
      feed = adminFeed;

      await app.register(
        async (api) => {
          // Bodies are parsed with zod in the handlers; the JSON schemas only document them.
          api.setValidatorCompiler(() => () => true);
          api.addHook('onRoute', (route) => {
            route.bodyLimit ??= config.maxPayloadBytes;
          });
          installErrorHandling(api);
          // Admin CORS never answers an origin its guard would refuse.
          const adminRoutesSet = new RouteSet();
          allowOrigins(api, (request) =>
            adminRoutesSet.has(request)
              ? !browserRefusal(access, request)
              : access.origins.allows(request.raw),
          );
          sseRoutes(api, ctx);
          sseMediaRoutes(api, ctx);
          roomRoutes(api, ctx);
          await api.register(async (admin) => {
            adminRoutesSet.collect(admin);
            adminRoutes(admin, ctx);
            adminConsoleRoutes(admin, ctx);
            webhookRoutes(admin, ctx);
            adminStreamRoute(admin, adminFeed);
          });
        },
        { prefix: '/api' },
      );
      // Open streams would hold the HTTP server open until the shutdown timeout.
      const transport = sse;
      app.addHook('preClose', async () => {
        transport.close();
        adminFeed.close();
      });
      // The CLI's startup block names the store; embedders may ask for this line.
      logger.debug(
        { database: opened.kind, dataDir: opened.kind === 'pglite' ? config.dataDir : undefined },
        'store ready',
      );
    },
    async close() {
      clearInterval(refresh);
      sse?.close();
      feed?.close();
      // Disconnects announced by the transports' shutdown finish within a turn: record them.
      await new Promise((resolve) => setImmediate(resolve));
      stopRecording?.();
      webhooks?.stopRecording();
      await webhooks?.close();
      await store?.close();
    },
    health() {
      if (!store) return { ok: false, detail: 'not started' };
      const { ok, detail, writer } = store.health();
      return {
        ok,
        detail,
        buffered: writer.buffered,
        dropped: writer.dropped,
        failed: writer.failed,
      };
    },
  };
}
