import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatsFrom, connect, type TestPeer, type Transport } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };
const candidate = { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0' };

for (const transport of ['socket.io', 'websocket'] as Transport[]) {
  describe(`mesh rooms (reference 004) over ${transport}`, () => {
    let srv: TestServer;
    const peers: TestPeer[] = [];
    const peer = async (userId?: string) => {
      const p = await connect(transport, srv.url, { userId });
      peers.push(p);
      return p;
    };
    /** Joins a mesh room and waits for the room state. */
    const enter = async (p: TestPeer, roomId: string) => {
      p.emit('video:join-room', { roomId, studyId: 'study-x' });
      return (await p.next('video:room-state')).participants as Array<Record<string, unknown>>;
    };
    before(async () => {
      srv = await startServer({ roomCapacity: 3 });
    });
    after(async () => {
      await Promise.all(peers.map((p) => p.close()));
      await srv.close();
    });

    it('gives the joiner the others with media state, and tells the others', async () => {
      const [a, b] = [await peer('alice'), await peer('bob')];
      assert.deepEqual(await enter(a, 'm1'), []);
      a.emit('video:toggle-audio', { roomId: 'm1', isMuted: true });
      const participants = await enter(b, 'm1');
      assert.equal(participants.length, 1);
      const [alice] = participants;
      assert.equal(alice!.socketId, a.id);
      assert.equal(alice!.userId, 'alice');
      assert.deepEqual(alice!.user, { id: 'alice', name: 'alice', avatar: null });
      assert.equal(alice!.isMuted, true);
      assert.equal(alice!.isVideoOff, false);
      assert.equal(alice!.isSharingScreen, false);
      assert.ok(!Number.isNaN(Date.parse(alice!.joinedAt as string)));
      assert.deepEqual(await a.next('video:user-joined'), {
        roomId: 'm1',
        socketId: b.id,
        userId: 'bob',
        user: { id: 'bob', name: 'bob', avatar: null },
      });
    });

    it('relays offer, answer and candidates only to the addressed peer', async () => {
      const [a, b, c] = [await peer(), await peer(), await peer()];
      await enter(a, 'm2');
      await enter(b, 'm2');
      await enter(c, 'm2');
      a.emit('video:offer', { to: b.id, offer, from: c.id });
      assert.deepEqual(await b.next('video:offer'), { from: a.id, offer });
      b.emit('video:answer', { to: a.id, answer: { type: 'answer', sdp: 'v=0\r\n' } });
      assert.deepEqual(await a.next('video:answer'), {
        from: b.id,
        answer: { type: 'answer', sdp: 'v=0\r\n' },
      });
      a.emit('video:ice-candidate', { to: b.id, candidate });
      assert.deepEqual(await b.next('video:ice-candidate'), { from: a.id, candidate });
      const marker = chatsFrom([a, b], 'm2')(c); // after anything a or b sent c before
      await c.events.noneBefore(marker, ['video:offer', 'video:answer', 'video:ice-candidate']);
    });

    it('announces audio, video and screen-share changes to the others', async () => {
      const [a, b] = [await peer('ann'), await peer('ben')];
      await enter(a, 'm3');
      await enter(b, 'm3');
      b.emit('video:toggle-audio', { roomId: 'm3', isMuted: true });
      assert.deepEqual(await a.next('video:peer-audio-changed'), {
        socketId: b.id,
        userId: 'ben',
        isMuted: true,
      });
      b.emit('video:toggle-video', { roomId: 'm3', isVideoOff: true });
      assert.deepEqual(await a.next('video:peer-video-changed'), {
        socketId: b.id,
        userId: 'ben',
        isVideoOff: true,
      });
      b.emit('video:screen-share-start', { roomId: 'm3' });
      assert.deepEqual(await a.next('video:peer-screen-share'), {
        socketId: b.id,
        userId: 'ben',
        isSharing: true,
      });
      b.emit('video:screen-share-stop', { roomId: 'm3' });
      assert.equal((await a.next('video:peer-screen-share')).isSharing, false);
      const marker = chatsFrom([b], 'm3')(b); // after an echo of b's own changes, if any
      await b.events.noneBefore(marker, ['video:peer-audio-changed', 'video:peer-video-changed']);
      // A later joiner sees the state as it is now.
      const c = await peer();
      const [, ben] = await enter(c, 'm3');
      assert.equal(ben!.isMuted, true);
      assert.equal(ben!.isVideoOff, true);
      assert.equal(ben!.isSharingScreen, false);
    });

    it('delivers chat to the whole room, sender included', async () => {
      const [a, b] = [await peer('cat'), await peer('dog')];
      await enter(a, 'm4');
      await enter(b, 'm4');
      a.emit('chat:video-message', { roomId: 'm4', message: 'hello' });
      const got = await b.next('chat:video-message-received');
      assert.deepEqual(await a.next('chat:video-message-received'), got);
      assert.equal(got.roomId, 'm4');
      assert.equal(got.userId, 'cat');
      assert.deepEqual(got.user, { id: 'cat', name: 'cat', avatar: null });
      assert.equal(got.message, 'hello');
      assert.equal(got.socketId, a.id);
      assert.match(got.id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(got.timestamp)));
    });

    it('announces leave and disconnect to every room once', async () => {
      const [a, b, c] = [await peer('x'), await peer('y'), await peer('z')];
      await enter(a, 'm5');
      await enter(b, 'm5');
      await enter(a, 'm6');
      await enter(c, 'm6');
      b.emit('video:leave-room', { roomId: 'm5' });
      assert.deepEqual(await a.next('video:user-left'), {
        roomId: 'm5',
        socketId: b.id,
        userId: 'y',
      });
      await enter(b, 'm5');
      await a.close();
      assert.deepEqual(await b.next('video:user-left'), {
        roomId: 'm5',
        socketId: a.id,
        userId: 'x',
      });
      assert.deepEqual(await c.next('video:user-left'), {
        roomId: 'm6',
        socketId: a.id,
        userId: 'x',
      });
      // A chat of their own reaches them after a second announcement would have.
      await b.events.noneBefore(chatsFrom([b], 'm5')(b), ['video:user-left']);
      await c.events.noneBefore(chatsFrom([c], 'm6')(c), ['video:user-left']);
    });

    it('refuses a joiner beyond capacity with room-full and changes nothing else', async () => {
      const members = [await peer(), await peer(), await peer()];
      for (const m of members) await enter(m, 'm7');
      await members[0]!.next('video:user-joined');
      await members[0]!.next('video:user-joined');
      const late = await peer();
      late.emit('video:join-room', { roomId: 'm7' });
      assert.deepEqual(await late.next('room-full'), {
        roomId: 'm7',
        message: 'Room "m7" is full',
      });
      const marker = chatsFrom([members[1]!], 'm7')(members[0]!); // handled after late's join
      await members[0]!.events.noneBefore(marker, ['video:user-joined']);
      // Capacity frees up when someone leaves.
      members[2]!.emit('video:leave-room', { roomId: 'm7' });
      await members[0]!.next('video:user-left');
      assert.equal((await enter(late, 'm7')).length, 2);
    });
  });
}

