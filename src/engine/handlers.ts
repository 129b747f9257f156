import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { InboundEvent, InboundPayload } from '../protocol/inbound.js';
import type { ServerEventName, ServerEvents } from '../protocol/outbound.js';
import type { EngineHooks } from './hooks.js';
import { meshHandlers } from './mesh-handlers.js';
import { pairHandlers } from './pair-handlers.js';
import type { Peer } from './peer.js';
import { presenceHandlers } from './presence-handlers.js';
import type { LeaveCause, Member, RoomRef } from './types.js';

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

/** No prototype: an event named `toString` or `constructor` finds no handler, not Object's. */
export const handlers: HandlerMap = Object.assign(
  Object.create(null) as HandlerMap,
  pairHandlers,
  meshHandlers,
  presenceHandlers,
);
