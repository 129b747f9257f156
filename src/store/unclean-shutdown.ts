import { sql, type SQL } from 'drizzle-orm';
import { sweepWebhooksSql, type SweepWebhooks } from './unclean-webhooks.js';

/** The close reason (and log `details.reason`) of what a killed or crashed server left open. */
export const UNCLEAN_SHUTDOWN = 'unclean-shutdown';

const reason = JSON.stringify({ reason: UNCLEAN_SHUTDOWN });

/**
 * Ends the open connections `where` selects at `at` (never before they opened) and writes the
 * `disconnect` row of each: the `closed` and `disconnects` steps of a statement.
 */
function closeConnections(where: SQL, at: SQL): SQL {
  return sql`
    closed as (
      update connections set closed_at = greatest(opened_at, ${at}), close_reason = ${UNCLEAN_SHUTDOWN}
      where closed_at is null ${where}
      returning id, user_id, node_id, opened_at, closed_at
    ),
    disconnects as (
      select 'disconnect' as type, null as room_id, id as peer_id, user_id, node_id,
        ${reason}::jsonb as details, closed_at as created_at
      from closed
    )`;
}

/**
 * At the start of the only server on a data directory: ends everything still open, which a
 * killed one left, as of the last event it recorded (a crash loses at most a quarter second
 * more). Each ended peer gets a `leave` for every room it joined and did not leave (pair,
 * mesh, presence) and a `disconnect`; mesh memberships get their `left_at`. With `webhooks`,
 * their `participant.left` and `room.finished` go into the outbox in the same statement (see
 * {@link sweepWebhooksSql}). A data directory holds one process's rows, so all it ends is the
 * dead process's, in a cluster too. Answers a row per log type and webhook type with its count.
 */
export function endKilledServerSql(webhooks?: SweepWebhooks): SQL {
  const at = sql`(select at from ended_at)`;
  return sql`
    with ended_at as (select coalesce(max(created_at), now()) as at from event_logs),
    ${closeConnections(sql``, at)},
    left_members as (
      update video_participants set left_at = greatest(joined_at, ${at})
      where left_at is null
      returning 1
    ),
    leaves as (
      select 'leave' as type, j.room_id, j.peer_id, j.user_id, j.node_id,
        jsonb_build_object('kind', j.details->'kind', 'reason', ${UNCLEAN_SHUTDOWN}::text) as details,
        c.closed_at as created_at
      from event_logs j join closed c on c.id = j.peer_id
      where j.type = 'join' and j.created_at >= (select min(opened_at) from closed)
        and not exists (
          select 1 from event_logs l
          where l.type = 'leave' and l.peer_id = j.peer_id and l.room_id = j.room_id
            and l.created_at >= j.created_at
        )
    ),
    logged as (
      insert into event_logs (type, room_id, peer_id, user_id, node_id, details, created_at)
      select * from leaves union all select * from disconnects
      returning type
    ),
    ${sweepWebhooksSql(webhooks, at)}
    select type, count(*)::int as n
    from (select type from logged union all select type from hooks) written group by type`;
}

/**
 * In a cluster, by the one process that removed a dead one: ends that node's open connections
 * at `at`, each with its `disconnect` row. Its members' leaves were announced and recorded by
 * the eviction (on whichever process won each), so none are written here.
 */
export function endDeadNodeSql(nodeId: string, at: Date): SQL {
  return sql`
    with ${closeConnections(sql`and node_id = ${nodeId}`, sql`${at.toISOString()}::timestamptz`)}
    insert into event_logs (type, room_id, peer_id, user_id, node_id, details, created_at)
    select * from disconnects`;
}
