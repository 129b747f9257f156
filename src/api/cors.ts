import type { FastifyInstance, FastifyRequest } from 'fastify';

type Rule = (request: FastifyRequest) => boolean;

/**
 * CORS for `/api`: `allows(request)` decides per request (the origin rule of every transport,
 * stricter on admin routes). Headers are set in `onRequest` so the hijacked SSE response
 * carries them too; an origin not allowed gets no CORS header, so its page reads nothing.
 */
export function allowOrigins(api: FastifyInstance, allows: Rule): void {
  api.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !allows(request)) return;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Vary', 'Origin');
    if (request.method === 'OPTIONS') {
      reply.header('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      reply.header(
        'Access-Control-Allow-Headers',
        'Content-Type, Authorization, X-Connection-Token, Last-Event-ID',
      );
      reply.header('Access-Control-Max-Age', '600');
      return reply.status(204).send();
    }
  });
}

/** Each app's `/api` route sets with their CORS rule, which its one preflight route consults. */
const preflights = new WeakMap<FastifyInstance, Array<{ routes: RouteSet; allows: Rule }>>();

/**
 * Answers CORS preflights for `routes` by `allows`. Several extensions put routes under `/api`
 * but Fastify takes one `OPTIONS /api/*`: the first call adds it, for every set.
 */
export async function allowPreflights(
  app: FastifyInstance,
  routes: RouteSet,
  allows: Rule,
): Promise<void> {
  const known = preflights.get(app);
  if (known) {
    known.push({ routes, allows });
    return;
  }
  const sets = [{ routes, allows }];
  preflights.set(app, sets);
  await app.register(
    async (api) => {
      allowOrigins(
        api,
        (request) => sets.find((s) => s.routes.has(request))?.allows(request) ?? false,
      );
      // Preflights need a route to reach the hook above.
      // Not an API operation: hidden from the OpenAPI document.
      api.options('/*', { schema: { hide: true } }, async (_request, reply) =>
        reply.status(204).send(),
      );
    },
    { prefix: '/api' },
  );
}

/**
 * The routes of one plugin, so that CORS can tell a request, or the preflight
 * of one (`Access-Control-Request-Method`), bound for them.
 */
export class RouteSet {
  private readonly routes: { methods: string[]; path: RegExp }[] = [];

  /** Records every route `app` registers from now on. */
  collect(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const path = route.url
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:[^/]+/g, '[^/]+')
        .replace(/\*/g, '.*');
      this.routes.push({ methods: [route.method].flat(), path: new RegExp(`^${path}/?$`) });
    });
  }

  has(request: FastifyRequest): boolean {
    const asked = request.headers['access-control-request-method'];
    const method =
      request.method === 'OPTIONS' && typeof asked === 'string' ? asked : request.method;
    const path = request.url.split('?')[0]!;
    return this.routes.some((r) => r.methods.includes(method.toUpperCase()) && r.path.test(path));
  }
}
