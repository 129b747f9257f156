import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connect, connectSocketIo, connectWebSocket, type TestPeer } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';

const store = () => [storeApi({ store: { dataDir: 'memory://' } })];
const refused = ['http://evil.example', 'http://good.example.evil.example', 'null'];

describe('ALLOWED_ORIGINS on every WebSocket upgrade and SSE stream', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ allowedOrigins: ['http://good.example'], extensions: store() });
  });
  after(() => srv.close());

  it('connects the allowed origin and clients that send none', async () => {
    for (const transport of ['socket.io', 'websocket'] as const) {
      const good = await connect(transport, srv.url, { origin: 'http://good.example' });
      const native = await connect(transport, srv.url);
      await good.close();
      await native.close();
    }
  });

  it('refuses other origins, null and look-alikes on Socket.IO, /ws and SSE', async () => {
    for (const origin of refused) {
      await assert.rejects(connectSocketIo(srv.url, { origin }), origin);
      await assert.rejects(connectWebSocket(srv.url, { origin }), /403/, origin);
      const sse = await request(srv.url, 'GET', '/api/events', undefined, { Origin: origin });
      assert.equal(sse.status, 403, origin);
      assert.equal(sse.body.error, 'origin-not-allowed');
    }
  });
});

describe('admin without a credential', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ extensions: store() });
  });
  after(() => srv.close());

  it('answers callers on this machine only, in development too', async () => {
    const local = await request(srv.url, 'DELETE', '/api/connections/nobody');
    assert.equal(local.status, 404);
    const forwarded = { 'X-Forwarded-For': '203.0.113.9' };
    for (const [method, path, body] of [
      ['DELETE', '/api/connections/nobody', undefined],
      ['POST', '/api/broadcast', { hello: 1 }],
      ['GET', '/api/logs', undefined],
      ['DELETE', '/api/logs', undefined],
      ['POST', '/api/settings', { key: 'max_connections', value: '1' }],
    ] as const) {
      const res = await request(srv.url, method, path, body, forwarded);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error, 'admin-local-only');
      assert.match(res.body.message, /ADMIN_TOKEN/);
    }
  });
});

describe('what anonymous callers can list in production', () => {
  const adminToken = 'an-admin-token-of-enough-length';
  let srv: TestServer;
  let peer: TestPeer;
  before(async () => {
    srv = await startServer({ nodeEnv: 'production', adminToken, extensions: store() });
    peer = await connectSocketIo(srv.url);
    peer.emit('video:join-room', { roomId: 'secret-room' });
    await peer.next('video:room-state');
  });
  after(async () => {
    await peer.close();
    await srv.close();
  });

  it('counts but no room ids, unless the admin token is given', async () => {
    const admin = { Authorization: `Bearer ${adminToken}` };
    const metrics = await request(srv.url, 'GET', '/metrics');
    assert.equal(metrics.body.rooms, 1);
    assert.deepEqual(metrics.body.roomDetails, []);
    assert.equal(typeof metrics.body.memory.rss, 'number');
    const full = await request(srv.url, 'GET', '/metrics', undefined, admin);
    assert.deepEqual(full.body.roomDetails, [{ name: 'video:secret-room', participants: 1 }]);
    const stats = await request(srv.url, 'GET', '/api/stats');
    assert.deepEqual(stats.body.roomDetails, []);
    const rooms = await request(srv.url, 'GET', '/api/video/rooms');
    assert.deepEqual(rooms.body.rooms, []);
    const adminRooms = await request(srv.url, 'GET', '/api/video/rooms', undefined, admin);
    assert.equal(adminRooms.body.rooms[0].roomId, 'secret-room');
  });
});
