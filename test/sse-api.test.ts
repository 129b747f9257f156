import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connectSocketIo, type TestPeer } from './helpers/clients.js';
import { dropSchema, postgresUrl, uniqueSchema } from './helpers/pg.js';
import { startServer, type TestServer } from './helpers/server.js';
import {
  answer,
  assertReplayed,
  candidate,
  offer,
  openSse,
  request,
  sendWhileAway,
  type SsePeer,
} from './helpers/sse.js';
import { until } from './helpers/wait.js';

const seqOf = (id: string | undefined) => Number(id?.split(':').pop());

describe('SSE transport over real HTTP (PROTOCOLS.md §3)', () => {
  const schema = uniqueSchema('sse');
  let srv: TestServer;
  const sockets: TestPeer[] = [];
  const streams: SsePeer[] = [];
  const sse = async (options?: Parameters<typeof openSse>[1]) => {
    const peer = await openSse(srv.url, options);
    streams.push(peer);
    return peer;
  };
  const sio = async (userId: string) => {
    const peer = await connectSocketIo(srv.url, { userId });
    sockets.push(peer);
    return peer;
  };
  /** An SSE peer and a Socket.IO peer in one mesh room. */
  const pair = async (roomId: string) => {
    const a = await sse({ query: { userId: `sse-${roomId}` } });
    const b = await sio(`sio-${roomId}`);
    b.emit('video:join-room', { roomId });
    await b.next('video:room-state');
    const joined = await a.post(`/api/video/rooms/${roomId}/join`, { connectionId: a.id });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await b.next('video:user-joined');
    return { a, b, joined };
  };

  before(async () => {
    srv = await startServer({
      sseResumeWindow: 1000,
      sseHeartbeatInterval: 1000,
      extensions: [storeApi({ store: { databaseUrl: postgresUrl, pgSchema: schema } })],
    });
  });
  after(async () => {
    streams.forEach((s) => s.abort());
    await Promise.all(sockets.map((s) => s.close()));
    await srv.close();
    await dropSchema(schema);
  });

  it('starts with connected { connectionId, connectionToken }, numbers every event, sends heartbeats', async () => {
    const a = await sse({ query: { userId: 'ada', name: 'Ada' } });
    assert.equal(a.log[0]!.event, 'connected');
    assert.deepEqual(a.log[0]!.data, {
      connectionId: a.id,
      connectionToken: a.token,
      peerId: a.peerId,
      resumed: false,
      userId: 'ada',
      user: { id: 'ada', name: 'Ada', avatar: null },
    });
    assert.equal(seqOf(a.log[0]!.id), 1);
    // Its peer is a peer like any other: listed by its public peer id with transport "sse".
    const list = await request(srv.url, 'GET', '/api/connections');
    const me = list.body.connections.find((c: { id: string }) => c.id === a.peerId);
    assert.equal(me.transport, 'sse');
    await until('a heartbeat comment arrives', () => a.comments >= 1, 5000);
  });

  it('an SSE peer and a Socket.IO peer complete offer / answer / candidates both ways', async () => {
    const { a, b, joined } = await pair('call-1');
    assert.deepEqual(
      joined.body.participants.map((p: { socketId: string }) => p.socketId),
      [b.id],
    );
    const state = await a.next('video:room-state');
    assert.deepEqual(state.participants[0].socketId, b.id);

    const sent = await a.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'offer',
      data: offer,
    });
    assert.deepEqual(sent, { status: 200, body: { ok: true } });
    assert.deepEqual(await b.next('video:offer'), { from: a.peerId, offer });
    b.emit('video:answer', { to: a.peerId, answer });
    assert.deepEqual(await a.next('video:answer'), { from: b.id, answer });
    b.emit('video:ice-candidate', { to: a.peerId, candidate: candidate(1) });
    assert.deepEqual(await a.next('video:ice-candidate'), { from: b.id, candidate: candidate(1) });
    await a.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'ice-candidate',
      data: candidate(2),
    });
    assert.deepEqual(await b.next('video:ice-candidate'), {
      from: a.peerId,
      candidate: candidate(2),
    });
    // Socket.IO calls the SSE peer first, too.
    b.emit('video:offer', { to: a.peerId, offer });
    assert.deepEqual(await a.next('video:offer'), { from: b.id, offer });
    await a.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'answer',
      data: answer,
    });
    assert.deepEqual(await b.next('video:answer'), { from: a.peerId, answer });

    const seqs = a.log.map((e) => seqOf(e.id));
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => i + 1),
      'every event has the next id',
    );
  });

  it('takes the private connection id alone as proof; other peers know only the peer id', async () => {
    const a = await sse({ query: { userId: 'by-id' } });
    const b = await sio('watcher');
    b.emit('video:join-room', { roomId: 'by-id' });
    await b.next('video:room-state');
    assert.ok(Buffer.from(a.id, 'base64url').length >= 16, 'at least 128 random bits');
    assert.notEqual(a.id, a.peerId);
    // What SSE + REST clients send: the connectionId of their stream, no header.
    const path = '/api/video/rooms/by-id/join';
    const joined = await request(srv.url, 'POST', path, { connectionId: a.id });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal((await b.next('video:user-joined')).socketId, a.peerId);
    const sent = await request(srv.url, 'POST', '/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'offer',
      data: offer,
    });
    assert.equal(sent.status, 200);
    assert.deepEqual(await b.next('video:offer'), { from: a.peerId, offer });
    // The public id is no credential, and the private one reaches no other peer nor the list.
    const leave = '/api/video/rooms/by-id/leave';
    const borrowed = await request(srv.url, 'POST', leave, { connectionId: a.peerId });
    assert.equal(borrowed.status, 404);
    assert.equal(borrowed.body.error, 'unknown-connection');
    const list = await request(srv.url, 'GET', '/api/connections');
    for (const seen of [b.events.all, list.body]) assert.ok(!JSON.stringify(seen).includes(a.id));
  });

  it('refuses a call with a wrong connection token (401) and relays nothing', async () => {
    const { a, b } = await pair('call-2');
    const body = { connectionId: a.id, to: b.id, type: 'offer', data: offer };
    // Flip the last character to one it is not, so the token is wrong on every run.
    const last = a.token.endsWith('x') ? 'y' : 'x';
    const wrong = await request(srv.url, 'POST', '/api/webrtc/signal', body, {
      'X-Connection-Token': `${a.token.slice(0, -1)}${last}`,
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.message, /token/);
    const other = await sse();
    const stolen = await request(
      srv.url,
      'POST',
      '/api/video/rooms/call-2/leave',
      { connectionId: a.id },
      {
        'X-Connection-Token': other.token,
      },
    );
    assert.equal(stolen.status, 401);
    // A signal a may send reaches b after anything the refused calls would have caused.
    const marker = { ...body, type: 'answer', data: answer };
    await a.post('/api/webrtc/signal', marker);
    await b.events.noneBefore(b.next('video:answer'), ['video:offer', 'video:user-left']);
    // Not in a shared room: refused with the engine's reason, nothing relayed.
    const stranger = await other.post('/api/webrtc/signal', { ...body, connectionId: other.id });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.body.error, 'unknown-peer');
    await a.post('/api/webrtc/signal', marker);
    await b.events.noneBefore(b.next('video:answer'), ['video:offer']);
  });

  it('resumes with Last-Event-ID: same connection id, missed events once and in order', async () => {
    const { a, b } = await pair('call-3');
    await a.next('video:room-state');
    const last = a.lastEventId!;
    // Whether or not the server noticed the abort yet, what b sends now is kept for the resume.
    a.abort();
    // While the stream is down the peer lives on: it is still signalled and not announced gone.
    await sendWhileAway(b, a.peerId, 'call-3');

    const back = await sse({ lastEventId: last });
    assert.equal(back.id, a.id);
    assert.equal(back.resumed, true);
    await assertReplayed(back, last, b);
    // The resumed stream is live, and the same token still works.
    const sent = await back.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'answer',
      data: answer,
    });
    assert.equal(sent.status, 200);
    assert.deepEqual(await b.next('video:answer'), { from: a.peerId, answer });
    back.events.drain('video:ice-candidate');
    b.emit('video:ice-candidate', { to: a.peerId, candidate: candidate(4) });
    assert.deepEqual((await back.next('video:ice-candidate')).candidate, candidate(4));
    await back.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'answer',
      data: answer,
    });
    await b.events.noneBefore(b.next('video:answer'), ['video:user-left']);
  });

  it('ends the peer when the stream is not resumed within the window', async () => {
    const { a, b } = await pair('call-4');
    const last = a.lastEventId!;
    a.abort();
    const left = await b.next('video:user-left', 3000);
    assert.equal(left.socketId, a.peerId);
    const fresh = await sse({ lastEventId: last });
    assert.notEqual(fresh.id, a.id);
    assert.equal(fresh.resumed, false);
  });

  it('lets an SSE peer change its media state and chat, like any peer', async () => {
    const { a, b } = await pair('call-6');
    const media = await a.post('/api/video/rooms/call-6/media', {
      connectionId: a.id,
      isMuted: true,
      isSharingScreen: true,
    });
    assert.equal(media.status, 200, JSON.stringify(media.body));
    const userId = 'sse-call-6';
    assert.deepEqual(await b.next('video:peer-audio-changed'), {
      socketId: a.peerId,
      userId,
      isMuted: true,
    });
    assert.deepEqual(await b.next('video:peer-screen-share'), {
      socketId: a.peerId,
      userId,
      isSharing: true,
    });
    const chat = await a.post('/api/video/rooms/call-6/messages', {
      connectionId: a.id,
      message: 'merhaba',
    });
    assert.equal(chat.status, 200);
    const received = await b.next('chat:video-message-received');
    assert.equal(received.message, 'merhaba');
    assert.equal(received.socketId, a.peerId);
    assert.equal(chat.body.message.id, received.id);
    // A later joiner sees the SSE peer's media state.
    const c = await sio('late');
    c.emit('video:join-room', { roomId: 'call-6' });
    const state = await c.next('video:room-state');
    const mine = state.participants.find((p: { socketId: string }) => p.socketId === a.peerId);
    assert.deepEqual([mine.isMuted, mine.isSharingScreen, mine.isVideoOff], [true, true, false]);

    const empty = await a.post('/api/video/rooms/call-6/media', { connectionId: a.id });
    assert.equal(empty.status, 400);
    const blank = await a.post('/api/video/rooms/call-6/messages', {
      connectionId: a.id,
      message: ' ',
    });
    assert.deepEqual([blank.status, blank.body.error], [400, 'invalid-payload']);
    const elsewhere = await a.post('/api/video/rooms/other/messages', {
      connectionId: a.id,
      message: 'x',
    });
    assert.deepEqual([elsewhere.status, elsewhere.body.error], [403, 'not-in-room']);
  });

  it('DELETE /api/connections/:id disconnects SSE and Socket.IO peers and tells their rooms', async () => {
    const { a, b } = await pair('call-5');
    const kicked = await request(srv.url, 'DELETE', `/api/connections/${a.peerId}?reason=test`);
    assert.deepEqual(kicked, { status: 200, body: { ok: true, id: a.peerId } });
    assert.deepEqual(await a.next('kicked'), { reason: 'test' });
    assert.deepEqual(await a.next('disconnect'), { reason: 'test' });
    await a.ended;
    assert.equal((await b.next('video:user-left')).socketId, a.peerId);
    // Kicked means gone: resuming is answered 204, which stops an EventSource.
    await assert.rejects(
      sse({ lastEventId: a.lastEventId! }),
      (e: { status: number }) => e.status === 204,
    );

    const kickedSio = await request(srv.url, 'DELETE', `/api/connections/${b.id}`);
    assert.equal(kickedSio.status, 200);
    // Told before the connection ends, so a client knows not to reconnect.
    assert.deepEqual(await b.next('kicked'), { reason: 'disconnected by an admin' });
    await b.next('disconnect');
    const unknown = await request(srv.url, 'DELETE', `/api/connections/${b.id}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'unknown-connection');
  });
});
