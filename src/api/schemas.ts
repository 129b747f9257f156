import { z } from 'zod';
import { NO_CONTROL_CHARACTERS } from '../protocol/inbound.js';
import { roomKindNames } from '../protocol/room-kinds.js';
import { WEBHOOK_EVENT_TYPES } from '../protocol/webhook-types.js';
import { liveSettingKeys, type LiveSettingKey } from '../store/settings.js';

/** Request shapes of PROTOCOLS.md §3, validated with zod and shown in the OpenAPI document. */
const id = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'longer than 128 characters')
  .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');

export const connectionBody = z.object({ connectionId: id });

export const refreshBody = z.object({
  connectionId: id,
  token: z.string().min(1).max(16_384).optional(),
});

export const roomParams = z.object({ roomId: id });

export const signalBody = z.object({
  connectionId: id,
  to: id,
  type: z.enum(['offer', 'answer', 'ice-candidate']),
  /** RTCSessionDescriptionInit for offer/answer, RTCIceCandidateInit for ice-candidate. */
  data: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
});

export const mediaBody = z
  .object({
    connectionId: id,
    isMuted: z.boolean().optional(),
    isVideoOff: z.boolean().optional(),
    isSharingScreen: z.boolean().optional(),
  })
  .refine((b) => [b.isMuted, b.isVideoOff, b.isSharingScreen].some((v) => v !== undefined), {
    message: 'give at least one of isMuted, isVideoOff, isSharingScreen',
  });

export const chatBody = z.object({ connectionId: id, message: z.string() });

export const createRoomBody = z.object({
  roomId: id.optional(),
  name: z.string().trim().min(1, 'must not be empty').max(200),
  hostId: id,
  maxParticipants: z.number().int().min(2).max(1000),
});

export const updateRoomBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    maxParticipants: z.number().int().min(2).max(1000).optional(),
  })
  .refine((b) => b.name !== undefined || b.maxParticipants !== undefined, {
    message: 'give name or maxParticipants',
  });

export const participantParams = z.object({
  kind: z.enum(roomKindNames),
  roomId: id,
  peerId: id,
});

/** Without `roomId` a broadcast goes to everyone; with it, to the members of that room only. */
export const broadcastQuery = z.object({
  roomId: id.optional(),
  kind: z.enum(roomKindNames).default('mesh'),
});

export const broadcastBody = z.record(z.string(), z.unknown(), {
  error: 'must be a JSON object',
});

const settingValue = z.union([z.string().max(1000), z.number(), z.boolean()]);
const settingNames = Object.keys(liveSettingKeys) as [LiveSettingKey, ...LiveSettingKey[]];
/**
 * Only the settings the server reads: an allow-list, so no key can reach an object's prototype
 * and a typo is an error, not a silently stored row that does nothing.
 */
export const settingBody = z.object({
  key: z.enum(settingNames, {
    error: `is not a setting this server reads; the settings are ${settingNames.join(', ')}`,
  }),
  value: settingValue.transform(String),
  description: z.string().max(500).optional(),
});

const logFilter = {
  type: z.string().max(40).optional(),
  roomId: id.optional(),
  peerId: id.optional(),
  userId: id.optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
};
export const logsQuery = z.object({
  ...logFilter,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export const logsDeleteQuery = z.object(logFilter);

export const eventsQuery = z.object({
  userId: z.string().max(128).optional(),
  name: z.string().max(100).optional(),
  avatar: z.string().max(2048).optional(),
  token: z.string().max(65536).optional(),
  lastEventId: z.string().max(300).optional(),
});

export const kickQuery = z.object({ reason: z.string().max(200).optional() });

/** The OpenAPI (3.0) view of a zod schema, for route `schema` documentation only. */
export function openApi(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

export const webhookDeliveriesQuery = z.object({
  status: z.enum(['pending', 'delivered', 'abandoned']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** `WebhookDelivery` of src/protocol/webhook-types.ts, for the OpenAPI document. */
export const webhookDeliverySchema = z.object({
  id: z.string(),
  messageId: z.string().describe('The webhook-id header: the same on every attempt'),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  room: z.object({ id: z.string(), kind: z.enum(['pair', 'mesh']) }),
  endpoint: z.string(),
  status: z.enum(['pending', 'delivered', 'abandoned']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});
