import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
} from 'fastify';
import type { Logger } from 'pino';
import type { AuthOptions } from '../auth/identity.js';
import type { TurnAccess } from '../auth/turn-access.js';
import type { Engine } from '../engine/engine.js';
import { createMetricsRegistry } from './metrics.js';
import { liveStats } from './stats.js';
import { registerWebApp, type WebAppConfig } from './web-app.js';

export interface HttpAppOptions {
  engine: Engine;
  logger: Logger;
  auth: AuthOptions;
  /** Who gets TURN credentials from `/api/ice-servers`. */
  turn: TurnAccess;
  serverFactory?: FastifyServerFactory;
  /** Extra reasons `/health` reports `degraded` (store backlog, cluster link...). */
  healthChecks?: Array<() => { name: string; ok: boolean; detail?: string }>;
  /** Settings of the demo app and `/api/ice-servers`. */
  web: WebAppConfig;
}

/** Health, metrics and the landing page; features add their routes through `app.register`. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { engine } = options;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Health probes and metrics scrapes would flood the log at info.
    logController: new LogController({ disableRequestLogging: true }),
    serverFactory: options.serverFactory,
  });
  const registry = createMetricsRegistry(engine);

  app.get('/health', async () => {
    const { connections } = liveStats(engine);
    const cluster = engine.cluster.health();
    const checks = [
      { name: 'cluster', ok: cluster.status === 'ok', detail: cluster.detail },
      ...(options.healthChecks ?? []).map((check) => check()),
    ];
    return {
      status: checks.every((c) => c.ok) ? 'ok' : 'degraded',
      connections,
      uptime: process.uptime(),
      timestamp: new Date().toISOString(),
      nodeId: engine.cluster.nodeId,
      nodes: cluster.nodes,
      checks,
    };
  });

  app.get('/metrics', async (request, reply) => {
    const accept = request.headers.accept ?? '';
    if (accept.includes('text/plain') || accept.includes('openmetrics')) {
      reply.type(registry.contentType);
      return registry.metrics();
    }
    return { ...liveStats(engine), memory: process.memoryUsage(), uptime: process.uptime() };
  });

  registerWebApp(app, options.web, options.turn);

  return app;
}
