import { randomUUID } from 'node:crypto';
import type { ParticipantState } from '../protocol/outbound.js';
import type { HandlerContext, HandlerMap } from './handler-context.js';
import type { Peer } from './peer.js';
import { admit, leave, requireMember } from './room-ops.js';
import { SignalError } from './signal-error.js';
import type { MediaState, Member, RoomRef } from '../protocol/types.js';

const mesh = (id: string): RoomRef => ({ kind: 'mesh', id });

export function participantState(member: Member): ParticipantState {
  const { peerId, userId, user, isMuted, isVideoOff, isSharingScreen, joinedAt } = member;
  return { socketId: peerId, userId, user, isMuted, isVideoOff, isSharingScreen, joinedAt };
}

/** The target of a direct signal, which must share a mesh room with the sender. */
function target(ctx: HandlerContext, peer: Peer, to: string): Member {
  if (to === peer.id) throw new SignalError('not-allowed', 'Cannot signal yourself');
  for (const room of peer.rooms.values()) {
    if (room.kind !== 'mesh') continue;
    const member = ctx.cluster.member(room, to);
    if (member) return member;
  }
  // The same answer whether or not `to` is online elsewhere: it tells no one who is connected.
  throw new SignalError('unknown-peer', `No peer "${to}" in your rooms`);
}

function othersIn(ctx: HandlerContext, room: RoomRef, self: string): Member[] {
  const others: Member[] = [];
  for (const member of ctx.cluster.members(room)) if (member.peerId !== self) others.push(member);
  return others;
}

function changeMedia(
  ctx: HandlerContext,
  peer: Peer,
  roomId: string,
  change: Partial<MediaState>,
): Member[] {
  const room = mesh(roomId);
  const member = requireMember(ctx, peer, room);
  ctx.cluster.updateMedia(room, peer.id, change);
  ctx.hooks.emit('media-changed', { room, member, change });
  return othersIn(ctx, room, peer.id);
}

function screenShare(ctx: HandlerContext, peer: Peer, roomId: string, isSharing: boolean): void {
  const data = { socketId: peer.id, userId: peer.info.userId, isSharing };
  for (const other of changeMedia(ctx, peer, roomId, { isSharingScreen: isSharing })) {
    ctx.deliver(other, 'video:peer-screen-share', data);
  }
}

export const meshHandlers: HandlerMap = {
  async 'video:join-room'(ctx, peer, { roomId }) {
    const room = mesh(roomId);
    const result = await admit(ctx, peer, room, ctx.capacityOf(roomId));
    if (!result.ok) {
      const message = `Room "${roomId}" is full`;
      peer.sink.emit('room-full', { roomId, message });
      return { joined: false, message };
    }
    const participants = result.others.map(participantState);
    peer.sink.emit('video:room-state', { roomId, participants });
    const { userId, user } = peer.info;
    const joined = { roomId, socketId: peer.id, userId, user };
    for (const other of result.others) ctx.deliver(other, 'video:user-joined', joined);
    return { joined: true, participants };
  },

  'video:leave-room'(ctx, peer, { roomId }) {
    return leave(ctx, peer, mesh(roomId));
  },

  'video:offer'(ctx, peer, { to, offer }) {
    ctx.deliver(target(ctx, peer, to), 'video:offer', { from: peer.id, offer });
    ctx.counters.relayed++;
  },

  'video:answer'(ctx, peer, { to, answer }) {
    ctx.deliver(target(ctx, peer, to), 'video:answer', { from: peer.id, answer });
    ctx.counters.relayed++;
  },

  'video:ice-candidate'(ctx, peer, { to, candidate }) {
    ctx.deliver(target(ctx, peer, to), 'video:ice-candidate', { from: peer.id, candidate });
    ctx.counters.relayed++;
  },

  'video:toggle-audio'(ctx, peer, { roomId, isMuted }) {
    const data = { socketId: peer.id, userId: peer.info.userId, isMuted };
    for (const other of changeMedia(ctx, peer, roomId, { isMuted })) {
      ctx.deliver(other, 'video:peer-audio-changed', data);
    }
  },

  'video:toggle-video'(ctx, peer, { roomId, isVideoOff }) {
    const data = { socketId: peer.id, userId: peer.info.userId, isVideoOff };
    for (const other of changeMedia(ctx, peer, roomId, { isVideoOff })) {
      ctx.deliver(other, 'video:peer-video-changed', data);
    }
  },

  'video:screen-share-start'(ctx, peer, { roomId }) {
    screenShare(ctx, peer, roomId, true);
  },

  'video:screen-share-stop'(ctx, peer, { roomId }) {
    screenShare(ctx, peer, roomId, false);
  },

  'chat:video-message'(ctx, peer, { roomId, message }) {
    const room = mesh(roomId);
    const member = requireMember(ctx, peer, room);
    const { userId, user } = peer.info;
    const id = randomUUID();
    const timestamp = new Date().toISOString();
    const data = { id, roomId, userId, user, message, timestamp, socketId: peer.id };
    for (const m of [...ctx.cluster.members(room)])
      ctx.deliver(m, 'chat:video-message-received', data);
    ctx.hooks.emit('chat', { room, member, id, message, timestamp });
    return data;
  },
};
