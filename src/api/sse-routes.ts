import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/identity.js';
import { SignalError } from '../engine/signal-error.js';
import type { Outcome } from '../engine/engine.js';
import type { SseSession } from '../transports/sse/sse-session.js';
import type { SseContext } from './context.js';
import { ApiError, engineError, errorBody, parse } from './errors.js';
import {
  connectionBody,
  eventsQuery,
  openApi,
  refreshBody,
  roomParams,
  signalBody,
} from './schemas.js';

export const tokenHeader = {
  type: 'object',
  properties: { 'x-connection-token': { type: 'string' } },
};
const errors = { 400: errorBody, 401: errorBody, 404: errorBody };

/**
 * The SSE connection named in a REST call. Its `connectionId` (from the `connected` event) is
 * private and proves it; an `X-Connection-Token` header, which earlier clients send, must match.
 */
export function authorize(
  ctx: SseContext,
  request: FastifyRequest,
  connectionId: string,
): SseSession {
  const session = ctx.sse.session(connectionId);
  if (!session) {
    throw new ApiError(
      404,
      'unknown-connection',
      "No SSE connection with this connectionId (the one of your connected event; another peer's id is not one); reconnect to /api/events",
    );
  }
  const token = request.headers['x-connection-token'];
  if (token !== undefined && !session.checkToken(typeof token === 'string' ? token : undefined)) {
    throw new ApiError(401, 'unauthorized', 'Wrong connection token');
  }
  return session;
}

/** The answer of an event handled for a REST call; its refusal becomes the HTTP error. */
export function check<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw engineError(outcome.error.code, outcome.error.message);
  return outcome.value;
}

/** `GET /api/events` and the calls an SSE connection makes as a peer (PROTOCOLS.md §3). */
export function sseRoutes(app: FastifyInstance, ctx: SseContext): void {
  app.get(
    '/events',
    {
      schema: {
        tags: ['sse'],
        summary: 'Open the SSE stream',
        description:
          'First event `connected { connectionId, connectionToken, peerId, resumed }` (`connectionId` is private: it alone authorizes the REST calls of this connection; other peers know it by `peerId`), then the mesh-room events every client gets (`video:user-joined`, `video:offer`, ...) and `disconnect { reason }`, each named; an admin broadcast comes as an unnamed `data:` event (`eventSource.onmessage`). Every event has an id; reconnect with `Last-Event-ID` (or `?lastEventId=`) within the resume window to keep the connection id and get what was missed.',
        querystring: openApi(eventsQuery),
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      if (!ctx.origins.allows(request.raw)) {
        throw new ApiError(403, 'origin-not-allowed', 'This origin is not in ALLOWED_ORIGINS');
      }
      const query = parse(eventsQuery, request.query, 'query');
      query.token = bearerToken(request.headers.authorization, query.token);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (typeof value === 'string') headers[name] = value;
      }
      reply.hijack();
      const failure = await ctx.sse.open(request.raw, reply.raw, query, headers);
      if (failure) {
        const { status, error, message } = failure;
        reply.raw.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
        reply.raw.end(JSON.stringify({ error, message }));
      }
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags: ['sse'],
        summary: 'Renew the token of an open SSE connection',
        description:
          'A fresh token of the same user (`Authorization: Bearer` or `token` in the body) replaces the one the stream was opened with: its expiry and `rooms` grant apply from now on, and the stream stays open. Answers `{ userId, expiresAt }` (ms; absent for a token without `exp`).',
        headers: tokenHeader,
        body: openApi(refreshBody),
        response: { ...errors, 403: errorBody },
      },
    },
    async (request) => {
      const { connectionId, token } = parse(refreshBody, request.body);
      const session = authorize(ctx, request, connectionId);
      if (ctx.auth.mode !== 'jwt') {
        throw new ApiError(
          400,
          'no-tokens',
          'This server does not use tokens (no AUTH_JWT_* setting): there is nothing to refresh',
        );
      }
      try {
        const given = { token: bearerToken(request.headers.authorization, token) };
        const identity = await session.connection.renew(given);
        return { userId: identity.userId, expiresAt: identity.access.expiresAt };
      } catch (error) {
        if (!(error instanceof SignalError)) throw error;
        ctx.engine.countRefusal(error.code);
        throw engineError(error.code, error.message);
      }
    },
  );

  app.post(
    '/video/rooms/:roomId/join',
    {
      schema: {
        tags: ['sse'],
        summary: 'Join a video room as an SSE connection',
        description:
          'Answers like `video:room-state` (also sent on the stream); a full room is a 409.',
        params: openApi(roomParams),
        headers: tokenHeader,
        body: openApi(connectionBody),
        response: { ...errors, 409: errorBody },
      },
    },
    async (request) => {
      const { roomId } = parse(roomParams, request.params, 'params');
      const { connectionId } = parse(connectionBody, request.body);
      const session = authorize(ctx, request, connectionId);
      const answer = check(await session.connection.request('video:join-room', { roomId }));
      if (!answer.joined) throw new ApiError(409, 'room-full', answer.message);
      return { roomId, connectionId, participants: answer.participants };
    },
  );

  app.post(
    '/video/rooms/:roomId/leave',
    {
      schema: {
        tags: ['sse'],
        summary: 'Leave a video room as an SSE connection',
        params: openApi(roomParams),
        headers: tokenHeader,
        body: openApi(connectionBody),
        response: { ...errors, 403: errorBody },
      },
    },
    async (request) => {
      const { roomId } = parse(roomParams, request.params, 'params');
      const { connectionId } = parse(connectionBody, request.body);
      const session = authorize(ctx, request, connectionId);
      check(await session.connection.request('video:leave-room', { roomId }));
      return { ok: true, roomId };
    },
  );

  app.post(
    '/webrtc/signal',
    {
      schema: {
        tags: ['sse'],
        summary: 'Send an offer, answer or ICE candidate to a peer in a shared room',
        description:
          'The peer (`to`) receives `video:offer { from, offer }`, `video:answer { from, answer }` or `video:ice-candidate { from, candidate }`, whatever its transport.',
        headers: tokenHeader,
        body: openApi(signalBody),
        response: { ...errors, 403: errorBody },
      },
    },
    async (request) => {
      const { connectionId, to, type, data } = parse(signalBody, request.body);
      const { connection } = authorize(ctx, request, connectionId);
      if (type === 'offer') check(await connection.request('video:offer', { to, offer: data }));
      else if (type === 'answer') {
        check(await connection.request('video:answer', { to, answer: data }));
      } else check(await connection.request('video:ice-candidate', { to, candidate: data }));
      return { ok: true };
    },
  );
}
