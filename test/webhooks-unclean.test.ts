import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectSocketIo, type TestPeer } from './helpers/clients.js';
import { ensureBuilt, startNode, type NodeProcess } from './helpers/cluster.js';
import { until } from './helpers/wait.js';
import { roomEvents, WebhookReceiver } from './helpers/webhook-receiver.js';

/**
 * `npm start` on a DATA_DIR killed with kill -9 in the middle of calls: the next start ends what
 * it left open and tells the receiver, each room in order, as a clean leave would have.
 */
describe('webhooks after a kill -9 (DATA_DIR)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-webhooks-crash-'));
  const receiver = new WebhookReceiver();
  const peers: TestPeer[] = [];
  let node: NodeProcess | undefined;
  const env = () => ({
    DATA_DIR: dataDir,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: receiver.secret,
    WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s',
  });
  before(async () => {
    await ensureBuilt();
    await receiver.start();
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await node?.kill();
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the left and finished events of what the killed server left open', async () => {
    node = await startNode(env());
    const peer = async (userId: string) => {
      const p = await connectSocketIo(node!.url, { userId });
      peers.push(p);
      return p;
    };
    const [a, b, c] = [await peer('a'), await peer('b'), await peer('c')];
    for (const p of [a, b]) {
      p.emit('join-room', { roomId: 'swept-pair' });
      await p.next('joined');
    }
    c.emit('video:join-room', { roomId: 'swept-mesh' });
    await c.next('video:room-state');
    // A room left before the kill: its leave is on record, the sweep sends no second one.
    c.emit('join-room', { roomId: 'left-before' });
    await c.next('joined');
    c.emit('leave-room', { roomId: 'left-before' });
    const before = () =>
      ['swept-pair', 'swept-mesh', 'left-before'].map((r) => roomEvents(receiver, r).length);
    await until('the joins are delivered', () => before().join() === '3,2,4', 30_000);

    await node.kill('SIGKILL');
    node = await startNode(env());
    await until(
      'the swept rooms are finished',
      () =>
        roomEvents(receiver, 'swept-pair').length === 6 &&
        roomEvents(receiver, 'swept-mesh').length === 4,
      30_000,
    );
    const pair = roomEvents(receiver, 'swept-pair');
    assert.deepEqual(pair.slice(0, 3), [
      'room.started',
      `participant.joined:${a.id}`,
      `participant.joined:${b.id}`,
    ]);
    assert.deepEqual(
      pair.slice(3, 5).sort(),
      [`participant.left:${a.id}:disconnected`, `participant.left:${b.id}:disconnected`].sort(),
    );
    assert.equal(pair[5], 'room.finished');
    assert.deepEqual(roomEvents(receiver, 'swept-mesh'), [
      'room.started',
      `participant.joined:${c.id}`,
      `participant.left:${c.id}:disconnected`,
      'room.finished',
    ]);
    // Joined before the kill, seen after: the left copies the participant its join named.
    const left = receiver
      .delivered()
      .find((r) => r.event.type === 'participant.left' && r.event.data.room.id === 'swept-mesh');
    assert.equal(left?.event.data.room.kind, 'mesh');
    assert.equal((left?.event.data as { participant: { userId: string } }).participant.userId, 'c');

    // A marker after the sweep's events: nothing more came for the room left before the kill.
    const d = await peer('d');
    d.emit('join-room', { roomId: 'marker' });
    await d.next('joined');
    await until('the marker is delivered', () => roomEvents(receiver, 'marker').length === 2);
    assert.equal(roomEvents(receiver, 'left-before').length, 4);
    assert.deepEqual(receiver.refused, []);
  });
});
