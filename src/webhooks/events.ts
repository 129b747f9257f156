import { performance } from 'node:perf_hooks';
import type { EngineHooks } from '../engine/hooks.js';
import { randomToken } from '../engine/random-token.js';
import type { LeaveCause, Member, RoomRef } from '../protocol/types.js';
import type {
  ParticipantLeftReason,
  WebhookEvent,
  WebhookEventType,
  WebhookParticipant,
  WebhookRoom,
} from '../protocol/webhook-types.js';
import type { HistoryWriter } from '../store/batch-writer.js';

export interface WebhookRecorderOptions {
  endpoints: readonly string[];
  /** Only these types; undefined: all. */
  events?: readonly WebhookEventType[];
  /** Endpoints that answered 410 Gone: nothing more is recorded for them. */
  disabled: ReadonlySet<string>;
}

/**
 * The engine's leave causes, as `participant.left` reports them. One name each today; the map
 * is the seam where a cause the engine learns (a clean shutdown's leaves) gets its webhook name.
 */
const leftReason: Record<LeaveCause, ParticipantLeftReason> = {
  left: 'left',
  disconnected: 'disconnected',
  kicked: 'kicked',
  'resume-expired': 'resume-expired',
  shutdown: 'shutdown',
};

let lastSeq = 0;
/**
 * Microseconds since the epoch, strictly increasing in this process: orders a room's events
 * in the outbox, across processes too (their rows land in batches, not in order).
 */
export function nextSeq(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastSeq = Math.max(lastSeq + 1, now);
  return lastSeq;
}

const participantOf = (member: Member): WebhookParticipant => {
  const { peerId, userId } = member;
  return member.user.name ? { peerId, userId, name: member.user.name } : { peerId, userId };
};

/**
 * Turns room joins and leaves of pair and mesh rooms into webhook events in the outbox, pushed
 * to the history writer beside the rows they come from (so they land in the same batch). The
 * engine reports `first` and `last` atomically cluster-wide, so `room.started` comes before the
 * first join and `room.finished` after the last leave; a resume is neither a join nor a leave,
 * so it sends nothing. Listeners only push, like the store recorder's.
 */
export function recordWebhookEvents(
  hooks: EngineHooks,
  writer: HistoryWriter,
  options: WebhookRecorderOptions,
): () => void {
  const wanted = new Set<WebhookEventType>(options.events ?? []);
  const record = (ref: RoomRef, at: Date, event: WebhookEvent, peerId?: string) => {
    if (wanted.size && !wanted.has(event.type)) return;
    const payload = JSON.stringify(event);
    const messageId = `msg_${randomToken(18)}`;
    const seq = nextSeq();
    for (const endpoint of options.endpoints) {
      if (options.disabled.has(endpoint)) continue;
      writer.push({
        kind: 'webhook',
        row: {
          messageId,
          endpoint,
          type: event.type,
          roomKind: ref.kind,
          roomId: ref.id,
          peerId: peerId ?? null,
          payload,
          seq,
          createdAt: at,
          nextAttemptAt: at,
        },
      });
    }
  };
  const roomEvent = (type: 'room.started' | 'room.finished', ref: RoomRef, at: Date) => {
    const room: WebhookRoom = { id: ref.id, kind: ref.kind as WebhookRoom['kind'] };
    record(ref, at, { type, timestamp: at.toISOString(), data: { room } });
  };

  const offJoined = hooks.on('room-joined', ({ room: ref, member, first }) => {
    if (ref.kind === 'presence') return;
    const at = new Date(member.joinedAt);
    if (first) roomEvent('room.started', ref, at);
    const room: WebhookRoom = { id: ref.id, kind: ref.kind };
    const data = { room, participant: participantOf(member) };
    const event = { type: 'participant.joined' as const, timestamp: at.toISOString(), data };
    record(ref, at, event, member.peerId);
  });
  const offLeft = hooks.on('room-left', ({ room: ref, member, cause, last }) => {
    if (ref.kind === 'presence') return;
    const at = new Date();
    const room: WebhookRoom = { id: ref.id, kind: ref.kind };
    const data = { room, participant: participantOf(member), reason: leftReason[cause] };
    record(ref, at, { type: 'participant.left', timestamp: at.toISOString(), data }, member.peerId);
    if (last) roomEvent('room.finished', ref, at);
  });
  return () => {
    offJoined();
    offLeft();
  };
}
