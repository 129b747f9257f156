import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryCluster } from '../cluster/memory.js';
import type { Member, RoomRef } from './types.js';
import { Engine } from './engine.js';
import type { PeerSink } from './types.js';

/** A memory cluster whose admissions take a while, as Redis round trips do. */
class SlowCluster extends MemoryCluster {
  override async admit(room: RoomRef, member: Member, capacity: number) {
    await new Promise((r) => setTimeout(r, 30));
    return super.admit(room, member, capacity);
  }
}

function sink() {
  const events: Array<[string, unknown]> = [];
  const s: PeerSink & { events: typeof events } = {
    events,
    emit: (event, data) => events.push([event, data]),
    disconnect: () => undefined,
  };
  return s;
}

const user = (id: string) => ({ userId: id, user: { id, name: id, avatar: null } });

describe('Engine', () => {
  it('keeps a peer’s messages in order while its join is in flight', async () => {
    const engine = new Engine({ cluster: new SlowCluster() });
    const a = sink();
    const b = sink();
    const pa = engine.connect(a, { transport: 'websocket', ...user('a') });
    const pb = engine.connect(b, { transport: 'websocket', ...user('b') });
    await engine.receive(pa, 'join-room', { roomId: 'r' });
    // Join, then offer right away: the offer must wait for the join, not fail with not-in-room.
    const joining = engine.receive(pb, 'join-room', { roomId: 'r' });
    engine.receive(pb, 'offer', { roomId: 'r', sdp: { type: 'offer', sdp: 'v=0' } });
    await joining;
    assert.deepEqual(
      b.events.map(([e]) => e),
      ['joined', 'ready'],
    );
    assert.deepEqual(
      a.events.map(([e]) => e),
      ['joined', 'ready', 'offer-received'],
    );
  });

  it('undoes an admission when the peer disconnected meanwhile', async () => {
    const cluster = new SlowCluster();
    const engine = new Engine({ cluster });
    const pa = engine.connect(sink(), { transport: 'sse', ...user('a') });
    const joining = engine.receive(pa, 'video:join-room', { roomId: 'gone' });
    await engine.disconnect(pa);
    await joining;
    assert.deepEqual([...cluster.rooms()], []);
  });

  it('isolates a throwing observer from the peer', async () => {
    const engine = new Engine();
    engine.hooks.on('room-joined', () => {
      throw new Error('observer bug');
    });
    const a = sink();
    const pa = engine.connect(a, { transport: 'websocket', ...user('a') });
    await engine.receive(pa, 'join-room', { roomId: 'r' });
    assert.deepEqual(
      a.events.map(([e]) => e),
      ['joined'],
    );
  });

  it('uses a persistent room capacity over the default', async () => {
    const engine = new Engine({ roomCapacity: (id) => (id === 'small' ? 1 : undefined) });
    const a = sink();
    const b = sink();
    await engine.receive(
      engine.connect(a, { transport: 'websocket', ...user('a') }),
      'video:join-room',
      { roomId: 'small' },
    );
    await engine.receive(
      engine.connect(b, { transport: 'websocket', ...user('b') }),
      'video:join-room',
      { roomId: 'small' },
    );
    assert.equal(b.events[0]![0], 'room-full');
  });
});
