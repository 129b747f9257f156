import {
  isOutboundEventName,
  isServerEventName,
  type OutboundData,
  type OutboundEvent,
  type OutboundEventName,
  type ServerEventName,
} from '../protocol/outbound.js';
import type { PeerId, SentLog } from '../protocol/types.js';

/** An event for a peer of the receiving node; also how Redis queues one for a parked peer. */
export type ForwardMessage = { t: 'fwd'; p: PeerId; e: OutboundEventName; d: OutboundData };

/** Node messages of the handover: a request to park a peer, and its answer. */
export type HandoverMessage =
  { t: 'park'; p: PeerId; h: string; n: string } | { t: 'parked'; p: PeerId };

/** Messages on a node's own channel, and broadcasts (`all`, from node `n`) on the cluster's. */
export type NodeMessage =
  | ForwardMessage
  | { t: 'kick'; p: PeerId; r: string }
  | { t: 'all'; n: string; e: ServerEventName; d: OutboundData }
  | HandoverMessage;

/** A node message as it is published. */
export const encodeNodeMessage = (message: NodeMessage): string => JSON.stringify(message);

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a parsed message is a node message. Only nodes of this cluster publish on its channels
 * (same Redis, same prefix), so this is a guard against a stray or older publisher, not against an
 * attacker: the fields are checked, the event name against the known ones (one set lookup), and
 * the payload is taken as the sending node checked it when it was emitted. Per message: no
 * allocation and no JSON work beyond the parse.
 */
export function isNodeMessage(m: Record<string, unknown>): m is NodeMessage {
  switch (m.t) {
    case 'fwd':
      return typeof m.p === 'string' && isOutboundEventName(m.e);
    case 'all':
      return typeof m.n === 'string' && isServerEventName(m.e);
    case 'kick':
      return typeof m.p === 'string' && typeof m.r === 'string';
    case 'park':
      return typeof m.p === 'string' && typeof m.h === 'string' && typeof m.n === 'string';
    case 'parked':
      return typeof m.p === 'string';
    default:
      return false;
  }
}

/** A forward queued in Redis for a parked peer, as the event it carries; undefined if malformed. */
export function readQueuedForward(json: string): OutboundEvent | undefined {
  const message: unknown = JSON.parse(json);
  if (!isRecord(message) || !isNodeMessage(message) || message.t !== 'fwd') return undefined;
  return [message.e, message.d];
}

/** A parked peer's resume log as another node exported it, its event names checked. */
export function readSentLog(value: unknown): SentLog | undefined {
  if (!isRecord(value) || typeof value.first !== 'number' || typeof value.count !== 'number')
    return undefined;
  if (!Array.isArray(value.kept)) return undefined;
  const kept: OutboundEvent[] = [];
  for (const entry of value.kept) {
    if (!Array.isArray(entry)) return undefined;
    const [event, data]: unknown[] = entry;
    if (!isOutboundEventName(event)) return undefined;
    kept.push([event, data]);
  }
  return { first: value.first, count: value.count, kept };
}