describe('presence spaces', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  it('announces online to the others in a study and offline when the last connection goes', async () => {
    const a = await connect('socket.io', srv.url, { userId: 'amy' });
    const b = await connect('websocket', srv.url, { userId: 'bo' });
    const b2 = await connect('socket.io', srv.url, { userId: 'bo' });
    a.emit('presence:join-study', { studyId: 's1' });
    await until('a is in the study', () => srv.server.engine.local.get(a.id)!.rooms.size === 1);
    b.emit('presence:join-study', { studyId: 's1' });
    assert.deepEqual(await a.next('presence:user-online'), {
      studyId: 's1',
      userId: 'bo',
      user: { id: 'bo', name: 'bo', avatar: null },
    });
    b2.emit('presence:join-study', { studyId: 's1' });
    // Markers: a, b and b2 meet in a mesh room too. b2's join there reaches a after an online
    // notice for its second connection would have.
    for (const p of [a, b, b2]) {
      p.emit('video:join-room', { roomId: 's1-marker' });
      await p.next('video:room-state');
    }
    const joins = Promise.all([a.next('video:user-joined'), a.next('video:user-joined')]);
    await a.events.noneBefore(joins, ['presence:user-online']);
    await b.close();
    await a.next('video:user-left'); // b's disconnect was handled; then a chat of b2's
    await a.events.noneBefore(chatsFrom([b2], 's1-marker')(a), ['presence:user-offline']);
    await b2.close();
    assert.deepEqual(await a.next('presence:user-offline'), { studyId: 's1', userId: 'bo' });
    await a.close();
  });
});
