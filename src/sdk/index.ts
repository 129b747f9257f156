/**
 * `sinyal/server`: what an app's backend needs beside a sinyal server. Verify its webhooks, mint
 * its users' access tokens, drive its admin API. Nothing here starts or loads the server itself.
 */
export {
  verifyWebhook,
  signWebhook,
  WebhookVerificationError,
  WEBHOOK_TOLERANCE_SECONDS,
} from '../protocol/webhook-signature.js';
export type {
  WebhookBody,
  WebhookHeaders,
  SignWebhookOptions,
} from '../protocol/webhook-signature.js';
export { createAccessToken } from '../auth/mint.js';
export type { AccessTokenOptions } from '../auth/mint.js';
export { SinyalAdmin, SinyalAdminError } from './admin-client.js';
export type {
  SinyalAdminOptions,
  LogFilter,
  LogQuery,
  BroadcastTarget,
  NewPersistentRoom,
  PersistentRoomChange,
  RoomParticipant,
  SettingInput,
  KickOptions,
  DeliveryQuery,
} from './admin-client.js';
export type {
  AdminRoom,
  Connection,
  LiveSetting,
  LogRow,
  PersistentRoomView,
  Sent,
} from '../api/admin-types.js';
export type {
  WebhookEvent,
  WebhookEventType,
  WebhookRoom,
  WebhookParticipant,
  ParticipantLeftReason,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryStatus,
} from '../protocol/webhook-types.js';
export { WEBHOOK_EVENT_TYPES } from '../protocol/webhook-types.js';
