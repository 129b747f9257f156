import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectSocketIo, connectWebSocket } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('a WebSocket peer and a Socket.IO peer call each other', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  it('in a pair room', async () => {
    const io = await connectSocketIo(srv.url);
    const ws = await connectWebSocket(srv.url);
    ws.emit('join-room', { roomId: 'x1' });
    await ws.next('joined');
    io.emit('join-room', { roomId: 'x1' });
    assert.equal((await ws.next('ready')).role, 'caller');
    assert.equal((await io.next('ready')).partnerId, ws.id);
    ws.emit('offer', { roomId: 'x1', sdp: { type: 'offer', sdp: 'v=0' } });
    assert.equal((await io.next('offer-received')).from, ws.id);
    io.emit('answer', { roomId: 'x1', sdp: { type: 'answer', sdp: 'v=0' } });
    assert.equal((await ws.next('answer-received')).from, io.id);
    io.emit('ice-candidate', { roomId: 'x1', candidate: { candidate: 'c' } });
    assert.deepEqual(await ws.next('ice-candidate-received'), {
      roomId: 'x1',
      candidate: { candidate: 'c' },
      from: io.id,
    });
    await io.close();
    assert.deepEqual(await ws.next('peer-left'), { roomId: 'x1', socketId: io.id });
    await ws.close();
  });

  it('in a mesh room, with a long-polling Socket.IO client', async () => {
    const poll = await connectSocketIo(srv.url, { polling: true, userId: 'poller' });
    const ws = await connectWebSocket(srv.url, { userId: 'native', name: 'Native App' });
    poll.emit('video:join-room', { roomId: 'x2' });
    await poll.next('video:room-state');
    ws.emit('video:join-room', { roomId: 'x2' });
    const [existing] = (await ws.next('video:room-state')).participants;
    assert.equal(existing.socketId, poll.id);
    assert.deepEqual((await poll.next('video:user-joined')).user, {
      id: 'native',
      name: 'Native App',
      avatar: null,
    });
    ws.emit('video:offer', { to: poll.id, offer: { type: 'offer', sdp: 'v=0' } });
    assert.deepEqual(await poll.next('video:offer'), {
      from: ws.id,
      offer: { type: 'offer', sdp: 'v=0' },
    });
    poll.emit('video:answer', { to: ws.id, answer: { type: 'answer', sdp: 'v=0' } });
    assert.equal((await ws.next('video:answer')).from, poll.id);
    await ws.close();
    assert.equal((await poll.next('video:user-left')).socketId, ws.id);
    await poll.close();
  });
});
