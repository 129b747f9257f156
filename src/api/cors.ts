import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * CORS for `/api`: `allows(request)` decides per request (the origin rule of every transport,
 * stricter on admin routes). Headers are set in `onRequest` so the hijacked SSE response
 * carries them too; an origin not allowed gets no CORS header, so its page reads nothing.
 */
export function allowOrigins(
  api: FastifyInstance,
  allows: (request: FastifyRequest) => boolean,
): void {
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
  // Preflights need a route to reach the hook above.
  // Not an API operation: hidden from the OpenAPI document.
  api.options('/*', { schema: { hide: true } }, async (_request, reply) =>
    reply.status(204).send(),
  );
}

/**
 * The routes of one plugin (the admin routes), so that CORS can tell a request, or the preflight
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
