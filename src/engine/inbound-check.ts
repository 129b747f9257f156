import {
  createInboundSchemas,
  findForbiddenKey,
  isMissingField,
  type InboundEvent,
  type InboundSchemas,
} from '../protocol/inbound.js';
import { createFastParsers, type FastParsers } from '../protocol/fast-parse.js';
import type { PayloadLimits } from '../protocol/limits.js';
import type { HandlerContext } from './handler-context.js';
import { handlers } from './handlers.js';
import type { Peer } from './peer.js';
import { SignalError } from './signal-error.js';

/** A handler with its payload already checked. */
export type CheckedHandler = (ctx: HandlerContext, peer: Peer, data: unknown) => unknown;

/**
 * Validation at the edge, once: the event name, forbidden keys (`__proto__`, `constructor`,
 * `prototype`), the zod schema and the size limits. Throws a {@link SignalError} on refusal.
 */
export class InboundCheck {
  private readonly schemas: InboundSchemas;
  private readonly fastParsers: FastParsers;

  constructor(limits: PayloadLimits) {
    this.schemas = createInboundSchemas(limits);
    this.fastParsers = createFastParsers(limits);
  }

  /** The handler of `event` and its typed data. */
  check(event: string, payload: unknown): [handler: CheckedHandler, data: unknown] {
    const handler = handlers[event as InboundEvent] as CheckedHandler | undefined;
    if (!handler) throw new SignalError('unknown-event', `Unknown event "${event}"`);
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new SignalError('invalid-payload', `"${event}" expects an object payload`);
    }
    const forbidden = findForbiddenKey(payload);
    if (forbidden) throw new SignalError('forbidden-key', `Key "${forbidden}" is not allowed`);
    // Candidates take a hand-written parser that accepts a subset of their schema with the same
    // output (fast-parse.ts); whatever it does not take goes through zod, which explains refusals.
    const fast: unknown = this.fastParsers[event as InboundEvent]?.(payload);
    if (fast !== undefined) return [handler, fast];
    const parsed = this.schemas[event as InboundEvent].safeParse(payload);
    if (parsed.success) return [handler, parsed.data];
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || 'payload';
    throw new SignalError(
      issue?.code === 'too_big' ? 'payload-too-large' : 'invalid-payload',
      // The pair-room gateway's own text for a missing room: `roomId is required`.
      isMissingField(issue, payload)
        ? `${path} is required`
        : `Invalid "${event}": ${path} ${issue?.message ?? 'is invalid'}`,
    );
  }
}
