import type { Engine } from '../engine/engine.js';
import { ROOM_KINDS } from '../protocol/room-kinds.js';
import type { RoomRef } from '../protocol/types.js';

/** Room names as `/metrics` shows them: `video:ID` for mesh (as reference 004), `pair:ID`, `study:ID`. */
export function roomName(room: RoomRef): string {
  return `${ROOM_KINDS[room.kind].statsPrefix}:${room.id}`;
}

/** Cluster-wide counts, shared by `/health`, `/metrics` and the REST stats. */
export function liveStats(engine: Engine) {
  let connections = 0;
  for (const _ of engine.cluster.peers()) connections++;
  const roomDetails = [...engine.cluster.rooms()].map(({ room, size }) => ({
    name: roomName(room),
    participants: size,
  }));
  return { connections, rooms: roomDetails.length, roomDetails };
}
