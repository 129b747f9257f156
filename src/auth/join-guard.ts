import { ROOM_KINDS } from '../protocol/room-kinds.js';
import type { JoinPolicy } from '../engine/engine.js';
import type { Peer } from '../engine/peer.js';
import { SignalError } from '../engine/signal-error.js';
import type { RoomRef } from '../protocol/types.js';
import { grantAllows } from './claims.js';

export interface JoinGuardOptions {
  /**
   * Rooms one connection may be in at once (0 = no limit).
   * @default 16 — a call and a few studies; not hundreds
   */
  maxRoomsPerPeer: number;
  /**
   * Joins one connection may attempt per minute, bursts of that size included (0 = no limit).
   * @default 60 — stops a client from scanning room names
   */
  maxJoinsPerMinute: number;
  /** The app's membership check (`JOIN_AUTHZ_URL`), asked last. */
  appCheck?: (peer: Peer, room: RoomRef) => Promise<void>;
}

/** Per-peer join bucket, kept beside the peer rather than in the engine's Peer class. */
const buckets = new WeakMap<Peer, { tokens: number; at: number }>();

function takeJoin(peer: Peer, perMinute: number): boolean {
  const now = Date.now();
  const bucket = buckets.get(peer) ?? { tokens: perMinute, at: now };
  bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / 60_000);
  bucket.at = now;
  buckets.set(peer, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/**
 * The engine's {@link JoinPolicy}: the join rate, the token's `rooms` grant, the rooms limit,
 * then the app. Cheap checks first, so a refused join never costs a call to the app.
 */
export function joinGuard(options: JoinGuardOptions): JoinPolicy {
  return (peer, room) => {
    // The rate first: refused attempts count too, so room names cannot be probed quickly.
    if (options.maxJoinsPerMinute > 0 && !takeJoin(peer, options.maxJoinsPerMinute)) {
      throw new SignalError(
        'rate-limited',
        `Too many joins: at most ${options.maxJoinsPerMinute} per minute`,
      );
    }
    if (!grantAllows(peer.access.rooms, room.id)) {
      const kind = ROOM_KINDS[room.kind].noun;
      throw new SignalError('forbidden', `Your token does not grant the ${kind} "${room.id}"`);
    }
    if (options.maxRoomsPerPeer > 0 && peer.rooms.size >= options.maxRoomsPerPeer) {
      throw new SignalError(
        'too-many-rooms',
        `A connection may be in at most ${options.maxRoomsPerPeer} rooms; leave one first`,
      );
    }
    return options.appCheck?.(peer, room);
  };
}
