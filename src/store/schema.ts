import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * Reference 001's tables. No foreign keys on purpose: rows arrive in batches from a buffer that
 * may drop under pressure, and history must not be refused because its parent row was dropped.
 * Times are set when the event happened, not when the batch was written.
 */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  avatar: text('avatar'),
  firstSeenAt: at('first_seen_at').notNull(),
  lastSeenAt: at('last_seen_at').notNull(),
});

/** One row per connection session (any transport); `closedAt` null while it is live. */
export const connections = pgTable(
  'connections',
  {
    id: text('id').primaryKey(),
    nodeId: text('node_id').notNull(),
    transport: text('transport').notNull(),
    userId: text('user_id').notNull(),
    address: text('address'),
    userAgent: text('user_agent'),
    openedAt: at('opened_at').notNull(),
    closedAt: at('closed_at'),
    closeReason: text('close_reason'),
  },
  (t) => [index('connections_opened_at_idx').on(t.openedAt)],
);

/** Broadcasts (`roomId` null) and in-room chat. */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    roomId: text('room_id'),
    userId: text('user_id'),
    peerId: text('peer_id'),
    body: jsonb('body').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('messages_room_idx').on(t.roomId, t.createdAt)],
);

export const eventLogs = pgTable(
  'event_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    roomId: text('room_id'),
    peerId: text('peer_id'),
    userId: text('user_id'),
    nodeId: text('node_id'),
    details: jsonb('details'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    index('event_logs_created_at_idx').on(t.createdAt),
    index('event_logs_type_idx').on(t.type, t.createdAt),
    index('event_logs_room_idx').on(t.roomId, t.createdAt),
  ],
);

/** Persistent room definitions (`POST /api/video/rooms`); the engine enforces `maxParticipants`. */
export const videoRooms = pgTable('video_rooms', {
  roomId: text('room_id').primaryKey(),
  name: text('name').notNull(),
  hostId: text('host_id').notNull(),
  maxParticipants: integer('max_participants').notNull(),
  createdAt: at('created_at').notNull(),
  closedAt: at('closed_at'),
});

/** Who was in which mesh room from when to when, with their last media state. */
export const videoParticipants = pgTable(
  'video_participants',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    roomId: text('room_id').notNull(),
    peerId: text('peer_id').notNull(),
    userId: text('user_id').notNull(),
    joinedAt: at('joined_at').notNull(),
    leftAt: at('left_at'),
    isMuted: boolean('is_muted').notNull().default(false),
    isVideoOff: boolean('is_video_off').notNull().default(false),
    isSharingScreen: boolean('is_sharing_screen').notNull().default(false),
    mediaChanges: integer('media_changes').notNull().default(0),
  },
  (t) => [index('video_participants_peer_idx').on(t.peerId, t.roomId)],
);

export const serverSettings = pgTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  description: text('description'),
  updatedAt: at('updated_at').notNull(),
});

/**
 * The webhook outbox: one row per event and endpoint, written in the same batch as the history
 * rows it comes from. `seq` (microseconds when it happened) orders a room's events across
 * processes; `nextAttemptAt` is when it is due, pushed ahead by a lease while a process delivers
 * it (`claimedBy`), so a process that dies mid-attempt leaves it to another once the lease ends.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: text('message_id').notNull(),
    endpoint: text('endpoint').notNull(),
    type: text('type').notNull(),
    roomKind: text('room_kind').notNull(),
    roomId: text('room_id').notNull(),
    peerId: text('peer_id'),
    /** The exact JSON body, signed and sent byte for byte the same on every attempt. */
    payload: text('payload').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    nextAttemptAt: at('next_attempt_at'),
    deliveredAt: at('delivered_at'),
    claimedBy: text('claimed_by'),
  },
  (t) => [
    index('webhook_deliveries_pending_idx')
      .on(t.endpoint, t.roomKind, t.roomId, t.seq)
      .where(sql`status = 'pending'`),
    index('webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    index('webhook_deliveries_status_idx').on(t.status, t.id),
    index('webhook_deliveries_peer_idx').on(t.roomId, t.peerId),
  ],
);

/**
 * In a cluster, how far each process's webhook events are written: every event it recorded
 * before `seq` is in the outbox. Deliveries wait until every live process is past them, so a
 * room's event from one process never overtakes an earlier one still in another's buffer.
 */
export const webhookSenders = pgTable('webhook_senders', {
  nodeId: text('node_id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  updatedAt: at('updated_at').notNull(),
});

export const schema = {
  users,
  connections,
  messages,
  eventLogs,
  videoRooms,
  videoParticipants,
  serverSettings,
  webhookDeliveries,
  webhookSenders,
};
