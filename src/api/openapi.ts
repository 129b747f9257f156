import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** OpenAPI generated from the route schemas registered after this; UI at `/docs`, JSON at `/docs/json`. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'sinyal REST + SSE API',
        description:
          'PROTOCOLS.md §3 (reference 001). An SSE connection (`GET /api/events`) is a full signaling peer; it acts through the `sse` routes with its `X-Connection-Token`.',
        version: '1',
      },
      tags: [
        { name: 'sse', description: 'Server-Sent Events and the calls an SSE connection makes' },
        { name: 'rooms', description: 'Persistent video rooms and live statistics' },
        { name: 'admin', description: 'Behind ADMIN_API / ADMIN_TOKEN' },
      ],
      components: {
        securitySchemes: { admin: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
}

export async function registerDocsUi(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
