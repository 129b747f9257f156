/**
 * Webhooks as the app's backend and the operator see them: the events sinyal sends and the
 * deliveries `GET /api/webhooks/deliveries` lists. Shared by the server, the server SDK
 * (`sinyal/server`) and the dashboard: no imports, so every build can read it.
 */

/** Every event type, in the order a room lives through them. */
export const WEBHOOK_EVENT_TYPES = [
  'room.started',
  'participant.joined',
  'participant.left',
  'room.finished',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Why a participant left: on purpose, a lost connection, an admin, a resume that never came, a server stop. */
export type ParticipantLeftReason =
  'left' | 'disconnected' | 'kicked' | 'resume-expired' | 'shutdown';

export interface WebhookRoom {
  /** The room id the clients used. */
  id: string;
  kind: 'pair' | 'mesh';
}

export interface WebhookParticipant {
  peerId: string;
  userId: string;
  name?: string;
}

/** The JSON body of every webhook request. */
export type WebhookEvent =
  | { type: 'room.started' | 'room.finished'; timestamp: string; data: { room: WebhookRoom } }
  | {
      type: 'participant.joined';
      timestamp: string;
      data: { room: WebhookRoom; participant: WebhookParticipant };
    }
  | {
      type: 'participant.left';
      timestamp: string;
      data: { room: WebhookRoom; participant: WebhookParticipant; reason: ParticipantLeftReason };
    };

/** pending: waiting for its turn or its next attempt; abandoned: every attempt failed (or the endpoint answered 410). */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'abandoned';

/** One event bound for one endpoint, as `GET /api/webhooks/deliveries` lists it. */
export interface WebhookDelivery {
  /** This delivery's id: the path parameter of `POST /api/webhooks/deliveries/:id/retry`. */
  id: string;
  /** The `webhook-id` header: the same on every attempt, for the receiver to dedupe by. */
  messageId: string;
  type: WebhookEventType;
  room: WebhookRoom;
  endpoint: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastError: string | null;
  /** ISO 8601 times. */
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** `GET /api/webhooks/deliveries?status=&limit=` (newest first; limit defaults to 100, at most 500). */
export interface WebhookDeliveryList {
  deliveries: WebhookDelivery[];
}
