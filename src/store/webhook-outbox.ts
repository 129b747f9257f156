import { sql, type SQL } from 'drizzle-orm';
import type {
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEventType,
} from '../protocol/webhook-types.js';

/** A delivery a process has claimed: what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  messageId: string;
  endpoint: string;
  roomKey: string;
  payload: string;
  /** This attempt's number (1 for the first). */
  attempts: number;
}

/** How an attempt ended: delivered, tried again after `delayMs`, or given up. */
export type AttemptOutcome =
  | { status: 'delivered' }
  | { status: 'pending'; delayMs: number; error: string }
  | { status: 'abandoned'; error: string };

export interface WebhookStats {
  pending: number;
  /** Seconds since the oldest pending delivery was recorded (0 when none). */
  oldestPendingSeconds: number;
}

const interval = (ms: number) => sql`make_interval(secs => ${Math.max(0, ms) / 1000})`;

/** A process whose mark is older than this is gone (or stuck): deliveries stop waiting for it. */
const SENDER_STALE = sql`interval '10 seconds'`;

/**
 * Claims up to `limit` due deliveries for `nodeId`: each the oldest pending one of its room and
 * endpoint (a room's next event waits for the one before); in a cluster (`ordered`), only those
 * every live process has written past (see `webhookSenders`). The
 * lease pushes `next_attempt_at` ahead, so a process that dies mid-attempt hands it on when the
 * lease ends; `SKIP LOCKED` lets processes claim side by side, each delivery going to one.
 */
export function claimSql(nodeId: string, limit: number, leaseMs: number, ordered: boolean): SQL {
  const written = ordered
    ? sql`and d.seq < coalesce((select min(s.seq) from webhook_senders s
        where s.updated_at > now() - ${SENDER_STALE}), d.seq + 1)`
    : sql``;
  return sql`with due as (
      select d.id from webhook_deliveries d
      where d.status = 'pending' and d.next_attempt_at <= now() ${written}
        and not exists (
          select 1 from webhook_deliveries e
          where e.status = 'pending' and e.endpoint = d.endpoint
            and e.room_kind = d.room_kind and e.room_id = d.room_id
            and (e.seq < d.seq or (e.seq = d.seq and e.id < d.id)))
      order by d.seq, d.id
      limit ${limit}
      for update of d skip locked)
    update webhook_deliveries w
      set claimed_by = ${nodeId}, attempts = w.attempts + 1,
        next_attempt_at = now() + ${interval(leaseMs)}
      from due where w.id = due.id
      returning w.id::text as "id", w.message_id as "messageId", w.endpoint as "endpoint",
        w.room_kind || ':' || w.room_id as "roomKey", w.payload as "payload",
        w.attempts as "attempts"`;
}

/** Records how an attempt ended, unless the lease passed and another process took it over. */
export function finishSql(id: string, nodeId: string, outcome: AttemptOutcome): SQL {
  const where = sql`where id = ${id}::bigint and claimed_by = ${nodeId} and status = 'pending'`;
  if (outcome.status === 'delivered') {
    return sql`update webhook_deliveries set status = 'delivered', delivered_at = now(),
      next_attempt_at = null, claimed_by = null, last_error = null ${where}`;
  }
  const next = outcome.status === 'pending' ? sql`now() + ${interval(outcome.delayMs)}` : sql`null`;
  return sql`update webhook_deliveries set status = ${outcome.status}, last_error = ${outcome.error},
    next_attempt_at = ${next}, claimed_by = null ${where}`;
}

/** An endpoint answered 410 Gone: what waits for it is abandoned. */
export function abandonEndpointSql(endpoint: string, error: string): SQL {
  return sql`update webhook_deliveries set status = 'abandoned', last_error = ${error},
    next_attempt_at = null, claimed_by = null
    where status = 'pending' and endpoint = ${endpoint}`;
}

/**
 * Makes claimed deliveries due now: this process's own when it stops, or every claim when
 * the database belongs to one process (PGlite) and the claims are a previous run's.
 */
export function releaseClaimsSql(nodeId: string | undefined): SQL {
  const whose = nodeId === undefined ? sql`` : sql`and claimed_by = ${nodeId}`;
  return sql`update webhook_deliveries set claimed_by = null, next_attempt_at = now()
    where status = 'pending' and claimed_by is not null ${whose}`;
}

/**
 * Deletes up to `limit` delivered or abandoned deliveries recorded more than `retentionMs` ago.
 * A `participant.joined` or `room.started` with no leave or end after it stays: a later
 * `participant.left` is recorded only after its join, and the unclean-shutdown sweep finds the
 * members and rooms it ends by them.
 */
export function pruneSql(retentionMs: number, limit: number): SQL {
  return sql`delete from webhook_deliveries where id in (
      select d.id from webhook_deliveries d
      where d.status in ('delivered', 'abandoned') and d.created_at < now() - ${interval(retentionMs)}
        and not (d.type in ('participant.joined', 'room.started') and not exists (
          select 1 from webhook_deliveries e
          where e.type = case d.type when 'room.started' then 'room.finished' else 'participant.left' end
            and e.endpoint = d.endpoint and e.room_kind = d.room_kind and e.room_id = d.room_id
            and e.peer_id is not distinct from d.peer_id and e.seq > d.seq))
      limit ${limit})
    returning 1 as "deleted"`;
}

const deliveryColumns = sql`id::text as "id", message_id as "messageId", type, room_kind as "roomKind",
  room_id as "roomId", endpoint, status, attempts, last_error as "lastError",
  created_at as "createdAt", next_attempt_at as "nextAttemptAt", delivered_at as "deliveredAt"`;

/** Newest first, optionally of one status. */
export function listSql(status: WebhookDeliveryStatus | undefined, limit: number): SQL {
  const where = status ? sql`where status = ${status}` : sql``;
  return sql`select ${deliveryColumns} from webhook_deliveries ${where} order by webhook_deliveries.id desc limit ${limit}`;
}

/** An abandoned delivery goes back to pending with a fresh set of attempts. */
export function retrySql(id: string): SQL {
  return sql`update webhook_deliveries set status = 'pending', attempts = 0, claimed_by = null,
    next_attempt_at = now() where id = ${id}::bigint and status = 'abandoned'
    returning ${deliveryColumns}`;
}

export function findSql(id: string): SQL {
  return sql`select ${deliveryColumns} from webhook_deliveries where id = ${id}::bigint`;
}

export function statsSql(): SQL {
  return sql`select count(*)::int as "pending",
    coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as "oldestPendingSeconds"
    from webhook_deliveries where status = 'pending'`;
}

export interface DeliveryRow {
  id: string;
  messageId: string;
  type: string;
  roomKind: string;
  roomId: string;
  endpoint: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string | Date;
  nextAttemptAt: string | Date | null;
  deliveredAt: string | Date | null;
}

const iso = (value: string | Date | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/** A row as `GET /api/webhooks/deliveries` lists it. */
export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    messageId: row.messageId,
    type: row.type as WebhookEventType,
    room: { id: row.roomId, kind: row.roomKind as WebhookDelivery['room']['kind'] },
    endpoint: row.endpoint,
    status: row.status as WebhookDeliveryStatus,
    attempts: row.attempts,
    lastError: row.lastError,
    createdAt: iso(row.createdAt)!,
    nextAttemptAt: iso(row.nextAttemptAt),
    deliveredAt: iso(row.deliveredAt),
  };
}
