import {
  and,
  eq,
  getTableColumns,
  getTableName,
  isNull,
  sql,
  type Column,
  type SQL,
} from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Member, PeerInfo, RoomRef, User } from '../protocol/types.js';
import type { Db } from './database.js';
import {
  connections,
  eventLogs,
  messages,
  users,
  videoParticipants,
  webhookDeliveries,
  webhookSenders,
} from './schema.js';
import { endDeadNodeSql } from './unclean-shutdown.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** One buffered write. Times are taken when the event happened, so late batches stay true. */
export type StoreOp =
  | { kind: 'log'; row: typeof eventLogs.$inferInsert }
  /**
   * A peer connected: its connection row, its `connect` log row and, for a user with a profile,
   * its users row. One op (a copy of the peer's info) instead of three built on the main thread:
   * the rows are made where they are written.
   */
  | { kind: 'connect'; peer: PeerInfo }
  /** A member joined a room: its `join` log row and, in a mesh room, its participant row. */
  | { kind: 'join'; nodeId: string; room: RoomRef; member: Member }
  | { kind: 'connection-close'; id: string; at: Date; reason: string }
  /** A peer disconnected: its connection row's close and its `disconnect` log row. */
  | { kind: 'disconnect'; nodeId: string; who: Who; at: Date; reason: string }
  /** A member left a room: its `leave` log row and, in a mesh room, its participant's end. */
  | {
      kind: 'leave';
      nodeId: string;
      room: RoomRef;
      who: Who;
      at: Date;
      reason: string | undefined;
    }
  /**
   * A peer resumed on another process: its connection row follows it (written whole, since the
   * first process's batch with the row may land later).
   */
  | { kind: 'connection-move'; row: typeof connections.$inferInsert }
  | { kind: 'message'; row: typeof messages.$inferInsert }
  /** A webhook event for one endpoint, into the outbox with the history rows it comes from. */
  | { kind: 'webhook'; row: typeof webhookDeliveries.$inferInsert }
  /**
   * Every webhook event `nodeId` pushed before this is written (ops land in order); `seq` null:
   * the process stops and records no more.
   */
  | { kind: 'webhook-mark'; nodeId: string; seq: number | null }
  | { kind: 'participant-leave'; roomId: string; peerId: string; at: Date }
  /** A dead process of the cluster was removed: end the connections it recorded as open. */
  | { kind: 'node-gone'; nodeId: string; at: Date }
  | {
      kind: 'participant-media';
      roomId: string;
      peerId: string;
      change: { isMuted?: boolean; isVideoOff?: boolean; isSharingScreen?: boolean };
    };

/** Whom a row is about: its columns, and the name they went by then (user ids are often random). */
export interface Who {
  peerId: string;
  userId: string;
  user: User;
}

/** The connection row of a peer (on connect, and whole again when it moves to another node). */
export const connectionRow = (peer: PeerInfo): typeof connections.$inferInsert => ({
  id: peer.id,
  nodeId: peer.nodeId,
  transport: peer.transport,
  userId: peer.userId,
  address: peer.address ?? null,
  userAgent: peer.userAgent ?? null,
  openedAt: new Date(peer.connectedAt),
});

/**
 * Whether a user has more than its id: a name of its own or an avatar. Only those get a `users`
 * row. A guest (`guest-…`, new on every connection) or a bare `userId` would add a row saying
 * nothing its connection rows do not (id, first and last connection), and a join storm of guests
 * wrote a quarter of its rows there.
 */
const hasProfile = (user: User): boolean => user.name !== user.id || Boolean(user.avatar);

/** The rows of a `connect` op, into the batch's lists. */
function addConnect(
  peer: PeerInfo,
  userRows: Map<string, typeof users.$inferInsert>,
  opened: Array<typeof connections.$inferInsert>,
  logs: Array<typeof eventLogs.$inferInsert>,
): void {
  const at = new Date(peer.connectedAt);
  const { user } = peer;
  if (hasProfile(user)) {
    const row = { id: peer.userId, name: user.name, avatar: user.avatar, firstSeenAt: at };
    userRows.set(peer.userId, { ...row, lastSeenAt: at });
  }
  opened.push(connectionRow(peer));
  const who = { peerId: peer.id, userId: peer.userId, user };
  const details = { transport: peer.transport, address: peer.address };
  logs.push(logRow('connect', peer.nodeId, at, who, undefined, details));
}

/** The rows of a `join` op, into the batch's lists. */
function addJoin(
  { nodeId, room, member }: { nodeId: string; room: RoomRef; member: Member },
  joined: Array<typeof videoParticipants.$inferInsert>,
  logs: Array<typeof eventLogs.$inferInsert>,
): void {
  const at = new Date(member.joinedAt);
  const { peerId, userId } = member;
  if (room.kind === 'mesh') joined.push({ roomId: room.id, peerId, userId, joinedAt: at });
  logs.push(logRow('join', nodeId, at, member, room.id, { kind: room.kind }));
}

