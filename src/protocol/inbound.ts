import { z } from 'zod';
import type { PayloadLimits } from './limits.js';

/**
 * Schemas for every event a client may send (PROTOCOLS.md §1 pair dialect, §2 mesh dialect).
 * Unknown fields are dropped, so nothing a client adds reaches another peer.
 */
/** Ids (rooms, studies, peers) are printable: control characters break logs, keys and rows. */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

export function createInboundSchemas(limits: PayloadLimits) {
  const id = z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(limits.maxIdLength)
    .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');
  const roomId = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), id);
  const sdp = z.object({
    type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
    sdp: z.string().max(limits.maxSdpLength, `SDP longer than ${limits.maxSdpLength}`).optional(),
  });
  const candidate = z.object({
    candidate: z
      .string()
      .max(limits.maxCandidateLength, `candidate longer than ${limits.maxCandidateLength}`)
      .optional(),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  });
  const inRoom = z.object({ roomId });

  return {
    // Pair dialect (reference 000)
    'join-room': inRoom,
    'leave-room': inRoom,
    offer: z.object({ roomId, sdp }),
    answer: z.object({ roomId, sdp }),
    'ice-candidate': z.object({ roomId, candidate }),

    // Mesh dialect (reference 004)
    'video:join-room': z.object({ roomId, studyId: id.optional() }),
    'video:leave-room': inRoom,
    'video:offer': z.object({ to: id, offer: sdp }),
    'video:answer': z.object({ to: id, answer: sdp }),
    'video:ice-candidate': z.object({ to: id, candidate }),
    'video:toggle-audio': z.object({ roomId, isMuted: z.boolean() }),
    'video:toggle-video': z.object({ roomId, isVideoOff: z.boolean() }),
    'video:screen-share-start': inRoom,
    'video:screen-share-stop': inRoom,
    'chat:video-message': z.object({
      roomId,
      message: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(limits.maxChatLength, `message longer than ${limits.maxChatLength}`),
    }),
    'presence:join-study': z.object({ studyId: id }),
    'presence:leave-study': z.object({ studyId: id }),
  } as const;
}

export type InboundSchemas = ReturnType<typeof createInboundSchemas>;
export type InboundEvent = keyof InboundSchemas;
export type InboundPayload<E extends InboundEvent> = z.output<InboundSchemas[E]>;

export const inboundEvents = Object.keys(
  createInboundSchemas({
    maxSdpLength: 1,
    maxCandidateLength: 1,
    maxChatLength: 1,
    maxIdLength: 1,
  }),
) as InboundEvent[];

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a key could reach an object's prototype (`__proto__`, `constructor`, `prototype`). */
export const isForbiddenKey = (key: string): boolean => forbiddenKeys.has(key);

/** Finds a prototype-polluting key anywhere in a parsed JSON value (depth-limited). */
export function findForbiddenKey(value: unknown, depth = 0): string | undefined {
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (forbiddenKeys.has(key)) return key;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Whether a refusal is for a required field that is absent, null or blank (not wrong or too big). */
export function isMissingField(issue: z.core.$ZodIssue | undefined, payload: object): boolean {
  if (!issue || issue.path.length !== 1) return false;
  const value = (payload as Record<PropertyKey, unknown>)[issue.path[0]!];
  if (issue.code === 'invalid_type') return value === undefined || value === null;
  return issue.code === 'too_small' && typeof value === 'string' && value.trim() === '';
}
