import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { connections, eventLogs, messages, users, videoParticipants } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** One buffered write. Times are taken when the event happened, so late batches stay true. */
export type StoreOp =
  | { kind: 'log'; row: typeof eventLogs.$inferInsert }
  | { kind: 'user'; row: typeof users.$inferInsert }
  | { kind: 'connection-open'; row: typeof connections.$inferInsert }
  | { kind: 'connection-close'; id: string; at: Date; reason: string }
  /**
   * A peer resumed on another process: its connection row follows it (written whole, since the
   * first process's batch with the row may land later).
   */
  | { kind: 'connection-move'; row: typeof connections.$inferInsert }
  | { kind: 'message'; row: typeof messages.$inferInsert }
  | { kind: 'participant-join'; row: typeof videoParticipants.$inferInsert }
  | { kind: 'participant-leave'; roomId: string; peerId: string; at: Date }
  | {
      kind: 'participant-media';
      roomId: string;
      peerId: string;
      change: { isMuted?: boolean; isVideoOff?: boolean; isSharingScreen?: boolean };
    };

const CHUNK = 500;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** Writes a batch: inserts grouped per table (one statement per 500 rows), then updates in order. */
export async function writeBatch(tx: Tx | Db, batch: StoreOp[]): Promise<void> {
  const userRows = new Map<string, typeof users.$inferInsert>();
  const logs: Array<typeof eventLogs.$inferInsert> = [];
  const opened: Array<typeof connections.$inferInsert> = [];
  const chat: Array<typeof messages.$inferInsert> = [];
  const joined: Array<typeof videoParticipants.$inferInsert> = [];
  const updates: StoreOp[] = [];
  for (const op of batch) {
    if (op.kind === 'log') logs.push(op.row);
    // One upsert may not touch a row twice: keep each user's latest sighting.
    else if (op.kind === 'user') userRows.set(op.row.id, op.row);
    else if (op.kind === 'connection-open') opened.push(op.row);
    else if (op.kind === 'message') chat.push(op.row);
    else if (op.kind === 'participant-join') joined.push(op.row);
    else updates.push(op);
  }
  for (const rows of chunks([...userRows.values()])) {
    await tx
      .insert(users)
      .values(rows)
      .onConflictDoUpdate({
        target: users.id,
        set: {
          name: sql`excluded.name`,
          avatar: sql`excluded.avatar`,
          lastSeenAt: sql`excluded.last_seen_at`,
        },
      });
  }
  for (const rows of chunks(opened))
    await tx.insert(connections).values(rows).onConflictDoNothing();
  for (const rows of chunks(chat)) await tx.insert(messages).values(rows).onConflictDoNothing();
  for (const rows of chunks(joined)) await tx.insert(videoParticipants).values(rows);
  for (const rows of chunks(logs)) await tx.insert(eventLogs).values(rows);
  for (const op of updates) await applyUpdate(tx, op);
}

async function applyUpdate(tx: Tx | Db, op: StoreOp): Promise<void> {
  if (op.kind === 'connection-close') {
    await tx
      .update(connections)
      .set({ closedAt: op.at, closeReason: op.reason })
      .where(eq(connections.id, op.id));
  } else if (op.kind === 'connection-move') {
    await tx
      .insert(connections)
      .values(op.row)
      .onConflictDoUpdate({ target: connections.id, set: { nodeId: op.row.nodeId } });
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
