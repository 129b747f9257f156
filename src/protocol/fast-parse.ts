import { NO_CONTROL_CHARACTERS, type InboundEvent, type InboundPayload } from './inbound.js';
import type { PayloadLimits } from './limits.js';

/**
 * Hand-written parsers for the events that dominate traffic (ICE candidates), used before zod on
 * the relay hot path. Each accepts a subset of what its schema in `inbound.ts` accepts and returns
 * the same output (trimmed ids, unknown fields dropped, keys in schema order); anything else
 * returns undefined and goes through zod, whose message explains the refusal. Their equivalence
 * with the schemas is tested in `fast-parse.test.ts`.
 */
export type FastParsers = {
  [E in InboundEvent]?: (payload: object) => InboundPayload<E> | undefined;
};

/** Bounds of an RTCIceCandidateInit, as in `inbound.ts`. */
const MAX_SDP_MID = 64;
const MAX_M_LINE_INDEX = 1024;
const MAX_USERNAME_FRAGMENT = 256;

type Candidate = InboundPayload<'ice-candidate'>['candidate'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalString = (value: unknown, max: number) =>
  value === undefined || value === null || (typeof value === 'string' && value.length <= max);

export function createFastParsers(limits: PayloadLimits): FastParsers {
  /** A trimmed id of 1..maxIdLength characters (numbers are left to zod). */
  const id = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const trimmed = value.trim();
    const fits = trimmed.length > 0 && trimmed.length <= limits.maxIdLength;
    return fits && NO_CONTROL_CHARACTERS.test(trimmed) ? trimmed : undefined;
  };

  const candidate = (value: unknown): Candidate | undefined => {
    if (!isObject(value)) return undefined;
    const { candidate: line, sdpMid, sdpMLineIndex, usernameFragment } = value;
    if (line !== undefined && (typeof line !== 'string' || line.length > limits.maxCandidateLength))
      return undefined;
    if (!optionalString(sdpMid, MAX_SDP_MID)) return undefined;
    const index = sdpMLineIndex as number;
    if (
      index !== undefined &&
      index !== null &&
      !(Number.isInteger(index) && index >= 0 && index <= MAX_M_LINE_INDEX)
    )
      return undefined;
    if (!optionalString(usernameFragment, MAX_USERNAME_FRAGMENT)) return undefined;
    // Only the keys the client sent, in schema order, as zod's output.
    const out: Candidate = {};
    if (line !== undefined) out.candidate = line;
    if (sdpMid !== undefined) out.sdpMid = sdpMid as string | null;
    if (sdpMLineIndex !== undefined) out.sdpMLineIndex = sdpMLineIndex as number | null;
    if (usernameFragment !== undefined) out.usernameFragment = usernameFragment as string | null;
    return out;
  };

  return {
    'ice-candidate'(payload) {
      const { roomId: rawRoomId, candidate: rawCandidate } = payload as Record<string, unknown>;
      const roomId = id(rawRoomId);
      const parsed = roomId === undefined ? undefined : candidate(rawCandidate);
      return parsed && { roomId: roomId!, candidate: parsed };
    },
    'video:ice-candidate'(payload) {
      const { to: rawTo, candidate: rawCandidate } = payload as Record<string, unknown>;
      const to = id(rawTo);
      const parsed = to === undefined ? undefined : candidate(rawCandidate);
      return parsed && { to: to!, candidate: parsed };
    },
  };
}
