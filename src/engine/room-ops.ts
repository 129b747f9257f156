import type { HandlerContext } from './handler-context.js';
import type { Peer } from './peer.js';
import { SignalError } from './signal-error.js';
import type { AdmitResult } from '../cluster/cluster.js';
import type { Member, RoomRef } from '../protocol/types.js';
import { roomKey } from '../protocol/types.js';

/** Joins `peer` to `room` atomically; resolves to the admission (other members) or a refusal. */
export async function admit(
  ctx: HandlerContext,
  peer: Peer,
  room: RoomRef,
  capacity: number,
): Promise<(AdmitResult & { ok: true; member: Member }) | { ok: false; reason: 'full' }> {
  const key = roomKey(room);
  if (peer.rooms.has(key)) {
    if (ctx.cluster.member(room, peer.id)) {
      throw new SignalError('already-joined', `Already in ${room.kind} room "${room.id}"`);
    }
    // An admin on another node removed this peer from the room: the local record is stale.
    peer.rooms.delete(key);
  }
  await ctx.authorizeJoin(peer, room);
  if (peer.closed) throw new SignalError('not-in-room', 'Disconnected during join');
  const member = ctx.memberRecord(peer);
  const result = await ctx.cluster.admit(room, member, capacity);
  if (!result.ok) {
    if (result.reason === 'full') return { ok: false, reason: 'full' };
    throw new SignalError('already-joined', `Already in ${room.kind} room "${room.id}"`);
  }
  if (peer.closed) {
    // Disconnected while the admission was in flight: undo it quietly.
    await ctx.cluster.release(room, peer.id);
    throw new SignalError('not-in-room', 'Disconnected during join');
  }
  peer.rooms.set(key, room);
  ctx.hooks.emit('room-joined', { room, member, first: result.others.length === 0 });
  return { ...result, member };
}

/** Leaves a room the peer is in (explicit leave); others are told by the engine. */
export function leave(ctx: HandlerContext, peer: Peer, room: RoomRef): Promise<void> {
  const member = requireMember(ctx, peer, room);
  return ctx.removeMember(room, member, 'left');
}

/** The peer's member record in a room it must be in. */
export function requireMember(ctx: HandlerContext, peer: Peer, room: RoomRef): Member {
  const member = peer.rooms.has(roomKey(room)) ? ctx.cluster.member(room, peer.id) : undefined;
  if (!member) throw new SignalError('not-in-room', `Not in ${room.kind} room "${room.id}"`);
  return member;
}

/** Tells the members left in a room that `member` left, in the room kind's own words. */
export function announceLeave(
  engine: HandlerContext,
  room: RoomRef,
  member: Member,
  remaining: Member[],
): void {
  if (room.kind === 'pair') {
    for (const other of remaining) {
      engine.deliver(other, 'peer-left', { roomId: room.id, socketId: member.peerId });
    }
  } else if (room.kind === 'mesh') {
    const data = { roomId: room.id, socketId: member.peerId, userId: member.userId };
    for (const other of remaining) engine.deliver(other, 'video:user-left', data);
  } else if (!remaining.some((m) => m.userId === member.userId)) {
    // Presence: the user is offline only when its last connection leaves the study.
    const data = { studyId: room.id, userId: member.userId };
    for (const other of remaining) engine.deliver(other, 'presence:user-offline', data);
  }
}
