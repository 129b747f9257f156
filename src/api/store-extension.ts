import type { SinyalExtension } from '../extension.js';
import { registerWebhookMetrics } from '../http/metrics.js';
import { recordEngine } from '../store/recorder.js';
import { Store, type StoreOptions } from '../store/store.js';
import { startWebhooks, type Webhooks } from '../webhooks/webhooks.js';

/** Other nodes may create rooms or change settings; this node re-reads them this often. */
const REFRESH_INTERVAL = 15_000;

export interface StoreExtensionOptions {
  /** Overrides of the store options taken from the config (`DATA_DIR`, `DATABASE_URL`...). */
  store?: Partial<StoreOptions>;
}

export type StoreExtension = SinyalExtension & { readonly store: Store | undefined };

/**
 * Persistence: the event history the engine's hooks write, persistent rooms and settings the
 * engine applies, and the webhooks (with `WEBHOOK_URL`). No routes: the admin API serves them.
 */
export function storeExtension(options: StoreExtensionOptions = {}): StoreExtension {
  let store: Store | undefined;
  let stopRecording: (() => void) | undefined;
  let refresh: NodeJS.Timeout | undefined;
  let webhooks: Webhooks | undefined;

  return {
    name: 'store',
    get store() {
      return store;
    },
    async setup({ engine, config, logger, metrics }) {
      const opened = await Store.open({
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
      store = opened;
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
      // The CLI's startup block names the store; embedders may ask for this line.
      logger.debug(
        { database: opened.kind, dataDir: opened.kind === 'pglite' ? config.dataDir : undefined },
        'store ready',
      );
    },
    async close() {
      clearInterval(refresh);
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