/** The rows of a `disconnect` op: the close (an update, kept in order) and the log row. */
function addDisconnect(
  op: Extract<StoreOp, { kind: 'disconnect' }>,
  updates: StoreOp[],
  logs: Array<typeof eventLogs.$inferInsert>,
): void {
  const { who, at, reason } = op;
  updates.push({ kind: 'connection-close', id: who.peerId, at, reason });
  logs.push(logRow('disconnect', op.nodeId, at, who, undefined, { reason }));
}

/** The rows of a `leave` op: the participant's end in a mesh room (an update) and the log row. */
function addLeave(
  op: Extract<StoreOp, { kind: 'leave' }>,
  updates: StoreOp[],
  logs: Array<typeof eventLogs.$inferInsert>,
): void {
  const { room, who, at, reason } = op;
  if (room.kind === 'mesh') {
    updates.push({ kind: 'participant-leave', roomId: room.id, peerId: who.peerId, at });
  }
  const details = reason === undefined ? { kind: room.kind } : { kind: room.kind, reason };
  logs.push(logRow('leave', op.nodeId, at, who, room.id, details));
}

/** An `event_logs` row about `who` (details start with the name they went by). */
export function logRow(
  type: string,
  nodeId: string,
  at: Date,
  who: Who,
  roomId?: string,
  details?: object,
): typeof eventLogs.$inferInsert {
  return {
    type,
    nodeId,
    createdAt: at,
    roomId,
    peerId: who.peerId,
    userId: who.userId,
    details: { name: who.user.name, ...details },
  };
}

const CHUNK = 1000;

type InsertStatement = (rowsJson: string) => SQL;

/**
 * A multi-row INSERT whose rows travel as one JSON parameter (`json_to_recordset`), with the
 * columns of `table` the recorder fills. Building a `VALUES` list of 500 rows through Drizzle's
 * query builder was most of the store worker's time in a connect storm (a parameter per value,
 * checked one by one); this statement's text never changes and PostgreSQL unpacks the rows in C.
 */
function insertFromJson<T extends PgTable>(
  table: T,
  keys: Array<keyof T['$inferInsert'] & string>,
  /** `on conflict ...`, or a `where` over the rows `r`. */
  tail = '',
): InsertStatement {
  const columns: Record<string, Column> = getTableColumns(table);
  const quote = (name: string) => `"${name}"`;
  const names = keys.map((key) => quote(columns[key]!.name)).join(', ');
  const fields = keys.map(quote).join(', ');
  const types = keys.map((key) => `${quote(key)} ${columns[key]!.getSQLType()}`).join(', ');
  const into = `insert into ${quote(getTableName(table))} (${names}) select ${fields} from json_to_recordset(`;
  const end = `::json) as r(${types}) ${tail}`;
  return (rowsJson) => sql`${sql.raw(into)}${rowsJson}${sql.raw(end)}`;
}

const statements = {
  users: insertFromJson(
    users,
    ['id', 'name', 'avatar', 'firstSeenAt', 'lastSeenAt'],
    'on conflict ("id") do update set "name" = excluded."name", "avatar" = excluded."avatar", "last_seen_at" = excluded."last_seen_at"',
  ),
  connections: insertFromJson(
    connections,
    ['id', 'nodeId', 'transport', 'userId', 'address', 'userAgent', 'openedAt'],
    'on conflict do nothing',
  ),
  messages: insertFromJson(
    messages,
    ['id', 'kind', 'roomId', 'userId', 'peerId', 'body', 'createdAt'],
    'on conflict do nothing',
  ),
  participants: insertFromJson(videoParticipants, ['roomId', 'peerId', 'userId', 'joinedAt']),
  logs: insertFromJson(eventLogs, [
    'type',
    'roomId',
    'peerId',
    'userId',
    'nodeId',
    'details',
    'createdAt',
  ]),
};

