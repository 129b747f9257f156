import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFullServer } from './helpers/access.js';
import { connectSocketIo, type TestPeer } from './helpers/clients.js';
import type { TestServer } from './helpers/server.js';
import { offer, openSse, type SsePeer } from './helpers/sse.js';
import { until } from './helpers/wait.js';

/** The app's membership check (JOIN_AUTHZ_URL): it holds each answer until the test allows it. */
async function startHoldingApp() {
  const waiting: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => waiting.push(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`,
    waiting,
    allowNext() {
      waiting.shift()!.writeHead(200, { 'content-type': 'application/json' }).end('{"allow":true}');
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('SSE + REST calls of a peer whose join is in flight', () => {
  let app: Awaited<ReturnType<typeof startHoldingApp>>;
  let srv: TestServer;
  let bob: TestPeer;
  let ada: SsePeer;
  before(async () => {
    app = await startHoldingApp();
    srv = await startFullServer({ joinAuthzUrl: app.url, joinAuthzTimeout: 10_000 });
  });
  after(async () => {
    ada?.abort();
    await bob?.close();
    await srv.close();
    await app.close();
  });

  it('answers each call with its real outcome once its turn came, not 202 queued', async () => {
    bob = await connectSocketIo(srv.url, { userId: 'bob' });
    bob.emit('video:join-room', { roomId: 'busy' });
    await until('bob’s join is asked about', () => app.waiting.length === 1);
    app.allowNext();
    await bob.next('video:room-state');
    ada = await openSse(srv.url, { query: { userId: 'ada' } });
    const connectionId = ada.id;
    const join = ada.post('/api/video/rooms/busy/join', { connectionId });
    await until('ada’s join is asked about', () => app.waiting.length === 1);
    // Ada's join is in flight: these wait their turn behind it.
    const signal = { connectionId, type: 'offer', data: offer };
    const relayed = ada.post('/api/webrtc/signal', { ...signal, to: bob.id });
    const unknown = ada.post('/api/webrtc/signal', { ...signal, to: 'nobody' });
    const notIn = ada.post('/api/video/rooms/elsewhere/leave', { connectionId });
    const backlog = () => srv.server.engine.local.get(ada.peerId)?.backlog?.length;
    await until('ada’s three calls wait behind her join', () => backlog() === 3);
    app.allowNext();
    const joined = await join;
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.deepEqual(
      joined.body.participants.map((p: { socketId: string }) => p.socketId),
      [bob.id],
    );
    assert.deepEqual((await relayed).body, { ok: true });
    assert.deepEqual(await bob.next('video:offer'), { from: ada.peerId, offer });
    const refused = [await unknown, await notIn].map((r) => [r.status, r.body.error]);
    assert.deepEqual(refused, [
      [404, 'unknown-peer'],
      [403, 'not-in-room'],
    ]);
  });
});
