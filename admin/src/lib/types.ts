/** Shapes of the admin API's answers (see the OpenAPI document at /docs): the server's own types. */
import type {
  AdminRoom,
  Connection as ServerConnection,
  LogRow as ServerLogRow,
  Sent,
} from '../../../src/api/admin-types';
import type { RoomRef } from '../../../src/protocol/types';

export type { LiveSetting, Overview, Sample } from '../../../src/api/admin-types';
export type { Member, User } from '../../../src/protocol/types';
export type {
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryStatus,
} from '../../../src/protocol/webhook-types';

/** A row of `GET /api/connections`. */
export type Connection = Sent<ServerConnection>;
export type RoomKind = RoomRef['kind'];
export type Room = Sent<AdminRoom>;
export type LogRow = Sent<ServerLogRow>;
