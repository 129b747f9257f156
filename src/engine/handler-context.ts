import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { InboundEvent, InboundPayload } from '../protocol/inbound.js';
import type { ServerEventName, ServerEvents } from '../protocol/outbound.js';
import type { LeaveCause, Member, RoomRef } from '../protocol/types.js';
import type { EngineHooks } from './hooks.js';
import type { Peer } from './peer.js';

/** The part of the engine that event handlers use. */
export interface HandlerContext {
  readonly cluster: Cluster;
  readonly hooks: EngineHooks;
  readonly counters: { relayed: number };
  readonly logger: Logger | undefined;
  deliver<E extends ServerEventName>(member: Member, event: E, data: ServerEvents[E]): void;
  removeMember(room: RoomRef, member: Member, cause: LeaveCause): Promise<void>;
  capacityOf(roomId: string): number;
  memberRecord(peer: Peer): Member;
  /** Throws to refuse a join before the room hears of it (grants, limits, the app's check). */
  authorizeJoin(peer: Peer, room: RoomRef): void | Promise<void>;
}

export type Handler<E extends InboundEvent> = (
  ctx: HandlerContext,
  peer: Peer,
  data: InboundPayload<E>,
) => void | Promise<void>;

export type HandlerMap = { [E in InboundEvent]?: Handler<E> };
