import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { Recorder } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';

// Plain Socket.IO events take sinyal's own reader and writer (socketio-wire.ts); acks, binary
// attachments and polling take socket.io's. Both paths must read as one, in order, validated.

const candidate = (n: number) => ({
  candidate: `candidate:${n} 1 udp 2122260223 10.0.0.1 5432${n} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

async function connectRaw(
  url: string,
  polling = false,
): Promise<{ socket: Socket; events: Recorder }> {
  const socket = io(url, {
    transports: polling ? ['polling'] : ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const events = new Recorder();
  socket.onAny((event: string, data: unknown) => events.push(event, data));
  await events.next('welcome');
  return { socket, events };
}

describe('Socket.IO packets: plain events beside acks, binary and polling', () => {
  let srv: TestServer;
  const sockets: Socket[] = [];
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    for (const socket of sockets) socket.disconnect();
    await srv.close();
  });

  it('keeps of the handshake only what it copied: the user agent, not the headers or the token', async () => {
    const socket = io(srv.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { userId: 'kept-light', name: 'Light' },
      extraHeaders: { 'user-agent': 'HandshakeTest/1.0', cookie: 'session=' + 'x'.repeat(2000) },
    });
    sockets.push(socket);
    const events = new Recorder();
    socket.onAny((event: string, data: unknown) => events.push(event, data));
    const welcome = await events.next('welcome');
    const peer = srv.server.engine.local.get(welcome.socketId)!;
    assert.equal(peer.info.userAgent, 'HandshakeTest/1.0');
    assert.equal(peer.info.user.name, 'Light');
    const { handshake } = srv.server.io.of('/').sockets.get(welcome.socketId)!;
    assert.deepEqual(
      { headers: handshake.headers, query: handshake.query, auth: handshake.auth },
      { headers: {}, query: {}, auth: {} },
    );
  });

  for (const polling of [false, true]) {
    it(`keeps the order of events sent in one go and validates each (${polling ? 'polling' : 'websocket'})`, async () => {
      const a = await connectRaw(srv.url, polling);
      const b = await connectRaw(srv.url);
      sockets.push(a.socket, b.socket);
      const roomId = `wire-${polling}`;
      a.socket.emit('join-room', { roomId });
      await a.events.next('joined');
      b.socket.emit('join-room', { roomId });
      await b.events.next('ready');

      // In one tick, so they reach the server in one read: an event with an ack (socket.io's
      // path), plain ones (sinyal's), one with a binary attachment (socket.io's, refused).
      a.socket.emit('ice-candidate', { roomId, candidate: candidate(1) }, () => {});
      a.socket.emit('ice-candidate', { roomId, candidate: candidate(2) });
      a.socket.emit('ice-candidate', { roomId: Buffer.from(roomId), candidate: candidate(9) });
      a.socket.emit('ice-candidate', { roomId, candidate: candidate(3) });
      a.socket.emit('ice-candidate', { roomId, candidate: { ...candidate(4), sdpMLineIndex: -1 } });
      a.socket.emit('ice-candidate', { roomId, candidate: candidate(5) });

      for (const n of [1, 2, 3, 5]) {
        const relayed = await b.events.next('ice-candidate-received');
        assert.deepEqual(relayed, { roomId, candidate: candidate(n), from: a.socket.id });
      }
      for (let i = 0; i < 2; i++) {
        const refused = await a.events.next('error');
        assert.equal(refused.code, 'invalid-payload');
        assert.equal(refused.event, 'ice-candidate');
      }
    });
  }
});
