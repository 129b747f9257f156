import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type TestPeer, type Transport } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';

const sdp = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const candidate = {
  candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 54321 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

for (const transport of ['socket.io', 'websocket'] as Transport[]) {
  describe(`pair rooms (reference 000) over ${transport}`, () => {
    let srv: TestServer;
    const peers: TestPeer[] = [];
    const join = async () => {
      const peer = await connect(transport, srv.url);
      peers.push(peer);
      return peer;
    };
    before(async () => {
      srv = await startServer();
    });
    after(async () => {
      await Promise.all(peers.map((p) => p.close()));
      await srv.close();
    });

    it('pairs two peers: joined, then ready with caller and callee roles', async () => {
      const [a, b] = [await join(), await join()];
      a.emit('join-room', { roomId: ' room-1 ' });
      assert.deepEqual(await a.next('joined'), { roomId: 'room-1', members: [a.id] });
      b.emit('join-room', { roomId: 'room-1' });
      assert.deepEqual(await b.next('joined'), { roomId: 'room-1', members: [a.id, b.id] });
      const readyA = await a.next('ready');
      const readyB = await b.next('ready');
      assert.deepEqual(readyA, {
        roomId: 'room-1',
        initiatorId: a.id,
        role: 'caller',
        partnerId: b.id,
        members: [a.id, b.id],
      });
      assert.deepEqual(readyB, { ...readyA, role: 'callee', partnerId: a.id });
      // `joined` comes before `ready` for the second peer.
      const order = b.events.all.map((e) => e.event).filter((e) => e === 'joined' || e === 'ready');
      assert.deepEqual(order, ['joined', 'ready']);
    });

    it('answers a repeated join-room with joined again (React StrictMode), no second ready', async () => {
      const [a, b] = [await join(), await join()];
      a.emit('join-room', { roomId: 'twice' });
      a.emit('join-room', { roomId: 'twice' });
      assert.deepEqual(await a.next('joined'), { roomId: 'twice', members: [a.id] });
      assert.deepEqual(await a.next('joined'), { roomId: 'twice', members: [a.id] });
      b.emit('join-room', { roomId: 'twice' });
      await b.next('ready');
      b.emit('join-room', { roomId: 'twice' });
      assert.deepEqual(await b.next('joined'), { roomId: 'twice', members: [a.id, b.id] });
      // A relay after the repeat is handled after it too: nothing came in between.
      b.emit('offer', { roomId: 'twice', sdp });
      await a.next('offer-received');
      const seen = (peer: TestPeer) =>
        peer.events.all.map((e) => e.event).filter((e) => e !== 'welcome');
      assert.deepEqual(seen(a), ['joined', 'joined', 'ready', 'offer-received']);
      assert.deepEqual(seen(b), ['joined', 'ready', 'joined']);
    });

    it('relays offer, answer and candidates with a server-set from', async () => {
      const [a, b] = [await join(), await join()];
      a.emit('join-room', { roomId: 'room-2' });
      await a.next('joined');
      b.emit('join-room', { roomId: 'room-2' });
      await a.next('ready');
      a.emit('offer', { roomId: 'room-2', sdp, from: 'forged' });
      assert.deepEqual(await b.next('offer-received'), { roomId: 'room-2', sdp, from: a.id });
      b.emit('answer', { roomId: 'room-2', sdp: { ...sdp, type: 'answer' } });
      assert.deepEqual(await a.next('answer-received'), {
        roomId: 'room-2',
        sdp: { ...sdp, type: 'answer' },
        from: b.id,
      });
      b.emit('ice-candidate', { roomId: 'room-2', candidate });
      assert.deepEqual(await a.next('ice-candidate-received'), {
        roomId: 'room-2',
        candidate,
        from: b.id,
      });
    });

    it('refuses a third peer with room-full and leaves the pair untouched', async () => {
      const [a, b, c] = [await join(), await join(), await join()];
      a.emit('join-room', { roomId: 'room-3' });
      await a.next('joined');
      b.emit('join-room', { roomId: 'room-3' });
      await a.next('ready');
      c.emit('join-room', { roomId: 'room-3' });
      assert.deepEqual(await c.next('room-full'), {
        roomId: 'room-3',
        message: 'Room is full (2 max)',
      });
      b.emit('answer', { roomId: 'room-3', sdp: { ...sdp, type: 'answer' } }); // after c's join
      await a.events.noneBefore(a.next('answer-received'), ['peer-left', 'joined', 'ready']);
      a.emit('offer', { roomId: 'room-3', sdp });
      assert.equal((await b.next('offer-received')).from, a.id);
    });

    it("answers a missing or blank roomId with the gateway's own text", async () => {
      const a = await join();
      for (const payload of [{}, { roomId: '  ' }, { roomId: null }]) {
        a.emit('join-room', payload);
        assert.deepEqual(await a.next('error'), {
          message: 'roomId is required',
          code: 'invalid-payload',
          event: 'join-room',
        });
      }
      a.emit('join-room', { roomId: ['x'] });
      assert.match((await a.next('error')).message, /^Invalid "join-room": roomId/);
    });

    it('tells the partner on leave-room, and the one who stays calls next', async () => {
      const [a, b, c] = [await join(), await join(), await join()];
      a.emit('join-room', { roomId: 'room-4' });
      b.emit('join-room', { roomId: 'room-4' });
      await b.next('ready');
      a.emit('leave-room', { roomId: 'room-4' });
      assert.deepEqual(await b.next('peer-left'), { roomId: 'room-4', socketId: a.id });
      c.emit('join-room', { roomId: 'room-4' });
      const ready = await c.next('ready');
      assert.equal(ready.initiatorId, b.id);
      assert.equal(ready.role, 'callee');
      assert.equal((await b.next('ready')).role, 'caller');
    });

    it('tells the partner exactly once when a peer disconnects', async () => {
      const [a, b] = [await join(), await join()];
      a.emit('join-room', { roomId: 'room-5' });
      b.emit('join-room', { roomId: 'room-5' });
      await b.next('ready');
      await a.close();
      assert.deepEqual(await b.next('peer-left'), { roomId: 'room-5', socketId: a.id });
      b.emit('offer', { roomId: 'room-5', sdp }); // alone now: refused, after a second notice
      const refused = b.next('error');
      await b.events.noneBefore(refused, ['peer-left']);
      assert.equal((await refused).code, 'no-partner');
    });
  });
}
