import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { OriginRule } from '../../http/origin.js';
import { splitRequestUrl } from '../websocket/upgrade.js';
import { ErrorText } from './peerjs-messages.js';

export interface PeerjsRoutesOptions {
  /** PEERJS_PATH, without a trailing slash. */
  path: string;
  key: string;
  /** PEERJS_ALLOW_DISCOVERY: `GET {path}/{key}/peers` lists the ids, else answers 401. */
  allowDiscovery: boolean;
  origins: OriginRule;
}

type Call = 'id' | 'peers';

/** A PeerJS HTTP call's answer: the same under Fastify and on a plain `http.Server`. */
interface Answer {
  status: number;
  body?: string | string[];
}

function answer(engine: Engine, options: PeerjsRoutesOptions, key: string, call: Call): Answer {
  if (key !== options.key) return { status: 401, body: ErrorText.INVALID_KEY };
  // Unused ids are not reserved (nor are they by the PeerJS server): a UUID does not collide.
  if (call === 'id') return { status: 200, body: randomUUID() };
  if (!options.allowDiscovery) return { status: 401 };
  const ids: string[] = [];
  for (const peer of engine.cluster.peers()) if (peer.transport === 'peerjs') ids.push(peer.id);
  return { status: 200, body: ids };
}

/** A path segment as Fastify gives a parameter; a malformed one matches no key. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** The CORS origin to echo: the client calls from its page's origin, as the rest of the API. */
function corsOrigin(request: IncomingMessage, options: PeerjsRoutesOptions): string | undefined {
  const origin = request.headers.origin;
  return origin && options.origins.allows(request) ? origin : undefined;
}

/**
 * The PeerJS server's HTTP calls the client makes: a fresh id for `new Peer()` without one, and
 * (with discovery on) the ids connected cluster-wide.
 */
export function registerPeerjsRoutes(
  app: FastifyInstance,
  engine: Engine,
  options: PeerjsRoutesOptions,
): void {
  const route = (call: Call) => async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = corsOrigin(request.raw, options);
    if (origin) reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
    const { status, body } = answer(engine, options, (request.params as { key: string }).key, call);
    if (typeof body === 'string') reply.type('text/plain');
    return reply.code(status).send(body);
  };
  const tags = ['peerjs'];
  const prefix = `${options.path}/:key`;
  const summary = {
    id: 'PeerJS: a fresh peer id (text/plain)',
    peers: 'PeerJS: the ids of connected PeerJS peers (with discovery on)',
  };
  for (const call of ['id', 'peers'] as const) {
    app.get(`${prefix}/${call}`, { schema: { tags, summary: summary[call] } }, route(call));
  }
}

/**
 * The same calls on an HTTP server sinyal is attached to (`attach()`): answered before the
 * server's own `request` listeners, which get every other request (as Socket.IO does).
 */
export function mountPeerjsRoutes(
  server: Server,
  engine: Engine,
  options: PeerjsRoutesOptions,
): void {
  const prefix = `${options.path}/`;
  const serve = (request: IncomingMessage, response: ServerResponse): boolean => {
    const { path } = splitRequestUrl(request.url);
    if (request.method !== 'GET' || !path.startsWith(prefix)) return false;
    const [key, call, ...rest] = path.slice(prefix.length).split('/');
    if ((call !== 'id' && call !== 'peers') || rest.length > 0 || !key) return false;
    const { status, body } = answer(engine, options, decoded(key), call);
    const origin = corsOrigin(request, options);
    const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
    response.writeHead(status, {
      'content-type': type,
      ...(origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}),
    });
    response.end(body === undefined || typeof body === 'string' ? body : JSON.stringify(body));
    return true;
  };
  const others = server.listeners('request') as Array<(...args: unknown[]) => void>;
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (serve(request, response)) return;
    for (const listener of others) listener.call(server, request, response);
  });
}