const webhookKeys: Array<keyof typeof webhookDeliveries.$inferInsert> = [
  'messageId',
  'endpoint',
  'type',
  'roomKind',
  'roomId',
  'peerId',
  'payload',
  'seq',
  'createdAt',
  'nextAttemptAt',
];
const webhookStatements = {
  events: insertFromJson(webhookDeliveries, webhookKeys),
  /**
   * A `participant.left` goes in only after its `participant.joined` (a join dropped while the
   * buffer was full must not be followed by a leave nobody was told about).
   */
  leaves: insertFromJson(
    webhookDeliveries,
    webhookKeys,
    `where exists (select 1 from "webhook_deliveries" j where j."type" = 'participant.joined'
      and j."endpoint" = r."endpoint" and j."room_kind" = r."roomKind"
      and j."room_id" = r."roomId" and j."peer_id" = r."peerId")`,
  ),
};

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** Writes a batch: inserts grouped per table (one statement per 500 rows), then updates in order. */
export async function writeBatch(tx: Tx | Db, batch: StoreOp[]): Promise<void> {
  // One upsert may not touch a row twice: keep each user's latest sighting.
  const userRows = new Map<string, typeof users.$inferInsert>();
  const logs: Array<typeof eventLogs.$inferInsert> = [];
  const opened: Array<typeof connections.$inferInsert> = [];
  const chat: Array<typeof messages.$inferInsert> = [];
  const joined: Array<typeof videoParticipants.$inferInsert> = [];
  const webhooks: Array<typeof webhookDeliveries.$inferInsert> = [];
  const webhookLeaves: Array<typeof webhookDeliveries.$inferInsert> = [];
  const updates: StoreOp[] = [];
  for (const op of batch) {
    if (op.kind === 'log') logs.push(op.row);
    else if (op.kind === 'connect') addConnect(op.peer, userRows, opened, logs);
    else if (op.kind === 'join') addJoin(op, joined, logs);
    else if (op.kind === 'disconnect') addDisconnect(op, updates, logs);
    else if (op.kind === 'leave') addLeave(op, updates, logs);
    else if (op.kind === 'message') chat.push(op.row);
    else if (op.kind === 'webhook') {
      (op.row.type === 'participant.left' ? webhookLeaves : webhooks).push(op.row);
    } else updates.push(op);
  }
  const inserts: Array<[InsertStatement, unknown[]]> = [
    [statements.users, [...userRows.values()]],
    [statements.connections, opened],
    [statements.messages, chat],
    [statements.participants, joined],
    [statements.logs, logs],
    // Rows are ordered by `seq`, so leaves may follow the joins they check for.
    [webhookStatements.events, webhooks],
    [webhookStatements.leaves, webhookLeaves],
  ];
  for (const [statement, rows] of inserts) {
    for (const chunk of chunks(rows)) await tx.execute(statement(JSON.stringify(chunk)));
  }
  for (let i = 0; i < updates.length;) {
    const closes = new Map<string, { id: string; at: Date; reason: string }>();
    for (let op = updates[i]; op?.kind === 'connection-close'; op = updates[++i]) {
      closes.set(op.id, { id: op.id, at: op.at, reason: op.reason });
    }
    if (closes.size === 0) await applyUpdate(tx, updates[i++]!);
    for (const chunk of chunks([...closes.values()])) {
      await tx.execute(closeConnections(JSON.stringify(chunk)));
    }
  }
}

/**
 * Closes connection rows, one statement for a run of closes (a disconnect storm): rows as one
 * JSON parameter, as the inserts go. Within a run an id's last close wins, as one by one.
 */
function closeConnections(rowsJson: string): SQL {
  const at = connections.closedAt.getSQLType();
  return sql`update "connections" c set "closed_at" = r."at", "close_reason" = r."reason"
    from json_to_recordset(${rowsJson}::json) as r("id" text, "at" ${sql.raw(at)}, "reason" text)
    where c."id" = r."id"`;
}

async function applyUpdate(tx: Tx | Db, op: StoreOp): Promise<void> {
  if (op.kind === 'connection-move') {
    await tx
      .insert(connections)
      .values(op.row)
      .onConflictDoUpdate({ target: connections.id, set: { nodeId: op.row.nodeId } });
  } else if (op.kind === 'webhook-mark') {
    const mine = eq(webhookSenders.nodeId, op.nodeId);
    if (op.seq === null) await tx.delete(webhookSenders).where(mine);
    else {
      const row = { nodeId: op.nodeId, seq: op.seq, updatedAt: new Date() };
      await tx
        .insert(webhookSenders)
        .values(row)
        .onConflictDoUpdate({ target: webhookSenders.nodeId, set: row });
    }
  } else if (op.kind === 'node-gone') {
    await tx.execute(endDeadNodeSql(op.nodeId, op.at));
  } else if (op.kind === 'participant-leave' || op.kind === 'participant-media') {
    const open = and(
      eq(videoParticipants.roomId, op.roomId),
      eq(videoParticipants.peerId, op.peerId),
      isNull(videoParticipants.leftAt),
    );
    const set =
      op.kind === 'participant-leave'
        ? { leftAt: op.at }
        : { ...op.change, mediaChanges: sql`${videoParticipants.mediaChanges} + 1` };
    await tx.update(videoParticipants).set(set).where(open);
  }
}
