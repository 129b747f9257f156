import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryCluster } from '../cluster/memory.js';
import type { Member, RoomRef } from '../protocol/types.js';
import { DONE } from './outcome.js';
import { engineKit } from './test-kit.js';

/** A memory cluster whose admissions wait until the test lets them go. */
class HeldCluster extends MemoryCluster {
  private arrived: (go: () => void) => void = () => undefined;
  /** Resolves when the next admission arrives, to what lets it go on. */
  next(): Promise<() => void> {
    return new Promise((resolve) => (this.arrived = resolve));
  }
  override async admit(room: RoomRef, member: Member, capacity: number) {
    await new Promise<void>((go) => this.arrived(go));
    return super.admit(room, member, capacity);
  }
}

const offer = { type: 'offer', sdp: 'v=0\r\n' };

describe('Engine.request: the outcome of an event, for a caller that answers it', () => {
  it('answers a busy peer’s calls once their turn came, with their real outcomes', async () => {
    const cluster = new HeldCluster();
    const { engine, connect } = engineKit({ cluster });
    const a = connect('a');
    const b = connect('b');
    let held = cluster.next();
    const aJoins = a.send('video:join-room', { roomId: 'm' });
    (await held)();
    await aJoins;
    // b's join is held: what it asks meanwhile waits behind it, and is answered for real.
    held = cluster.next();
    const joining = engine.receive(b.peer, 'video:join-room', { roomId: 'm' });
    const relayed = engine.request(b.peer, 'video:offer', { to: a.peer.id, offer });
    const unknown = engine.request(b.peer, 'video:offer', { to: 'nobody', offer });
    const notIn = engine.request(b.peer, 'video:leave-room', { roomId: 'elsewhere' });
    const go = await held;
    assert.deepEqual(a.sink.all('video:offer'), []);
    go();
    await joining;
    assert.equal(await relayed, DONE);
    const refused = [await unknown, await notIn].map((o) => (o.ok ? 'ok' : o.error.code));
    assert.deepEqual(refused, ['unknown-peer', 'not-in-room']);
    assert.deepEqual(a.sink.all('video:offer'), [{ from: b.peer.id, offer }]);
    // The client hears its refusals as before, whatever asked.
    assert.deepEqual(
      b.sink.all('error').map((e: { code: string; event: string }) => [e.code, e.event]),
      [
        ['unknown-peer', 'video:offer'],
        ['not-in-room', 'video:leave-room'],
      ],
    );
  });

  it('answers a join with the others, or that the room is full, as the client hears it', async () => {
    const { engine, connect } = engineKit({ roomCapacity: () => 1 });
    const a = connect('a');
    const b = connect('b');
    const first = await engine.request(a.peer, 'video:join-room', { roomId: 'small' });
    assert.deepEqual(first, { ok: true, value: { joined: true, participants: [] } });
    const second = await engine.request(b.peer, 'video:join-room', { roomId: 'small' });
    const full = b.sink.all('room-full')[0];
    assert.deepEqual(second, { ok: true, value: { joined: false, message: full.message } });
    assert.deepEqual(full, { roomId: 'small', message: 'Room "small" is full' });
  });

  it('answers a chat message as its room got it', async () => {
    const { engine, connect } = engineKit();
    const a = connect('a');
    await a.send('video:join-room', { roomId: 'talk' });
    const sent = await engine.request(a.peer, 'chat:video-message', {
      roomId: 'talk',
      message: 'hi',
    });
    assert.deepEqual(sent, { ok: true, value: a.sink.all('chat:video-message-received')[0] });
  });

  it('relays synchronously, with one shared outcome: nothing awaited or allocated per message', async () => {
    const { engine, connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await a.send('video:join-room', { roomId: 'm' });
    await b.send('video:join-room', { roomId: 'm' });
    assert.equal(engine.receive(a.peer, 'video:offer', { to: b.peer.id, offer }), undefined);
    assert.equal(b.sink.all('video:offer').length, 1);
    assert.equal(await engine.request(a.peer, 'video:offer', { to: b.peer.id, offer }), DONE);
    assert.equal(b.sink.all('video:offer').length, 2);
  });

  it('answers rate-limited for every refused call, not only the one told', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 }); // the clock moves only when told
    const { engine, connect } = engineKit();
    engine.settings.maxMessagesPerSecond = 1;
    const a = connect('a');
    const codes: string[] = [];
    for (let n = 0; n < 4; n++) {
      const outcome = await engine.request(a.peer, 'video:leave-room', { roomId: 'r' });
      codes.push(outcome.ok ? 'ok' : outcome.error.code);
    }
    assert.deepEqual(codes, ['not-in-room', 'not-in-room', 'rate-limited', 'rate-limited']);
    assert.deepEqual(
      a.sink.all('error').map((e: { code: string }) => e.code),
      ['not-in-room', 'not-in-room', 'rate-limited'],
    );
  });
});
