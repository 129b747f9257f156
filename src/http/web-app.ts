import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { bearerToken } from '../auth/identity.js';
import type { TurnAccess } from '../auth/turn-access.js';
import { httpStatusOf } from '../protocol/errors.js';
import { iceServersFor, type IceConfig } from '../auth/turn.js';
import type { Config } from '../config/config.js';
import { landingPage } from './landing.js';

export type WebAppConfig = IceConfig & Pick<Config, 'publicDir'>;

export const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** The built demo: `PUBLIC_DIR`, else dist/public next to the compiled or the source server. */
export function findPublicDir(configured?: string): string | undefined {
  const candidates = configured
    ? [resolve(configured)]
    : [
        fileURLToPath(new URL('../../public', import.meta.url)), // dist/src/http → dist/public
        fileURLToPath(new URL('../../dist/public', import.meta.url)), // src/http (tsx) → dist/public
      ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/** `/` (the demo call app, or the landing page when it is not built), `/assets/*`, `/api/ice-servers`. */
export function registerWebApp(app: FastifyInstance, config: WebAppConfig, turn: TurnAccess): void {
  const root = findPublicDir(config.publicDir);

  // Pages and files, not API operations: kept out of the OpenAPI document.
  const hidden = { schema: { hide: true } };
  app.get('/', hidden, async (request, reply) => {
    if (!root) {
      const origin = `${request.protocol}://${request.headers.host ?? 'localhost'}`;
      return reply.type('text/html; charset=utf-8').send(landingPage(origin));
    }
    return sendFile(reply, join(root, 'index.html'));
  });

  app.get<{ Params: { '*': string } }>('/assets/*', hidden, async (request, reply) =>
    sendAsset(reply, root, request.params['*']),
  );

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/api/ice-servers',
    {
      schema: {
        tags: ['ice'],
        summary: 'The ICE servers to put in `new RTCPeerConnection({ iceServers })`',
        description:
          '`{ iceServers: RTCIceServer[], ttl }`: `ICE_SERVERS` as given, else `STUN_URLS` plus `TURN_URLS`; with `TURN_SECRET` the TURN entry carries time-limited credentials (`username` = `expiry:userId`). TURN credentials need, with authentication on, `Authorization: Bearer <token>` (or `?token=`); otherwise a live connection: `?connectionId=` (its `welcome.socketId`) with `connectionToken` (query or `X-Connection-Token`) from its `welcome`, or the private `connectionId` of an SSE connection alone. 401 `{ error, message }` for a proof that fails, 429 beyond `ICE_SERVERS_PER_MINUTE`. Without any of these, the STUN part only (no TURN entry): STUN needs no secret.',
      },
    },
    async (request, reply) => {
      const { query, headers } = request;
      const token = headers['x-connection-token'];
      reply.header('cache-control', 'no-store');
      let userId: string | undefined;
      try {
        userId = await turn.authorize({
          token: bearerToken(headers.authorization, query.token),
          userId: query.userId,
          connectionId: query.connectionId,
          connectionToken: typeof token === 'string' ? token : query.connectionToken,
        });
      } catch (error) {
        const { code = 'unauthorized', message } = error as { code?: string; message: string };
        return reply.code(httpStatusOf(code, 401)).send({ error: code, message });
      }
      return { iceServers: iceServersFor(config, userId), ttl: config.turnTtl };
    },
  );
}

export async function sendFile(reply: FastifyReply, path: string): Promise<FastifyReply> {
  try {
    const body = await readFile(path);
    return reply
      .type(types[extname(path)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .send(body);
  } catch {
    return reply.code(404).send({ error: 'not-found', message: 'No such file' });
  }
}

/** A file under `<root>/assets`, or 404: never anything outside that folder. */
export async function sendAsset(
  reply: FastifyReply,
  root: string | undefined,
  name: string,
): Promise<FastifyReply> {
  const base = root ? resolve(root, 'assets') : undefined;
  const path = base ? resolve(base, name) : undefined;
  // resolve() folds `..`; anything that lands outside the assets folder is not ours to serve.
  if (!base || !path || !path.startsWith(base + sep) || !types[extname(path)]) {
    return reply.code(404).send({ error: 'not-found', message: 'No such asset' });
  }
  return sendFile(reply, path);
}
