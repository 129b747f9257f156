import type { FastifyInstance } from 'fastify';
import type { OriginCheck } from '../http/origin.js';

/**
 * CORS for `/api` with the same rule as Socket.IO: `ALLOWED_ORIGINS`, or any origin when unset.
 * Headers are set in `onRequest` so the hijacked SSE response carries them too.
 */
export function allowOrigins(api: FastifyInstance, allowed: OriginCheck): void {
  api.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !allowed(origin)) return;
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
