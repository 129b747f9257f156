import type { FastifyInstance } from 'fastify';
import { optionTable } from '../config/options.js';
import { roomName } from '../http/stats.js';
import { liveSettingKeys, type LiveSettingKey } from '../store/settings.js';
import type {
  AdminRoom,
  AdminRoomList,
  LiveSetting,
  LiveSettingList,
  PersistentRoomView,
  RoomDeleted,
} from './admin-types.js';
import { fromDb, logAdmin, type ApiContext } from './context.js';
import { ApiError, errorBody, parse } from './errors.js';
import { openApi, participantParams, roomParams, updateRoomBody } from './schemas.js';

const security = [{ admin: [] }];
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

/** The config option each live setting starts from (its env variable and default). */
const startingOption = {
  max_connections: 'maxConnections',
  default_room_capacity: 'roomCapacity',
  max_messages_per_second: 'maxMessagesPerSecond',
} as const satisfies Record<LiveSettingKey, keyof typeof optionTable>;

/** Every room with its members (cluster-wide), plus the persistent rooms that are empty. */
function roomsWithMembers(ctx: ApiContext): AdminRoom[] {
  const { cluster } = ctx.engine;
  const persistent = new Map(ctx.store.persistentRooms().map((r) => [r.roomId, r]));
  const rooms = [...cluster.rooms()].map(({ room }): AdminRoom => {
    const stored = room.kind === 'mesh' ? persistent.get(room.id) : undefined;
    if (stored) persistent.delete(room.id);
    return {
      kind: room.kind,
      roomId: room.id,
      label: roomName(room),
      persistent: !!stored,
      name: stored?.name ?? null,
      maxParticipants: room.kind === 'mesh' ? ctx.engine.capacityOf(room.id) : null,
      members: [...cluster.members(room)],
    };
  });
  for (const stored of persistent.values()) {
    rooms.push({
      kind: 'mesh',
      roomId: stored.roomId,
      label: roomName({ kind: 'mesh', id: stored.roomId }),
      persistent: true,
      name: stored.name,
      maxParticipants: stored.maxParticipants,
      members: [],
    });
  }
  return rooms;
}

/** What the dashboard reads and changes beyond reference 001's admin API; admin scope only. */
export function adminConsoleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/admin/rooms',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Every live room (video, pair, study) with members and media state, and empty persistent rooms',
        security,
      },
    },
    async (): Promise<AdminRoomList> => ({ rooms: roomsWithMembers(ctx) }),
  );

  app.patch(
    '/video/rooms/:roomId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename a persistent room or change its capacity',
        description:
          'The new capacity applies to the next join on this node at once, on other nodes within 15 s.',
        security,
        params: openApi(roomParams),
        body: openApi(updateRoomBody),
        response: errors,
      },
    },
    async (request): Promise<PersistentRoomView> => {
      const { roomId } = parse(roomParams, request.params, 'params');
      const change = parse(updateRoomBody, request.body);
      const room = await fromDb(() => ctx.store.updateRoom(roomId, change));
      if (!room) throw new ApiError(404, 'unknown-room', `No persistent room "${roomId}"`);
      logAdmin(ctx, request, 'room-updated', { roomId, ...change });
      return { ...room, persistent: true };
    },
  );

  app.delete(
    '/video/rooms/:roomId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a persistent room (people in it stay; it becomes an ordinary room)',
        security,
        params: openApi(roomParams),
        response: errors,
      },
    },
    async (request): Promise<RoomDeleted> => {
      const { roomId } = parse(roomParams, request.params, 'params');
      const closed = await fromDb(() => ctx.store.closeRoom(roomId));
      if (!closed) throw new ApiError(404, 'unknown-room', `No persistent room "${roomId}"`);
      logAdmin(ctx, request, 'room-deleted', { roomId });
      return { ok: true, roomId };
    },
  );

  app.delete(
    '/admin/rooms/:kind/:roomId/participants/:peerId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove a participant from a room, on whichever node it is connected',
        description:
          'The others get the usual leave event (`video:user-left`, `peer-left`, ...); the removed connection gets the same event about itself and stays connected.',
        security,
        params: openApi(participantParams),
        response: errors,
      },
    },
    async (request) => {
      const { kind, roomId, peerId } = parse(participantParams, request.params, 'params');
      const removedPeer = ctx.engine.cluster.peer(peerId); // who it was, for the log
      const removed = await ctx.engine.removeFromRoom({ kind, id: roomId }, peerId);
      if (!removed) {
        throw new ApiError(404, 'not-in-room', `"${peerId}" is not in ${kind} room "${roomId}"`);
      }
      logAdmin(
        ctx,
        request,
        'participant-removed',
        { roomId, connectionId: peerId, kind },
        removedPeer,
      );
      return { ok: true as const };
    },
  );

  app.get(
    '/admin/settings',
    {
      schema: {
        tags: ['admin'],
        summary: 'Every live setting: value in use, where it comes from, and its bounds',
        description:
          '`source` is `runtime` (saved through the API), `env` (environment variable or flag) or `default`. Change one with `POST /api/settings`; it applies without a restart.',
        security,
      },
    },
    async (): Promise<LiveSettingList> => {
      const stored = new Map(
        (await fromDb(() => ctx.store.settings())).map((s) => [s.key, s.value]),
      );
      const settings = (Object.keys(liveSettingKeys) as LiveSettingKey[]).map(
        (key): LiveSetting => {
          const { field, schema } = liveSettingKeys[key];
          const option = optionTable[startingOption[key]];
          const fromEnv =
            process.env[option.env] !== undefined ||
            ctx.config[startingOption[key]] !== option.default;
          const runtime = stored.has(key) && schema.safeParse(stored.get(key)).success;
          return {
            key,
            value: ctx.engine.settings[field],
            source: runtime ? 'runtime' : fromEnv ? 'env' : 'default',
            env: option.env,
            default: option.default,
            description: option.doc,
            min: schema.minValue,
            max: schema.maxValue,
          };
        },
      );
      return { settings };
    },
  );
}
