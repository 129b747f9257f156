import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineKit } from './test-kit.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };

describe('mesh rooms', () => {
  it('admits up to the room capacity, a persistent room’s own capacity first', async () => {
    const { engine, connect } = engineKit({ roomCapacity: (id) => (id === 'big' ? 3 : undefined) });
    engine.settings.meshRoomCapacity = 2;
    const peers = ['a', 'b', 'c'].map((id) => connect(id));
    for (const p of peers) await p.send('video:join-room', { roomId: 'small' });
    assert.deepEqual(peers[2]!.sink.events, [
      ['room-full', { roomId: 'small', message: 'Room "small" is full' }],
    ]);
    assert.deepEqual(peers[0]!.sink.all('video:user-joined').length, 1);
    for (const p of peers) await p.send('video:join-room', { roomId: 'big' });
    assert.equal(peers[2]!.sink.all('video:room-state')[0].participants.length, 2);
  });

  it('gives a newcomer the room’s state and tells the others', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await a.send('video:join-room', { roomId: 'm' });
    await a.send('video:toggle-audio', { roomId: 'm', isMuted: true });
    await b.send('video:join-room', { roomId: 'm' });
    const [state] = b.sink.all('video:room-state');
    assert.deepEqual(
      state.participants.map((p: { socketId: string; isMuted: boolean }) => [
        p.socketId,
        p.isMuted,
      ]),
      [[a.peer.id, true]],
    );
    const [joined] = a.sink.all('video:user-joined');
    assert.deepEqual([joined.socketId, joined.userId], [b.peer.id, 'b']);
  });

  it('relays a signal only to a peer in a shared room', async () => {
    const { connect } = engineKit();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => connect(id));
    await a!.send('video:join-room', { roomId: 'm' });
    await b!.send('video:join-room', { roomId: 'm' });
    await c!.send('video:join-room', { roomId: 'elsewhere' });
    await a!.send('video:offer', { to: b!.peer.id, offer });
    assert.deepEqual(b!.sink.all('video:offer'), [{ from: a!.peer.id, offer }]);
    await a!.send('video:offer', { to: c!.peer.id, offer });
    await a!.send('video:offer', { to: a!.peer.id, offer });
    assert.deepEqual(
      a!.sink.all('error').map((e: { code: string }) => e.code),
      ['unknown-peer', 'not-allowed'],
    );
    assert.deepEqual(c!.sink.all('video:offer'), []);
    // A pair room shared with c does not open the mesh relay to it.
    await a!.send('join-room', { roomId: 'shared-pair' });
    await c!.send('join-room', { roomId: 'shared-pair' });
    await a!.send('video:ice-candidate', { to: c!.peer.id, candidate: { candidate: 'x' } });
    assert.equal(a!.sink.all('error')[2].code, 'unknown-peer');
    assert.deepEqual(c!.sink.all('video:ice-candidate'), []);
  });

  it('tells the others of media changes and chat; chat reaches the sender too', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await a.send('video:join-room', { roomId: 'm' });
    await b.send('video:join-room', { roomId: 'm' });
    await a.send('video:toggle-video', { roomId: 'm', isVideoOff: true });
    await a.send('video:screen-share-start', { roomId: 'm' });
    await a.send('chat:video-message', { roomId: 'm', message: 'hi' });
    assert.deepEqual(b.sink.all('video:peer-video-changed'), [
      { socketId: a.peer.id, userId: 'a', isVideoOff: true },
    ]);
    assert.equal(b.sink.all('video:peer-screen-share')[0].isSharing, true);
    assert.equal(a.sink.all('chat:video-message-received')[0].message, 'hi');
    assert.equal(b.sink.all('chat:video-message-received')[0].socketId, a.peer.id);
    assert.deepEqual(a.sink.all('video:peer-video-changed'), []);
  });

  it('refuses media changes and chat from a peer outside the room', async () => {
    const { connect } = engineKit();
    const a = connect('a');
    const b = connect('b');
    await b.send('video:join-room', { roomId: 'm' });
    await a.send('video:toggle-audio', { roomId: 'm', isMuted: true });
    await a.send('chat:video-message', { roomId: 'm', message: 'hi' });
    assert.deepEqual(
      a.sink.all('error').map((e: { code: string }) => e.code),
      ['not-in-room', 'not-in-room'],
    );
    assert.deepEqual(b.sink.names(), ['video:room-state']);
  });

  it('announces a leave and a disconnect once to the others', async () => {
    const { engine, connect } = engineKit();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => connect(id));
    for (const p of [a!, b!, c!]) await p.send('video:join-room', { roomId: 'm' });
    await a!.send('video:leave-room', { roomId: 'm' });
    await engine.disconnect(b!.peer);
    assert.deepEqual(
      c!.sink.all('video:user-left').map((l: { socketId: string }) => l.socketId),
      [a!.peer.id, b!.peer.id],
    );
    assert.deepEqual(a!.sink.all('video:user-left'), []);
  });
});
