import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { query } from './helpers/pg.js';
import { until } from './helpers/wait.js';
import { useWebhookCluster } from './helpers/webhook-cluster.js';
import { roomEvents } from './helpers/webhook-receiver.js';

/**
 * A process killed with kill -9 while it sends a webhook (REDIS_URL + DATABASE_URL): its claim
 * ends with the lease (WEBHOOK_CLAIM_LEASE_MS, short here) and another process sends the event
 * again, same webhook-id, then the rest of the room's events in order.
 */
describe('webhooks of a process killed mid-delivery', () => {
  const { nodes, on, addNode, receiver, databaseUrl } = useWebhookCluster(1, 'takeover', {
    WEBHOOK_CLAIM_LEASE_MS: '3000',
  });

  it('is sent by another process once the lease ends', async () => {
    // The first request is never answered: the process that sent it holds its claim.
    receiver.answer = () => (receiver.requests.length === 0 ? 'hang' : { status: 204 });
    const peer = await on(0);
    peer.emit('video:join-room', { roomId: 'takeover' });
    await peer.next('video:room-state');
    await until('the first attempt hangs', () => receiver.requests.length === 1, 20_000);
    const [hung] = receiver.requests;
    assert.equal(hung!.event.type, 'room.started');

    await nodes[0]!.kill('SIGKILL');
    await addNode();
    // The survivor removes the dead process's peer: its leave and the room's end follow.
    await until(
      'the room is delivered',
      () => roomEvents(receiver, 'takeover').length === 4,
      60_000,
    );
    assert.deepEqual(roomEvents(receiver, 'takeover'), [
      'room.started',
      `participant.joined:${peer.id}`,
      `participant.left:${peer.id}:disconnected`,
      'room.finished',
    ]);
    const [started] = receiver.delivered();
    assert.equal(started!.id, hung!.id, 'the same webhook-id on the attempt taken over');
    assert.deepEqual(receiver.refused, []);
    const rows = await query<{ type: string; attempts: number }>(
      `select type, attempts from webhook_deliveries where type = 'room.started'`,
      [],
      databaseUrl,
    );
    assert.deepEqual(rows, [{ type: 'room.started', attempts: 2 }]);
  });
});
