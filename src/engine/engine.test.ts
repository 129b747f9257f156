import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryCluster } from '../cluster/memory.js';
import type { Member, RoomRef } from '../protocol/types.js';
import { Engine } from './engine.js';
import type { PeerSink } from '../protocol/types.js';
import { engineKit } from './test-kit.js';

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

describe('Engine rules at the edge', () => {
  const offer = { type: 'offer', sdp: 'v=0\r\n' };

  it('rate-limits each peer to a burst of twice its per-second rate, telling it once', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 }); // the clock moves only when told
    const { engine, connect } = engineKit();
    engine.settings.maxMessagesPerSecond = 5;
    const a = connect('a');
    const b = connect('b');
    await a.send('video:join-room', { roomId: 'm' });
    await b.send('video:join-room', { roomId: 'm' });
    for (let n = 0; n < 20; n++) await a.send('video:offer', { to: b.peer.id, offer });
    // The join took one token of ten; nine offers pass, the rest are refused with one notice.
    assert.equal(b.sink.all('video:offer').length, 9);
    assert.deepEqual(
      a.sink.all('error').map((e: { code: string }) => e.code),
      ['rate-limited'],
    );
    assert.equal(engine.counters.refusals['rate-limited'], 11);
    // Another peer has its own bucket.
    await b.send('video:offer', { to: a.peer.id, offer });
    assert.equal(a.sink.all('video:offer').length, 1);
    // A second later five more pass; the sixth is refused without a second notice so soon.
    t.mock.timers.tick(1000);
    for (let n = 0; n < 6; n++) await a.send('video:offer', { to: b.peer.id, offer });
    assert.equal(b.sink.all('video:offer').length, 14);
    assert.equal(a.sink.all('error').length, 1);
  });

  it('refuses unknown events, non-object payloads, forbidden keys and bad shapes, with a code', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    await a.send('toString', {});
    await a.send('video:join-room', 'room');
    await a.send('video:join-room', JSON.parse('{"roomId":"r","__proto__":{"x":1}}'));
    await a.send('video:join-room', {});
    await a.send('video:join-room', { roomId: 'x'.repeat(10_000) });
    assert.deepEqual(
      a.sink.all('error').map((e: { code: string }) => e.code),
      ['unknown-event', 'invalid-payload', 'forbidden-key', 'invalid-payload', 'payload-too-large'],
    );
    assert.equal(a.sink.all('error')[3].message, 'roomId is required');
  });

  it('limits connections per server and per address', () => {
    const { engine, connect } = engineKit();
    engine.settings.maxConnections = 3;
    engine.settings.maxConnectionsPerIp = 2;
    connect('a', { address: '10.0.0.1' });
    connect('b', { address: '10.0.0.1' });
    assert.throws(() => connect('c', { address: '10.0.0.1' }), { code: 'too-many-connections' });
    connect('d', { address: '10.0.0.2' });
    assert.throws(() => connect('e', { address: '10.0.0.3' }), { code: 'server-busy' });
  });
});
