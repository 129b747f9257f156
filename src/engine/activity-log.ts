import type { Logger } from 'pino';
import type { EngineHooks } from './hooks.js';

/**
 * Room joins and leaves at `info`, once cluster-wide (the engine reports each once). Relayed
 * messages are not hooks, so they never reach this log.
 */
export function logRoomActivity(hooks: EngineHooks, logger: Logger): () => void {
  const offJoined = hooks.on('room-joined', ({ room, member }) => {
    logger.info(
      { room: room.id, kind: room.kind, peerId: member.peerId, userId: member.userId },
      `${member.user.name} joined ${room.kind} room "${room.id}"`,
    );
  });
  const offLeft = hooks.on('room-left', ({ room, member }) => {
    logger.info(
      { room: room.id, kind: room.kind, peerId: member.peerId, userId: member.userId },
      `${member.user.name} left ${room.kind} room "${room.id}"`,
    );
  });
  return () => {
    offJoined();
    offLeft();
  };
}
