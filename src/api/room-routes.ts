import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { liveStats } from '../http/stats.js';
import { RoomExistsError } from '../store/store.js';
import type { PersistentRoomView } from './admin-types.js';
import { fromDb, logAdmin, type ApiContext } from './context.js';
import { ApiError, errorBody, parse } from './errors.js';
import { createRoomBody, openApi } from './schemas.js';

interface RoomView {
  roomId: string;
  name: string | null;
  hostId: string | null;
  maxParticipants: number;
  persistent: boolean;
  participants: number;
  createdAt: string | null;
}

/** Persistent rooms (empty or not) and every mesh room with participants, cluster-wide. */
export function listRooms(ctx: ApiContext): RoomView[] {
  const rooms = new Map<string, RoomView>();
  for (const room of ctx.store.persistentRooms()) {
    rooms.set(room.roomId, {
      roomId: room.roomId,
      name: room.name,
      hostId: room.hostId,
      maxParticipants: room.maxParticipants,
      persistent: true,
      participants: 0,
      createdAt: room.createdAt.toISOString(),
    });
  }
  for (const { room, size } of ctx.engine.cluster.rooms()) {
    if (room.kind !== 'mesh') continue;
    const known = rooms.get(room.id);
    if (known) known.participants = size;
    else {
      rooms.set(room.id, {
        roomId: room.id,
        name: null,
        hostId: null,
        maxParticipants: ctx.engine.capacityOf(room.id),
        persistent: false,
        participants: size,
        createdAt: null,
      });
    }
  }
  return [...rooms.values()];
}

export function roomRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/video/rooms',
    {
      schema: {
        tags: ['rooms'],
        summary: 'Create a persistent video room',
        description: 'The engine enforces `maxParticipants` for joins over every transport.',
        body: openApi(createRoomBody),
        response: {
          201: { type: 'object', additionalProperties: true },
          400: errorBody,
          409: errorBody,
          503: errorBody,
        },
      },
    },
    async (request, reply) => {
      const body = parse(createRoomBody, request.body);
      const roomId = body.roomId ?? randomUUID();
      const room = await fromDb(async () => {
        try {
          return await ctx.store.createRoom({ ...body, roomId });
        } catch (error) {
          if (error instanceof RoomExistsError)
            throw new ApiError(409, 'room-exists', error.message);
          throw error;
        }
      });
      logAdmin(ctx, request, 'room-created', {
        roomId,
        hostId: body.hostId,
        max: body.maxParticipants,
      });
      const created: PersistentRoomView = { ...room, persistent: true, participants: 0 };
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/video/rooms',
    { schema: { tags: ['rooms'], summary: 'List persistent rooms and rooms with participants' } },
    async (request) => {
      const rooms = listRooms(ctx);
      // Anonymous callers in production see persistent rooms (created to be found), not live ones.
      if (await ctx.showRoomIds(request)) return { rooms };
      return { rooms: rooms.filter((room) => room.persistent) };
    },
  );

  app.get(
    '/stats',
    { schema: { tags: ['rooms'], summary: 'Live server statistics (cluster-wide counts)' } },
    async (request) => {
      const live = liveStats(ctx.engine);
      if (!(await ctx.showRoomIds(request))) live.roomDetails = [];
      const byTransport: Record<string, number> = {};
      for (const peer of ctx.engine.cluster.peers()) {
        byTransport[peer.transport] = (byTransport[peer.transport] ?? 0) + 1;
      }
      const totals = await ctx.store.totals().catch(() => null);
      const health = ctx.store.health();
      return {
        ...live,
        byTransport,
        sseStreams: ctx.sseStreams(),
        relayed: ctx.engine.counters.relayed,
        refused: ctx.engine.counters.refused,
        nodeId: ctx.engine.cluster.nodeId,
        nodes: ctx.engine.cluster.health().nodes,
        uptime: process.uptime(),
        store: { kind: ctx.store.kind, ...health.writer, totals },
      };
    },
  );
}
