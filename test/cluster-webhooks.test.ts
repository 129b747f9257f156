import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { query } from './helpers/pg.js';
import { until } from './helpers/wait.js';
import { useWebhookCluster } from './helpers/webhook-cluster.js';
import { roomEvents } from './helpers/webhook-receiver.js';

/**
 * Two `npm start` processes on Redis sharing one PostgreSQL database: both send webhooks from
 * the one outbox, claiming with FOR UPDATE SKIP LOCKED, so each event reaches the receiver once.
 */
describe('webhooks from two processes (REDIS_URL + DATABASE_URL)', () => {
  const { on, receiver, databaseUrl } = useWebhookCluster(2, 'webhooks');

  it('delivers every event exactly once, each room in order', async () => {
    const rooms = ['c1', 'c2', 'c3', 'c4'];
    const expected = new Map<string, string[]>();
    for (const roomId of rooms) {
      const first = await on(0);
      const second = await on(1, 'websocket');
      for (const peer of [first, second]) {
        peer.emit('video:join-room', { roomId });
        await peer.next('video:room-state');
      }
      second.emit('video:leave-room', { roomId });
      await first.next('video:user-left');
      first.emit('video:leave-room', { roomId });
      expected.set(roomId, [
        'room.started',
        `participant.joined:${first.id}`,
        `participant.joined:${second.id}`,
        `participant.left:${second.id}:left`,
        `participant.left:${first.id}:left`,
        'room.finished',
      ]);
    }
    await until(
      'every room delivered',
      () => rooms.every((roomId) => roomEvents(receiver, roomId).length === 6),
      30_000,
    );
    for (const roomId of rooms)
      assert.deepEqual(roomEvents(receiver, roomId), expected.get(roomId));
    const ids = receiver.requests.map((r) => r.id);
    assert.equal(ids.length, 24);
    assert.equal(new Set(ids).size, 24, 'no event sent twice');
    assert.deepEqual(receiver.refused, []);
    const rows = await query<{ status: string; n: number }>(
      `select status, count(*)::int as n from webhook_deliveries group by status`,
      [],
      databaseUrl,
    );
    assert.deepEqual(rows, [{ status: 'delivered', n: 24 }]);
  });
});
