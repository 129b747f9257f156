import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerFactory,
} from 'fastify';
import type { Logger } from 'pino';
import type { AuthOptions } from '../auth/identity.js';
import type { TurnAccess } from '../auth/turn-access.js';
import type { Engine } from '../engine/engine.js';
import type { Registry } from 'prom-client';
import { registerAdminApp } from './admin-app.js';
import { createMetricsRegistry } from './metrics.js';
import { registerDocsUi, registerOpenApi } from './openapi.js';
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
  /** The Prometheus registry of `/metrics`, when extensions add to it. @default a new one */
  metrics?: Registry;
  /** Whether a request may see live room ids (see {@link roomIdsVisibleTo}). */
  showRoomIds?: (request: FastifyRequest) => Promise<boolean>;
}

/** `warn` for a logger at `info`; any other level as it is. */
function quieter(logger: Logger): string {
  return logger.isLevelEnabled('info') && !logger.isLevelEnabled('debug') ? 'warn' : logger.level;
}

/** Health, metrics and the landing page; features add their routes through `app.register`. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { engine } = options;
  const app = Fastify({
    // Fastify's "Server listening at" lines (one per address) are at info; the CLI prints one
    // startup block instead, so Fastify speaks from `warn` up unless debugging.
    loggerInstance: options.logger.child(
      { component: 'http' },
      { level: quieter(options.logger) },
    ) as FastifyBaseLogger,
    // Health probes and metrics scrapes would flood the log at info.
    logController: new LogController({ disableRequestLogging: true }),
    serverFactory: options.serverFactory,
  });
  const registry = options.metrics ?? createMetricsRegistry(engine);
  registerOpenApi(app);
  // Unknown routes answer like every other refusal: `{ error, message }`.
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: 'not-found', message: `No route ${request.method} ${request.url}` }),
  );
  // In a plugin, so the OpenAPI hook registered above sees these routes.
  void app.register(async (scope) => {
    operationRoutes(scope, engine, registry, options);
    registerWebApp(scope, options.web, options.turn);
  });
  registerAdminApp(app);
  registerDocsUi(app);
  return app;
}

const operations = { tags: ['operations'] };

function operationRoutes(
  app: FastifyInstance,
  engine: Engine,
  registry: Registry,
  options: Pick<HttpAppOptions, 'healthChecks' | 'showRoomIds'>,
): void {
  const healthChecks = options.healthChecks ?? [];
  app.get(
    '/health',
    {
      schema: {
        ...operations,
        summary: 'Health: `ok`, or `degraded` with the failing check',
        description:
          '`{ status, connections, uptime, timestamp, nodeId, nodes, checks: [{ name, ok, detail? }] }`; the first four as Express + Socket.IO mesh servers answer. `degraded` when the cluster link or the store is unwell.',
      },
    },
    async () => {
      const { connections } = liveStats(engine);
      const cluster = engine.cluster.health();
      const checks = [
        { name: 'cluster', ok: cluster.status === 'ok', detail: cluster.detail },
        ...healthChecks.map((check) => check()),
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
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        ...operations,
        summary: 'Live counts as JSON, or Prometheus text with `Accept: text/plain`',
        description:
          'JSON: `{ connections, rooms, roomDetails: [{ name, participants }], memory, uptime }`, as Express + Socket.IO mesh servers answer (in production `roomDetails` is empty unless the admin credential is given). With `Accept: text/plain` (or OpenMetrics): Prometheus text, `sinyal_*` metrics plus the process and Node.js defaults (`sinyal_process_cpu_user_seconds_total`, ...).',
      },
    },
    async (request, reply) => {
      const accept = request.headers.accept ?? '';
      if (accept.includes('text/plain') || accept.includes('openmetrics')) {
        reply.type(registry.contentType);
        return registry.metrics();
      }
      const stats = liveStats(engine);
      // Same shape for everyone; anonymous callers in production see counts, not room ids.
      if (options.showRoomIds && !(await options.showRoomIds(request))) stats.roomDetails = [];
      return { ...stats, memory: process.memoryUsage(), uptime: process.uptime() };
    },
  );
}
