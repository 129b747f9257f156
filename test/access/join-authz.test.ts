import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startFullServer } from '../helpers/access.js';
import { connectSocketIo, connectWebSocket, type TestPeer } from '../helpers/clients.js';
import { freePort } from '../helpers/cluster.js';
import type { TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

interface AppServer {
  url: string;
  calls: Array<{ userId: string; roomId: string; kind: string; authorization?: string }>;
  close(): Promise<void>;
}

/**
 * The app's membership endpoint: members of a room are listed by name; `hang-*` rooms never
 * answer; `broken-*` rooms answer 500.
 */
async function startApp(members: Record<string, string[]>): Promise<AppServer> {
  const calls: AppServer['calls'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = JSON.parse(body) as AppServer['calls'][number];
      calls.push({ ...call, authorization: req.headers.authorization });
      if (call.roomId.startsWith('hang-')) return; // never answers
      if (call.roomId.startsWith('broken-')) {
        res.writeHead(500).end('oops');
        return;
      }
      const allow = members[call.roomId]?.includes(call.userId) ?? false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          allow ? { allow } : { allow, reason: `${call.userId} is not a member of this study` },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/check-member`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('JOIN_AUTHZ_URL (fail closed, the default)', () => {
  let app: AppServer;
  let srv: TestServer;
  const peers: TestPeer[] = [];
  before(async () => {
    app = await startApp({ 'study-1': ['ada', 'bob'], 'room-1': ['ada'] });
    srv = await startFullServer({
      joinAuthzUrl: app.url,
      joinAuthzSecret: 'app-shared-secret',
      joinAuthzTimeout: 2000,
      joinAuthzCacheTtl: 60_000,
    });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
    await app.close();
  });

  it('asks the app with { userId, roomId, kind } and lets a member in', async () => {
    const ada = await connectSocketIo(srv.url, { userId: 'ada' });
    peers.push(ada);
    ada.emit('presence:join-study', { studyId: 'study-1' });
    ada.emit('video:join-room', { roomId: 'room-1' });
    await ada.next('video:room-state');
    assert.deepEqual(
      app.calls.map(({ userId, roomId, kind }) => ({ userId, roomId, kind })),
      [
        { userId: 'ada', roomId: 'study-1', kind: 'presence' },
        { userId: 'ada', roomId: 'room-1', kind: 'mesh' },
      ],
    );
    assert.equal(app.calls[0]!.authorization, 'Bearer app-shared-secret');
  });

  it('denies a non-member with the app’s reason; the room hears nothing', async () => {
    const ada = peers[0]!;
    const bob = await connectWebSocket(srv.url, { userId: 'bob' });
    peers.push(bob);
    bob.emit('video:join-room', { roomId: 'room-1' });
    const error = await bob.next('error');
    assert.equal(error.code, 'forbidden');
    assert.equal(error.message, 'bob is not a member of this study');
    ada.emit('marker', {}); // answered with an error after anything sent to her before
    await ada.events.noneBefore(ada.next('error'), ['video:user-joined']);
    // SSE + REST: a 403 with the same reason.
    const sse = await openSse(srv.url, { query: { userId: 'bob' } });
    const refused = await sse.post('/api/video/rooms/room-1/join', { connectionId: sse.id });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.message, 'bob is not a member of this study');
    sse.abort();
  });

  it('caches answers: the same user, room and kind is asked once', async () => {
    const before = app.calls.length;
    const ada2 = await connectSocketIo(srv.url, { userId: 'ada' });
    peers.push(ada2);
    ada2.emit('video:join-room', { roomId: 'room-1' });
    await ada2.next('video:room-state');
    assert.equal(app.calls.length, before);
  });

  it('an app that hangs: refused within the timeout (authz-unavailable), connection stays', async () => {
    const cy = await connectSocketIo(srv.url, { userId: 'cy' });
    peers.push(cy);
    const started = Date.now();
    cy.emit('video:join-room', { roomId: 'hang-1' });
    const error = await cy.next('error', 10_000);
    assert.equal(error.code, 'authz-unavailable');
    assert.ok(Date.now() - started < 9000, 'answered within about JOIN_AUTHZ_TIMEOUT_MS');
    cy.emit('join-room', { roomId: 'broken-1' });
    assert.equal((await cy.next('error')).code, 'authz-unavailable');
  });

  it('an app that is down: refused with authz-unavailable', async () => {
    const downUrl = `http://127.0.0.1:${await freePort()}/check`;
    const down = await startFullServer({ joinAuthzUrl: downUrl });
    try {
      const peer = await connectSocketIo(down.url, { userId: 'ada' });
      peer.emit('video:join-room', { roomId: 'room-1' });
      const error = await peer.next('error', 10_000);
      assert.equal(error.code, 'authz-unavailable');
      assert.match(error.message, /try again/);
      await peer.close();
    } finally {
      await down.close();
    }
  });
});

describe('JOIN_AUTHZ_ON_ERROR=allow (fail open)', () => {
  it('lets joins through while the app hangs or is down, and still obeys its denials', async () => {
    const app = await startApp({ 'room-1': ['ada'] });
    const srv = await startFullServer({
      joinAuthzUrl: app.url,
      joinAuthzTimeout: 1500,
      joinAuthzOnError: 'allow',
    });
    try {
      const peer = await connectSocketIo(srv.url, { userId: 'bob' });
      peer.emit('video:join-room', { roomId: 'hang-2' });
      await peer.next('video:room-state', 10_000);
      peer.emit('video:join-room', { roomId: 'room-1' });
      assert.equal((await peer.next('error')).code, 'forbidden');
      await peer.close();
    } finally {
      await srv.close();
      await app.close();
    }
  });
});
