import type { EngineEventMap } from '../engine/hooks.js';
import type { Engine } from '../engine/engine.js';
import type { ErrorCode } from '../protocol/errors.js';
import type { PeerInfo } from '../protocol/types.js';
import type { HistoryWriter } from './batch-writer.js';
import { connectionRow, logRow, type Who } from './ops.js';

/** Refusals caused by a malformed message are `error`s; the rest are relay/room `refused`. */
const malformed = new Set<ErrorCode>([
  'invalid-payload',
  'unknown-event',
  'payload-too-large',
  'forbidden-key',
]);

const ofPeer = (peer: PeerInfo): Who => ({ peerId: peer.id, userId: peer.userId, user: peer.user });

/**
 * Turns engine hooks into buffered writes: connections, resumes, joins, leaves, media changes,
 * chat and refusals. Every listener only pushes to the writer, so the hot path never waits on the database.
 */
export function recordEngine(engine: Engine, writer: HistoryWriter): () => void {
  const nodeId = engine.cluster.nodeId;
  const log = (type: string, at: Date, who: Who, roomId?: string, details?: object) =>
    writer.push({ kind: 'log', row: logRow(type, nodeId, at, who, roomId, details) });

  const on = <E extends keyof EngineEventMap>(e: E, fn: (d: EngineEventMap[E]) => void) =>
    engine.hooks.on(e, fn);

  const offs = [
    // A copy: a WebSocket `auth` frame may re-identify the peer before the op crosses to the store.
    on('peer-connected', ({ peer }) => writer.push({ kind: 'connect', peer: { ...peer } })),
    // One op each for a disconnect and a leave: their rows are made where they are written.
    on('peer-disconnected', ({ peer, reason }) => {
      writer.push({ kind: 'disconnect', nodeId, who: ofPeer(peer), at: new Date(), reason });
    }),
    // Once per resume, by the node it resumed on; a move to another node updates the connection.
    on('peer-resumed', ({ peer, from, missed }) => {
      const at = new Date();
      if (from !== peer.nodeId) writer.push({ kind: 'connection-move', row: connectionRow(peer) });
      log('resume', at, ofPeer(peer), undefined, { from, to: peer.nodeId, missed });
    }),
    on('room-joined', ({ room, member }) => writer.push({ kind: 'join', nodeId, room, member })),
    on('room-left', ({ room, member, reason }) => {
      const who = { peerId: member.peerId, userId: member.userId, user: member.user };
      writer.push({ kind: 'leave', nodeId, room, who, at: new Date(), reason });
    }),
    on('media-changed', ({ room, member, change }) => {
      writer.push({ kind: 'participant-media', roomId: room.id, peerId: member.peerId, change });
      log('media', new Date(), member, room.id, change);
    }),
    on('chat', ({ room, member, id, message, timestamp }) => {
      writer.push({
        kind: 'message',
        row: {
          id,
          kind: 'chat',
          roomId: room.id,
          userId: member.userId,
          peerId: member.peerId,
          body: { message },
          createdAt: new Date(timestamp),
        },
      });
    }),
    // The dead process could not close its connections; the one that removed it does.
    on('node-gone', ({ nodeId: gone }) => {
      writer.push({ kind: 'node-gone', nodeId: gone, at: new Date() });
    }),
    on('refused', ({ peer, event, code, message }) => {
      log(malformed.has(code) ? 'error' : 'refused', new Date(), ofPeer(peer), undefined, {
        event,
        code,
        message,
      });
    }),
  ];
  return () => offs.forEach((off) => off());
}
