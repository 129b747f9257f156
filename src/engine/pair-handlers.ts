import type { HandlerMap, HandlerContext } from './handler-context.js';
import type { Peer } from './peer.js';
import { admit, leave, requireMember } from './room-ops.js';
import { SignalError } from './signal-error.js';
import { roomKey, type Member, type RoomRef } from '../protocol/types.js';

/** Reference 000: rooms of two, the first in calls, the other answers. */
const PAIR_CAPACITY = 2;

const pair = (id: string): RoomRef => ({ kind: 'pair', id });

function partnerOf(ctx: HandlerContext, peer: Peer, roomId: string): Member {
  const room = pair(roomId);
  requireMember(ctx, peer, room);
  for (const member of ctx.cluster.members(room)) {
    if (member.peerId !== peer.id) return member;
  }
  throw new SignalError('no-partner', `No partner in room "${roomId}" yet`);
}

export const pairHandlers: HandlerMap = {
  async 'join-room'(ctx, peer, { roomId }) {
    // Socket.IO's join is idempotent, and the gateway answers `joined` again: React StrictMode
    // mounts twice and sends `join-room` twice. The partner was paired once and is not told.
    if (peer.rooms.has(roomKey(pair(roomId))) && ctx.cluster.member(pair(roomId), peer.id)) {
      const members = [...ctx.cluster.members(pair(roomId))].map((m) => m.peerId);
      peer.sink.emit('joined', { roomId, members });
      return;
    }
    const result = await admit(ctx, peer, pair(roomId), PAIR_CAPACITY);
    if (!result.ok) {
      // The gateway's own text; pair-room clients may show or match it.
      peer.sink.emit('room-full', { roomId, message: `Room is full (${PAIR_CAPACITY} max)` });
      return;
    }
    // concat sizes the array exactly; a spread grows it by push to 17 slots, and this one stays
    // in the resume log of an idle peer.
    const members = result.others.map((m) => m.peerId).concat(peer.id);
    peer.sink.emit('joined', { roomId, members });
    const partner = result.others[0];
    if (!partner) return;
    // The oldest member is the initiator: the first in, or the one who stayed when a caller left.
    const initiatorId = partner.peerId;
    const both: [string, string] = [partner.peerId, peer.id];
    ctx.deliver(partner, 'ready', {
      roomId,
      initiatorId,
      role: 'caller',
      partnerId: peer.id,
      members: both,
    });
    peer.sink.emit('ready', {
      roomId,
      initiatorId,
      role: 'callee',
      partnerId: partner.peerId,
      members: both,
    });
  },

  'leave-room'(ctx, peer, { roomId }) {
    return leave(ctx, peer, pair(roomId));
  },

  offer(ctx, peer, { roomId, sdp }) {
    ctx.deliver(partnerOf(ctx, peer, roomId), 'offer-received', { roomId, sdp, from: peer.id });
    ctx.counters.relayed++;
  },

  answer(ctx, peer, { roomId, sdp }) {
    ctx.deliver(partnerOf(ctx, peer, roomId), 'answer-received', { roomId, sdp, from: peer.id });
    ctx.counters.relayed++;
  },

  'ice-candidate'(ctx, peer, { roomId, candidate }) {
    const partner = partnerOf(ctx, peer, roomId);
    ctx.deliver(partner, 'ice-candidate-received', { roomId, candidate, from: peer.id });
    ctx.counters.relayed++;
  },
};
