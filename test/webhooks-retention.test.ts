import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connect, type TestPeer } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';
import { roomEvents, WebhookReceiver } from './helpers/webhook-receiver.js';

/** WEBHOOK_RETENTION of a second: old delivered and abandoned deliveries leave the outbox. */
describe('webhook outbox retention', () => {
  const receiver = new WebhookReceiver();
  const api = storeApi();
  const peers: TestPeer[] = [];
  let srv: TestServer;
  const roomOf = (event: { data: { room: { id: string } } }) => event.data.room.id;
  /** The outbox rows of a room: `type:status`, oldest first. */
  const rows = async (roomId: string) =>
    (
      await api.store!.backend.queries.rawQuery(
        `select type, status from webhook_deliveries where room_id = '${roomId}' order by seq`,
      )
    ).map((r) => `${String(r.type)}:${String(r.status)}`);
  const join = async (roomId: string) => {
    const peer = await connect('socket.io', srv.url);
    peers.push(peer);
    peer.emit('join-room', { roomId });
    await peer.next('joined');
    return peer;
  };

  before(async () => {
    await receiver.start();
    receiver.answer = (event) => {
      const room = roomOf(event);
      // Rate limited for an hour: pending all along.
      if (room === 'waits') return { status: 429, headers: { 'retry-after': '3600' } };
      if (room === 'fails') return { status: 500 };
      return { status: 204 };
    };
    srv = await startServer({
      webhookUrls: [receiver.url],
      webhookSecret: receiver.secret,
      webhookRetrySchedule: ['1s'],
      webhookRetention: '1s',
      dataDir: 'memory://',
      extensions: [api],
    });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
    await receiver.stop();
    assert.deepEqual(receiver.refused, []);
  });

  it('deletes delivered and abandoned deliveries, keeps pending ones and open rooms', async () => {
    await join('kept');
    await join('waits');
    await until('the open room is delivered', () => roomEvents(receiver, 'kept').length === 2);
    const failing = await join('fails');
    failing.emit('leave-room', { roomId: 'fails' });
    const done = await join('done');
    done.emit('leave-room', { roomId: 'done' });
    await until('the ended room is delivered', () => roomEvents(receiver, 'done').length === 4);

    await until(
      'the delivered and abandoned rooms are deleted',
      async () => (await rows('done')).length === 0 && (await rows('fails')).length === 0,
      30_000,
    );
    // Abandoned, not lost before its time: each event was tried twice (WEBHOOK_RETRY_SCHEDULE=1s).
    const failed = receiver.requests.filter((r) => roomOf(r.event) === 'fails');
    assert.equal(failed.length, 8);
    // Older than the retention too, but the room is still open: its start and join stay.
    assert.deepEqual(await rows('kept'), [
      'room.started:delivered',
      'participant.joined:delivered',
    ]);
    assert.deepEqual(await rows('waits'), ['room.started:pending', 'participant.joined:pending']);
  });
});
