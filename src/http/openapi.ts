import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * OpenAPI generated from the schemas of every route registered after this (so it comes first);
 * UI at `/docs`, JSON at `/docs/json`.
 */
export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      info: {
        title: 'sinyal HTTP API',
        description:
          'Health, metrics and ICE servers for operators and apps; the REST + Server-Sent Events API that SSE + REST clients use. An SSE connection (`GET /api/events`) is a full signaling peer: it acts through the `sse` routes with its `X-Connection-Token`. Socket.IO and the WebSocket at `/ws` are described in docs/protocol.md of the repository.',
        version: '1',
      },
      tags: [
        { name: 'operations', description: 'Health checks and metrics' },
        { name: 'ice', description: 'STUN and TURN servers for RTCPeerConnection' },
        { name: 'sse', description: 'Server-Sent Events and the calls an SSE connection makes' },
        { name: 'rooms', description: 'Persistent video rooms and live statistics' },
        { name: 'admin', description: 'Behind ADMIN_API / ADMIN_TOKEN' },
        { name: 'peerjs', description: 'The PeerJS server calls PeerJS clients make' },
      ],
      components: {
        securitySchemes: { admin: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
}

export function registerDocsUi(app: FastifyInstance): void {
  void app.register(swaggerUi, { routePrefix: '/docs' });
}
