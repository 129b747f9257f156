import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuthOptions } from './auth/identity.js';
import type { Config } from './config/config.js';
import type { Engine } from './engine/engine.js';
import type { SseTransport } from './transports/sse/sse-transport.js';

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

/** The transports an extension may serve, listed on `SinyalServer.transports` beside the others. */
export interface ExtensionTransports {
  /** SSE + REST, served by `sseApi()`. */
  sse?: SseTransport;
}

/**
 * A feature around the engine (store, SSE, admin API...): it adds routes and engine hooks in
 * `setup`, reports its health and flushes in `close`. Kept small on purpose, like Hocuspocus'.
 */
export interface SinyalExtension {
  name: string;
  setup?(context: ExtensionContext): void | Promise<void>;
  /** Runs on shutdown after the transports stopped accepting; must finish promptly. */
  close?(): void | Promise<void>;
  /** The transports it serves, once set up. */
  transports?(): ExtensionTransports;
  /** `ok: false` makes `/health` say `degraded`. */
  health?(): { ok: boolean; detail?: string };
}
