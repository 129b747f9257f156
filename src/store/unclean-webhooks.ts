import { sql, type SQL } from 'drizzle-orm';
import type { WebhookEventType } from '../protocol/webhook-types.js';

/** What the unclean-shutdown sweep tells webhook receivers: WEBHOOK_URL and WEBHOOK_EVENTS. */
export interface SweepWebhooks {
  endpoints: readonly string[];
  /** Only these types; undefined: all. */
  events?: readonly WebhookEventType[] | undefined;
  /**
   * One of several processes (REDIS_URL): other processes may still hold members of a room, so
   * its end is theirs to tell (the eviction reports it), and the sweep sends no `room.finished`.
   */
  inCluster?: boolean | undefined;
}

const isoAt = (at: SQL) => sql`to_char(${at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Steps of the sweep's statement (after its `closed` and `leaves` steps, at `at`) that put the
 * webhooks of what it ends into the outbox, so they are written with the history rows or not at
 * all: a `participant.left` (reason `disconnected`) for each ended peer whose
 * `participant.joined` an endpoint was sent and no leave after it (its room and participant
 * copied from that join), then a `room.finished` for each pair or mesh room it ended a member
 * of, started for that endpoint and not finished since. `seq` follows everything in the outbox, leaves before ends, so each room stays in order.
 * Ends in a `hooks` step answering `type` per row.
 */
export function sweepWebhooksSql(webhooks: SweepWebhooks | undefined, at: SQL): SQL {
  const wanted = (type: WebhookEventType) =>
    Boolean(webhooks?.endpoints.length) && (!webhooks?.events || webhooks.events.includes(type));
  const sendLeft = wanted('participant.left');
  const sendFinished = wanted('room.finished') && !webhooks?.inCluster;
  const endpoints = JSON.stringify(webhooks?.endpoints ?? []);
  const stamp = isoAt(at);
  return sql`
    endpoints as (select value as endpoint from json_array_elements_text(${endpoints}::json)),
    base as (
      select greatest(coalesce(max(seq), 0) + 1,
        (extract(epoch from ${at}) * 1000000)::bigint) as seq
      from webhook_deliveries
    ),
    open_joins as (
      select j.*, dense_rank() over (order by j.room_kind, j.room_id, j.peer_id) as n
      from webhook_deliveries j
      where ${sql.raw(String(sendLeft))} and j.type = 'participant.joined'
        and j.peer_id in (select id from closed)
        and j.endpoint in (select endpoint from endpoints)
        and not exists (
          select 1 from webhook_deliveries l
          where l.type = 'participant.left' and l.endpoint = j.endpoint
            and l.room_kind = j.room_kind and l.room_id = j.room_id
            and l.peer_id = j.peer_id and l.seq > j.seq)
    ),
    ended_rooms as (
      select e.endpoint, r.room_kind, r.room_id,
        dense_rank() over (order by r.room_kind, r.room_id) as n
      from (select distinct details->>'kind' as room_kind, room_id from leaves
        where details->>'kind' in ('pair', 'mesh')) r
      cross join endpoints e
      where ${sql.raw(String(sendFinished))} and exists (
        select 1 from webhook_deliveries s
        where s.type = 'room.started' and s.endpoint = e.endpoint
          and s.room_kind = r.room_kind and s.room_id = r.room_id
          and not exists (
            select 1 from webhook_deliveries f
            where f.type = 'room.finished' and f.endpoint = s.endpoint
              and f.room_kind = s.room_kind and f.room_id = s.room_id and f.seq > s.seq))
    ),
    hooks as (
      insert into webhook_deliveries (message_id, endpoint, type, room_kind, room_id, peer_id,
        payload, seq, created_at, next_attempt_at)
      select 'msg_' || substr(md5(j.message_id || ':left'), 1, 24), j.endpoint,
        'participant.left', j.room_kind, j.room_id, j.peer_id,
        json_build_object('type', 'participant.left', 'timestamp', ${stamp},
          'data', json_build_object('room', j.payload::json->'data'->'room',
            'participant', j.payload::json->'data'->'participant',
            'reason', 'disconnected'))::text,
        b.seq + j.n, ${at}, ${at}
      from open_joins j cross join base b
      union all
      select 'msg_' || substr(md5(r.room_kind || ':' || r.room_id || ':' || b.seq), 1, 24),
        r.endpoint, 'room.finished', r.room_kind, r.room_id, null,
        json_build_object('type', 'room.finished', 'timestamp', ${stamp},
          'data', json_build_object('room',
            json_build_object('id', r.room_id, 'kind', r.room_kind)))::text,
        b.seq + (select count(distinct n) from open_joins) + r.n, ${at}, ${at}
      from ended_rooms r cross join base b
      returning type
    )`;
}
