import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { findForbiddenKey } from '../protocol/inbound.js';
import { applyLiveSetting, parseLiveSetting } from '../store/settings.js';
import { adminGuard } from './admin-guard.js';
import type {
  BroadcastResult,
  ConnectionList,
  KickResult,
  LogPage,
  LogsCleared,
  SettingSaved,
  SettingsView,
} from './admin-types.js';
import { broadcastText, fromDb, logAdmin, type ApiContext } from './context.js';
import { ApiError, errorBody, parse } from './errors.js';
import {
  broadcastBody,
  broadcastQuery,
  kickQuery,
  logsDeleteQuery,
  logsQuery,
  openApi,
  settingBody,
} from './schemas.js';

const security = [{ admin: [] }];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody };

/** Which rooms each peer is in, from the cluster-wide membership. */
function roomsByPeer(ctx: ApiContext): Map<string, string[]> {
  const byPeer = new Map<string, string[]>();
  for (const { room } of ctx.engine.cluster.rooms()) {
    for (const member of ctx.engine.cluster.members(room)) {
      const list = byPeer.get(member.peerId) ?? [];
      list.push(`${room.kind}:${room.id}`);
      byPeer.set(member.peerId, list);
    }
  }
  return byPeer;
}

/** Connections, broadcast, logs and settings: behind {@link adminGuard}. */
export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('onRequest', adminGuard(ctx.access));

  app.get(
    '/connections',
    { schema: { tags: ['admin'], summary: 'Live connections, cluster-wide', security } },
    async (): Promise<ConnectionList> => {
      const rooms = roomsByPeer(ctx);
      const connections = [...ctx.engine.cluster.peers()].map((peer) => ({
        ...peer,
        rooms: rooms.get(peer.id) ?? [],
      }));
      return { total: connections.length, connections };
    },
  );

  app.delete(
    '/connections/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Disconnect a connection; its rooms are told',
        security,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        querystring: openApi(kickQuery),
        response: { ...errors, 404: errorBody },
      },
    },
    async (request): Promise<KickResult> => {
      const { id } = request.params as { id: string };
      const reason = parse(kickQuery, request.query, 'query').reason ?? 'disconnected by an admin';
      const kicked = ctx.engine.cluster.peer(id); // who it was, for the log
      if (!(await ctx.engine.kick(id, reason))) {
        throw new ApiError(404, 'unknown-connection', `No live connection "${id}"`);
      }
      logAdmin(ctx, request, 'kick', { connectionId: id, reason }, kicked);
      return { ok: true, id };
    },
  );

  app.post(
    '/broadcast',
    {
      schema: {
        tags: ['admin'],
        summary: 'Send a JSON object to every client of every transport, or to one room',
        description:
          'Socket.IO and WebSocket clients receive it as the event `broadcast` with the body as its data; SSE clients as an unnamed event (`eventSource.onmessage`). With `?roomId=` only the members of that room (a video room unless `kind` says otherwise) get it.',
        security,
        querystring: openApi(broadcastQuery),
        body: openApi(broadcastBody),
        response: errors,
      },
    },
    async (request): Promise<BroadcastResult> => {
      const { roomId, kind } = parse(broadcastQuery, request.query, 'query');
      const body = parse(broadcastBody, request.body);
      const forbidden = findForbiddenKey(body);
      if (forbidden) throw new ApiError(400, 'invalid-body', `Key "${forbidden}" is not allowed`);
      let recipients = 0;
      if (roomId === undefined) {
        for (const _ of ctx.engine.cluster.peers()) recipients++;
        ctx.engine.broadcast('broadcast', body);
      } else {
        for (const member of ctx.engine.cluster.members({ kind, id: roomId })) {
          ctx.engine.deliver(member, 'broadcast', body);
          recipients++;
        }
      }
      const id = randomUUID();
      const createdAt = new Date();
      ctx.store.writer.push({
        kind: 'message',
        row: { id, kind: 'broadcast', roomId: roomId ?? null, body, createdAt },
      });
      logAdmin(ctx, request, 'broadcast', {
        messageId: id,
        text: broadcastText(body),
        recipients,
        ...(roomId ? { roomId } : {}),
      });
      return { ok: true, id, recipients };
    },
  );

  app.get(
    '/logs',
    {
      schema: {
        tags: ['admin'],
        summary: 'Event log, newest first (filter by type, room, peer, time; paginated)',
        security,
        querystring: openApi(logsQuery),
        response: errors,
      },
    },
    async (request): Promise<LogPage> => {
      const filter = parse(logsQuery, request.query, 'query');
      const page = await fromDb(() => ctx.store.logs(filter));
      return { ...page, limit: filter.limit, offset: filter.offset };
    },
  );

  app.delete(
    '/logs',
    {
      schema: {
        tags: ['admin'],
        summary: 'Clear the event log (or the part matching the filter)',
        security,
        querystring: openApi(logsDeleteQuery),
        response: errors,
      },
    },
    async (request): Promise<LogsCleared> => {
      const filter = parse(logsDeleteQuery, request.query, 'query');
      const deleted = await fromDb(() => ctx.store.clearLogs(filter));
      logAdmin(ctx, request, 'clear-logs', { deleted, filter });
      return { ok: true, deleted };
    },
  );

  app.get(
    '/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Stored settings and the values the engine uses now',
        security,
      },
    },
    async (): Promise<SettingsView> => ({
      settings: await fromDb(() => ctx.store.settings()),
      live: { ...ctx.engine.settings },
    }),
  );

  app.post(
    '/settings',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Save a setting; max_connections, default_room_capacity and max_messages_per_second apply at once',
        security,
        body: openApi(settingBody),
        response: errors,
      },
    },
    async (request): Promise<SettingSaved> => {
      const { key, value, description } = parse(settingBody, request.body);
      const checked = parseLiveSetting(key, value);
      if (!checked.ok) throw new ApiError(400, 'invalid-body', `value: ${checked.message}`);
      const saved = await fromDb(() => ctx.store.saveSetting(key, value, description));
      const applied = applyLiveSetting(ctx.engine.settings, key, value);
      logAdmin(ctx, request, 'setting', { key, value });
      return { setting: saved, applied, live: { ...ctx.engine.settings } };
    },
  );
}
