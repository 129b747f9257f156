import type { HandlerMap } from './handler-context.js';
import { admit, leave } from './room-ops.js';
import type { RoomRef } from '../protocol/types.js';

const study = (id: string): RoomRef => ({ kind: 'presence', id });

/** Reference 004 presence: who is online in a study. No capacity. */
export const presenceHandlers: HandlerMap = {
  async 'presence:join-study'(ctx, peer, { studyId }) {
    const result = await admit(ctx, peer, study(studyId), 0);
    if (!result.ok) return;
    // A user with another connection in the study is online already.
    if (result.others.some((m) => m.userId === peer.info.userId)) return;
    const data = { studyId, userId: peer.info.userId, user: peer.info.user };
    for (const other of result.others) ctx.deliver(other, 'presence:user-online', data);
  },

  'presence:leave-study'(ctx, peer, { studyId }) {
    return leave(ctx, peer, study(studyId));
  },
};
