import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UNCLEAN_SHUTDOWN } from '../src/store/store.js';
import { useCluster } from './helpers/cluster.js';
import { postgresUrl, query, uniqueSchema } from './helpers/pg.js';
import { until } from './helpers/wait.js';

interface LogRow {
  type: string;
  room_id: string | null;
  details: Record<string, unknown> | null;
}

/**
 * Two `npm start` processes on Redis sharing one PostgreSQL database (a fresh one, since the
 * processes use its default schema). One is killed: its history is completed by the other.
 */
describe('history of a process killed with kill -9 (REDIS_URL + DATABASE_URL)', () => {
  const database = uniqueSchema('crash');
  const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${database}` }).href;
  before(() => query(`create database "${database}"`));
  const { nodes, on } = useCluster(2, { env: { DATABASE_URL: databaseUrl } });
  after(() => query(`drop database if exists "${database}" with (force)`));

  const historyOf = (peerId: string) =>
    query<LogRow>(
      `select type, room_id, details from event_logs where peer_id = $1 order by created_at, id`,
      [peerId],
      databaseUrl,
    );

  it('is ended by the process that removes it: one leave and one disconnect per peer', async () => {
    const survivor = await on(0);
    const doomed = await on(1, 'websocket');
    for (const peer of [survivor, doomed]) {
      peer.emit('video:join-room', { roomId: 'crash-room' });
      await peer.next('video:room-state');
    }
    await until('the doomed peer joined on disk', async () =>
      (await historyOf(doomed.id)).some((r) => r.type === 'join'),
    );

    await nodes[1]!.kill('SIGKILL');
    assert.equal((await survivor.next('video:user-left', 15_000)).socketId, doomed.id);
    await until('the doomed peer disconnected on disk', async () =>
      (await historyOf(doomed.id)).some((r) => r.type === 'disconnect'),
    );
    // A row the survivor queues now lands after anything it had queued (a duplicate too).
    const marker = await on(0);
    await until('a later row lands', async () => (await historyOf(marker.id)).length > 0);
    const rows = await historyOf(doomed.id);
    assert.deepEqual(
      rows.map((r) => r.type),
      ['connect', 'join', 'leave', 'disconnect'],
    );
    assert.equal(rows[2]!.room_id, 'crash-room');
    assert.deepEqual(rows[3]!.details, { reason: UNCLEAN_SHUTDOWN });
    const [connection] = await query<{ close_reason: string | null }>(
      `select close_reason from connections where id = $1`,
      [doomed.id],
      databaseUrl,
    );
    assert.equal(connection?.close_reason, UNCLEAN_SHUTDOWN);
    const [member] = await query<{ left_at: Date | null }>(
      `select left_at from video_participants where peer_id = $1`,
      [doomed.id],
      databaseUrl,
    );
    assert.ok(member?.left_at);
    // The survivor's own connection is untouched.
    const [own] = await query<{ closed_at: Date | null }>(
      `select closed_at from connections where id = $1`,
      [survivor.id],
      databaseUrl,
    );
    assert.equal(own?.closed_at, null);
  });
});
