import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { InboundEvent, InboundPayload } from '../protocol/inbound.js';
import type {
  OutboundEvents,
  ParticipantState,
  ServerEventName,
  ServerEvents,
} from '../protocol/outbound.js';
import type { LeaveCause, Member, RoomRef } from '../protocol/types.js';
import type { EngineHooks } from './hooks.js';
import type { Peer } from './peer.js';

/** The part of the engine that event handlers use. */
export interface HandlerContext {
  readonly cluster: Cluster;
  readonly hooks: EngineHooks;
  readonly counters: { relayed: number };
  readonly logger: Logger | undefined;
  deliver<E extends ServerEventName>(member: Member, event: E, data: OutboundEvents[E]): void;
  removeMember(room: RoomRef, member: Member, cause: LeaveCause): Promise<void>;
  capacityOf(roomId: string): number;
  memberRecord(peer: Peer): Member;
  /** Throws to refuse a join before the room hears of it (grants, limits, the app's check). */
  authorizeJoin(peer: Peer, room: RoomRef): void | Promise<void>;
}

/**
 * What a handler answers its caller besides the events it emits (SSE + REST answers with it);
 * an event not named here answers nothing, as every relay: its outcome allocates nothing.
 */
export interface HandlerAnswers {
  /** Joined (the others, as `video:room-state`), or the room is full (as `room-full`). */
  'video:join-room':
    { joined: true; participants: ParticipantState[] } | { joined: false; message: string };
  /** The message as its room got it (`chat:video-message-received`). */
  'chat:video-message': ServerEvents['chat:video-message-received'];
}

export type Answer<E extends InboundEvent> = E extends keyof HandlerAnswers
  ? HandlerAnswers[E]
  : void;

export type Handler<E extends InboundEvent> = (
  ctx: HandlerContext,
  peer: Peer,
  data: InboundPayload<E>,
) => Answer<E> | Promise<Answer<E>>;

export type HandlerMap = { [E in InboundEvent]?: Handler<E> };
