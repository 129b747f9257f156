import type { FastifyInstance } from 'fastify';
import type { SseContext } from './context.js';
import { errorBody, parse } from './errors.js';
import { chatBody, mediaBody, openApi, roomParams } from './schemas.js';
import { authorize, check, tokenHeader } from './sse-routes.js';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

/**
 * Media state and in-call chat for SSE peers (beyond reference 001's paths), so an SSE peer can
 * do all a Socket.IO peer does: the room gets the same `video:peer-*` and chat events.
 */
export function sseMediaRoutes(app: FastifyInstance, ctx: SseContext): void {
  app.post(
    '/video/rooms/:roomId/media',
    {
      schema: {
        tags: ['sse'],
        summary: 'Change media state (as video:toggle-audio / toggle-video / screen-share)',
        params: openApi(roomParams),
        headers: tokenHeader,
        body: openApi(mediaBody),
        response: errors,
      },
    },
    async (request) => {
      const { roomId } = parse(roomParams, request.params, 'params');
      const body = parse(mediaBody, request.body);
      const session = authorize(ctx, request, body.connectionId);
      const { connection } = session;
      const { isMuted, isVideoOff, isSharingScreen } = body;
      if (isMuted !== undefined) {
        check(await connection.request('video:toggle-audio', { roomId, isMuted }));
      }
      if (isVideoOff !== undefined) {
        check(await connection.request('video:toggle-video', { roomId, isVideoOff }));
      }
      if (isSharingScreen !== undefined) {
        const event = isSharingScreen ? 'video:screen-share-start' : 'video:screen-share-stop';
        check(await connection.request(event, { roomId }));
      }
      return { ok: true, roomId };
    },
  );

  app.post(
    '/video/rooms/:roomId/messages',
    {
      schema: {
        tags: ['sse'],
        summary: 'Send an in-call chat message (as chat:video-message)',
        params: openApi(roomParams),
        headers: tokenHeader,
        body: openApi(chatBody),
        response: errors,
      },
    },
    async (request) => {
      const { roomId } = parse(roomParams, request.params, 'params');
      const { connectionId, message } = parse(chatBody, request.body);
      const session = authorize(ctx, request, connectionId);
      const sent = check(
        await session.connection.request('chat:video-message', { roomId, message }),
      );
      return { ok: true, message: sent };
    },
  );
}
