import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuthOptions } from './auth/identity.js';
import type { Config } from './config/config.js';
import type { Engine } from './engine/engine.js';

export interface ExtensionContext {
  engine: Engine;
  app: FastifyInstance;
  config: Config;
  /** The handshake authentication every transport shares. */
  auth: AuthOptions;
  logger: Logger;
  /** The Prometheus registry `/metrics` serves: extensions add their own metrics to it. */
  metrics: Registry;
}

/**
 * A feature around the engine (store, SSE, dashboard...): it adds routes and engine hooks in
 * `setup`, reports its health and flushes in `close`. Kept small on purpose, like Hocuspocus'.
 */
export interface SinyalExtension {
  name: string;
  setup?(context: ExtensionContext): void | Promise<void>;
  /** Runs on shutdown after the transports stopped accepting; must finish promptly. */
  close?(): void | Promise<void>;
  /** `ok: false` makes `/health` say `degraded`. */
  health?(): { ok: boolean; detail?: string };
}
