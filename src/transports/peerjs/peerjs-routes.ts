import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { OriginRule } from '../../http/origin.js';
import { ErrorText } from './peerjs-messages.js';

export interface PeerjsRoutesOptions {
  /** PEERJS_PATH, without a trailing slash. */
  path: string;
  key: string;
  /** PEERJS_ALLOW_DISCOVERY: `GET {path}/{key}/peers` lists the ids, else answers 401. */
  allowDiscovery: boolean;
  origins: OriginRule;
}

/**
 * The PeerJS server's HTTP calls the client makes: a fresh id for `new Peer()` without one, and
 * (with discovery on) the ids connected cluster-wide. The client calls them from its page's
 * origin, so allowed origins get CORS headers as the rest of the API.
 */
export function registerPeerjsRoutes(
  app: FastifyInstance,
  engine: Engine,
  options: PeerjsRoutesOptions,
): void {
  const prefix = `${options.path}/:key`;
  const admit = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const origin = request.headers.origin;
    if (origin && options.origins.allows(request.raw)) {
      reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
    }
    if ((request.params as { key: string }).key === options.key) return true;
    void reply.code(401).type('text/plain').send(ErrorText.INVALID_KEY);
    return false;
  };
  const tags = ['peerjs'];
  app.get(
    `${prefix}/id`,
    { schema: { tags, summary: 'PeerJS: a fresh peer id (text/plain)' } },
    async (request, reply) => {
      if (!admit(request, reply)) return reply;
      // Unused ids are not reserved (nor are they by the PeerJS server): a UUID does not collide.
      return reply.type('text/plain').send(randomUUID());
    },
  );
  app.get(
    `${prefix}/peers`,
    { schema: { tags, summary: 'PeerJS: the ids of connected PeerJS peers (with discovery on)' } },
    async (request, reply) => {
      if (!admit(request, reply)) return reply;
      if (!options.allowDiscovery) return reply.code(401).send();
      const ids: string[] = [];
      for (const peer of engine.cluster.peers()) if (peer.transport === 'peerjs') ids.push(peer.id);
      return reply.send(ids);
    },
  );
}
