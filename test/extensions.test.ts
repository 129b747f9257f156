import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adminApi, sseApi, storeApi, storeExtension } from '../src/api/extension.js';
import { createServer } from '../src/server.js';
import { connectSocketIo } from './helpers/clients.js';
import { startServer } from './helpers/server.js';
import { offer, openSse, request } from './helpers/sse.js';

const checkNames = async (url: string): Promise<string[]> =>
  (await request(url, 'GET', '/health')).body.checks.map((c: { name: string }) => c.name);

describe('the store, the SSE transport and the admin API as three extensions', () => {
  it('serves SSE + REST without a store, its transport on server.transports beside the others', async () => {
    const srv = await startServer({ extensions: [sseApi()] });
    const b = await connectSocketIo(srv.url, { userId: 'sio' });
    const a = await openSse(srv.url, { query: { userId: 'sse' } });
    try {
      const { io, websocket, peerjs, transports } = srv.server;
      assert.equal(transports.io, io);
      assert.equal(transports.websocket, websocket);
      assert.equal(transports.peerjs, peerjs);
      assert.equal(transports.sse?.size, 1);
      b.emit('video:join-room', { roomId: 'no-store' });
      await b.next('video:room-state');
      const joined = await a.post('/api/video/rooms/no-store/join', { connectionId: a.id });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      const sent = { connectionId: a.id, to: b.id, type: 'offer', data: offer };
      assert.deepEqual(await a.post('/api/webrtc/signal', sent), {
        status: 200,
        body: { ok: true },
      });
      assert.deepEqual(await b.next('video:offer'), { from: a.peerId, offer });
      // No store and no admin API: their routes and health check are not there.
      assert.equal((await request(srv.url, 'GET', '/api/video/rooms')).status, 404);
      assert.equal((await request(srv.url, 'GET', '/api/logs')).status, 404);
      assert.ok(!(await checkNames(srv.url)).includes('store'));
    } finally {
      a.abort();
      await b.close();
      await srv.close();
    }
  });

  it('closes what earlier extensions opened when a later one fails to set up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-ext-'));
    const broken = {
      name: 'broken',
      setup() {
        throw new Error('broken setup');
      },
    };
    try {
      await assert.rejects(
        createServer({ dataDir, extensions: [storeApi(), broken] }),
        /broken setup/,
      );
      // The store's worker and its DATA_DIR lock went with the refusal: the directory opens again.
      const srv = await startServer({ dataDir, extensions: [storeApi()] });
      await srv.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs the store and the admin API without SSE', async () => {
    const store = storeExtension({ store: { dataDir: 'memory://' } });
    const srv = await startServer({ extensions: [store, adminApi({ store })] });
    try {
      assert.equal(srv.server.transports.sse, undefined);
      assert.equal((await request(srv.url, 'GET', '/api/events')).status, 404);
      const created = await request(srv.url, 'POST', '/api/video/rooms', {
        roomId: 'kept',
        name: 'Kept',
        hostId: 'host',
        maxParticipants: 4,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(
        store.store?.persistentRooms().map((r) => r.roomId),
        ['kept'],
      );
      const stats = await request(srv.url, 'GET', '/api/stats');
      assert.equal(stats.body.sseStreams, 0);
      assert.ok((await checkNames(srv.url)).includes('store'));
      // Admin CORS still answers preflights, though no SSE extension registered the route.
      const preflight = await fetch(new URL('/api/logs', srv.url), {
        method: 'OPTIONS',
        headers: { Origin: srv.url, 'Access-Control-Request-Method': 'GET' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), srv.url);
    } finally {
      await srv.close();
    }
  });

  it('refuses an admin API set up before its store, saying so', async () => {
    const store = storeExtension({ store: { dataDir: 'memory://' } });
    await assert.rejects(
      createServer({ logLevel: 'silent', extensions: [adminApi({ store }), store] }),
      /admin API needs the store extension set up before it/,
    );
  });

  it('storeApi() is the three, in order, with the store they share', async () => {
    const api = storeApi({ store: { dataDir: 'memory://' } });
    assert.deepEqual(
      api.map((e) => e.name),
      ['store', 'sse', 'admin-api'],
    );
    const srv = await startServer({ extensions: [api] });
    try {
      assert.equal(api.store, api[0].store);
      assert.ok(api.store);
      assert.equal(srv.server.transports.sse, api[1].transport);
      assert.ok(srv.server.transports.sse);
    } finally {
      await srv.close();
    }
  });
});
