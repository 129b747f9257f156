import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connectSocketIo, connectWebSocket, type TestPeer } from './helpers/clients.js';
import { dropSchema, postgresUrl, uniqueSchema } from './helpers/pg.js';
import { startServer, type TestServer } from './helpers/server.js';
import { openSse, request, type SsePeer } from './helpers/sse.js';
import { until } from './helpers/wait.js';

describe('REST API (PROTOCOLS.md §3)', () => {
  const schema = uniqueSchema('api');
  let srv: TestServer;
  const peers: TestPeer[] = [];
  const streams: SsePeer[] = [];
  const sse = async (userId?: string) => {
    const peer = await openSse(srv.url, { query: userId ? { userId } : {} });
    streams.push(peer);
    return peer;
  };
  const sio = async (userId?: string) => {
    const peer = await connectSocketIo(srv.url, { userId });
    peers.push(peer);
    return peer;
  };
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    request(srv.url, method, path, body, headers);
  /** Logs are written in batches (every 200 ms by default): poll until they land. */
  const logsUntil = async (query: string, count: number) => {
    let body: Awaited<ReturnType<typeof api>>['body'];
    await until(`${count} logs for ${query}`, async () => {
      body = (await api('GET', `/api/logs?${query}`)).body;
      return body.total >= count;
    });
    return body;
  };

  before(async () => {
    srv = await startServer({
      extensions: [storeApi({ store: { databaseUrl: postgresUrl, pgSchema: schema } })],
    });
  });
  after(async () => {
    streams.forEach((s) => s.abort());
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
    await dropSchema(schema);
  });

  it('answers every bad body, query and JSON with 400 { error, message }', async () => {
    const a = await sse();
    const token = { 'X-Connection-Token': a.token };
    const cases: Array<[string, string, unknown, Record<string, string>?]> = [
      ['POST', '/api/video/rooms', {}],
      ['POST', '/api/video/rooms', { name: 'x', hostId: 'h', maxParticipants: 1 }],
      ['POST', '/api/video/rooms', { name: '', hostId: 'h', maxParticipants: 4 }],
      ['POST', '/api/video/rooms', { name: 'x', hostId: 'h', maxParticipants: 'ten' }],
      ['POST', '/api/video/rooms', '{bad json'],
      ['POST', '/api/video/rooms', '[1, 2]'],
      ['POST', '/api/video/rooms/r/join', {}, token],
      ['POST', '/api/video/rooms/r/join', { connectionId: '' }, token],
      ['POST', '/api/video/rooms/r/leave', { connectionId: 42 }, token],
      [
        'POST',
        '/api/webrtc/signal',
        { connectionId: a.id, to: 'b', type: 'bogus', data: {} },
        token,
      ],
      [
        'POST',
        '/api/webrtc/signal',
        { connectionId: a.id, to: 'b', type: 'offer', data: 'sdp' },
        token,
      ],
      ['POST', '/api/webrtc/signal', { connectionId: a.id, type: 'offer', data: {} }, token],
      ['POST', '/api/broadcast', '[1]'],
      ['POST', '/api/broadcast', '"text"'],
      ['POST', '/api/broadcast', '{"__proto__": {"admin": true}}'],
      ['POST', '/api/broadcast', { nested: { constructor: 1 } }],
      ['POST', '/api/settings', { key: 'bad key!', value: '1' }],
      ['POST', '/api/settings', { key: '__proto__', value: 1 }],
      ['POST', '/api/settings', { key: 'constructor', value: 1 }],
      ['POST', '/api/settings', { key: 'max_connections', value: '-5' }],
      ['POST', '/api/settings', { key: 'default_room_capacity', value: 'abc' }],
      ['POST', '/api/settings', { key: 'motd' }],
      ['POST', '/api/settings', { key: 'motd', value: 'hello' }],
      ['POST', '/api/settings', { key: 'hasOwnProperty', value: 1 }],
      ['GET', '/api/logs?limit=0', undefined],
      ['GET', '/api/logs?limit=abc', undefined],
      ['GET', '/api/logs?since=not-a-date', undefined],
      ['DELETE', '/api/logs?until=yesterday', undefined],
    ];
    for (const [method, path, body, headers] of cases) {
      const res = await api(method, path, body, headers);
      const what = `${method} ${path} ${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`;
      assert.equal(res.status, 400, what);
      assert.equal(typeof res.body.error, 'string', what);
      assert.ok(typeof res.body.message === 'string' && res.body.message.length > 3, what);
    }
    // CORS as for Socket.IO (any origin unless ALLOWED_ORIGINS), the SSE stream included.
    const preflight = await fetch(new URL('/api/webrtc/signal', srv.url), {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Connection-Token/);
    const stream = await fetch(new URL('/api/events', srv.url), {
      headers: { Origin: 'https://app.example' },
    });
    assert.equal(stream.headers.get('access-control-allow-origin'), 'https://app.example');
    await stream.body?.cancel();
    const unknown = await api('GET', '/api/nothing-here');
    assert.deepEqual([unknown.status, unknown.body.error], [404, 'not-found']);
  });

  it('refuses a valid-looking signal whose SDP the engine rejects, with its reason', async () => {
    const a = await sse();
    const b = await sio();
    b.emit('video:join-room', { roomId: 'sdp-room' });
    await b.next('video:room-state');
    await a.post('/api/video/rooms/sdp-room/join', { connectionId: a.id });
    const res = await a.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'offer',
      data: { type: 'bogus', sdp: 'x' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid-payload');
    const answer = { type: 'answer', sdp: 'v=0\r\n' };
    await a.post('/api/webrtc/signal', {
      connectionId: a.id,
      to: b.id,
      type: 'answer',
      data: answer,
    });
    await b.events.noneBefore(b.next('video:answer'), ['video:offer']);
  });

  it('enforces a persistent room maxParticipants on every transport and lists rooms', async () => {
    const created = await api('POST', '/api/video/rooms', {
      roomId: 'duo',
      name: 'Duo',
      hostId: 'host-1',
      maxParticipants: 2,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.maxParticipants, 2);
    const again = await api('POST', '/api/video/rooms', {
      roomId: 'duo',
      name: 'Other',
      hostId: 'h',
      maxParticipants: 5,
    });
    assert.deepEqual([again.status, again.body.error], [409, 'room-exists']);
    await api('POST', '/api/video/rooms', {
      roomId: 'empty',
      name: 'E',
      hostId: 'h',
      maxParticipants: 4,
    });

    const one = await sio('one');
    one.emit('video:join-room', { roomId: 'duo' });
    await one.next('video:room-state');
    const two = await sse('two');
    const joined = await two.post('/api/video/rooms/duo/join', { connectionId: two.id });
    assert.equal(joined.status, 200);
    const three = await sio('three');
    three.emit('video:join-room', { roomId: 'duo' });
    assert.equal((await three.next('room-full')).roomId, 'duo');
    const four = await sse('four');
    const refused = await four.post('/api/video/rooms/duo/join', { connectionId: four.id });
    assert.deepEqual([refused.status, refused.body.error], [409, 'room-full']);
    // A non-persistent room keeps the default capacity (8): three fit.
    for (const p of [three, await sio()]) {
      p.emit('video:join-room', { roomId: 'adhoc' });
      await p.next('video:room-state');
    }

    const rooms = (await api('GET', '/api/video/rooms')).body.rooms as Array<{
      roomId: string;
      participants: number;
      persistent: boolean;
      maxParticipants: number;
    }>;
    const byId = Object.fromEntries(rooms.map((r) => [r.roomId, r]));
    assert.deepEqual(
      [byId.duo?.participants, byId.duo?.persistent, byId.duo?.maxParticipants],
      [2, true, 2],
    );
    assert.deepEqual([byId.empty?.participants, byId.empty?.persistent], [0, true]);
    assert.deepEqual([byId.adhoc?.participants, byId.adhoc?.persistent], [2, false]);
  });

  it('applies settings live: default room capacity and max connections', async () => {
    const cap = await api('POST', '/api/settings', {
      key: 'default_room_capacity',
      value: 2,
      description: 'small rooms',
    });
    assert.equal(cap.status, 200);
    assert.equal(cap.body.applied, true);
    assert.equal(cap.body.live.meshRoomCapacity, 2);
    const [x, y, z] = [await sio(), await sio(), await sio()];
    for (const p of [x, y]) {
      p.emit('video:join-room', { roomId: 'tiny' });
      await p.next('video:room-state');
    }
    z.emit('video:join-room', { roomId: 'tiny' });
    await z.next('room-full');

    const live = srv.server.engine.local.size;
    await api('POST', '/api/settings', { key: 'max_connections', value: String(live + 1) });
    await sse();
    await assert.rejects(sse(), (e: { status: number; body: string }) => {
      assert.equal(e.status, 503);
      assert.equal(JSON.parse(e.body).error, 'server-busy');
      return true;
    });
    await api('POST', '/api/settings', { key: 'max_connections', value: '0' });
    await api('POST', '/api/settings', { key: 'default_room_capacity', value: '8' });
    await sse();

    const listed = await api('GET', '/api/settings');
    const stored = Object.fromEntries(
      listed.body.settings.map((s: { key: string; value: string }) => [s.key, s.value]),
    );
    assert.deepEqual([stored.max_connections, stored.default_room_capacity], ['0', '8']);
    assert.equal(listed.body.live.maxConnections, 0);
  });

  it('broadcasts to every client as the event "broadcast", to SSE clients as an unnamed message', async () => {
    const [s, w, e] = [await sio(), await connectWebSocket(srv.url), await sse()];
    peers.push(w);
    const message = { type: 'notification', message: 'Yeni güncelleme mevcut!' };
    const sent = await api('POST', '/api/broadcast', message);
    assert.equal(sent.status, 200);
    assert.ok(sent.body.recipients >= 3);
    assert.deepEqual(await s.next('broadcast'), message);
    assert.deepEqual(await w.next('broadcast'), message);
    // SSE + REST clients read broadcasts with `eventSource.onmessage`: no `event:` line.
    assert.deepEqual(await e.next('message'), message);
    assert.equal(e.log.filter((x) => x.event === 'broadcast').length, 0);
  });

  it('keeps an event log of joins, leaves, refusals and admin actions; filters, pages, clears', async () => {
    const a = await sio('logger');
    a.emit('video:join-room', { roomId: 'logged' });
    await a.next('video:room-state');
    a.emit('video:offer', { to: 'nobody', offer: { type: 'offer', sdp: 'x' } });
    await a.next('error');
    a.emit('video:leave-room', { roomId: 'logged' });
    const joins = await logsUntil('roomId=logged', 2);
    assert.deepEqual(
      joins.logs.map((l: { type: string }) => l.type),
      ['leave', 'join'],
    );
    assert.equal(joins.logs[1].peerId, a.id);
    assert.equal(joins.logs[1].userId, 'logger');
    const refused = await logsUntil(`type=refused&peerId=${a.id}`, 1);
    assert.equal(refused.logs[0].details.code, 'unknown-peer');
    const admin = await logsUntil('type=admin', 1);
    const actions = admin.logs.map((l: { details: { action: string } }) => l.details.action);
    assert.ok(actions.includes('broadcast') && actions.includes('room-created'), String(actions));

    const page = await api('GET', '/api/logs?limit=1&offset=1');
    assert.equal(page.body.logs.length, 1);
    assert.ok(page.body.total > 2);
    const future = await api(
      'GET',
      `/api/logs?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    assert.equal(future.body.total, 0);

    const cleared = await api('DELETE', '/api/logs?roomId=logged');
    assert.deepEqual([cleared.status, cleared.body.deleted], [200, 2]);
    assert.equal((await api('GET', '/api/logs?roomId=logged')).body.total, 0);
  });

  it('reports cluster-wide stats and serves the OpenAPI document at /docs', async () => {
    const stats = (await api('GET', '/api/stats')).body;
    assert.equal(stats.connections, [...srv.server.engine.cluster.peers()].length);
    assert.ok(stats.byTransport['socket.io'] >= 1 && stats.byTransport.sse >= 1);
    assert.equal(stats.store.kind, 'postgres');
    assert.ok(stats.store.totals.eventLogs > 0);
    assert.ok(stats.store.totals.messages >= 1, 'the broadcast is kept in messages');

    const html = await fetch(new URL('/docs', srv.url));
    assert.equal(html.status, 200);
    assert.match(await html.text(), /swagger/i);
    const doc = (await api('GET', '/docs/json')).body;
    for (const path of [
      '/api/events',
      '/api/broadcast',
      '/api/connections',
      '/api/connections/{id}',
      '/api/video/rooms',
      '/api/video/rooms/{roomId}/join',
      '/api/video/rooms/{roomId}/leave',
      '/api/webrtc/signal',
      '/api/stats',
      '/api/logs',
      '/api/settings',
      '/health',
      '/metrics',
      '/api/ice-servers',
    ]) {
      assert.ok(doc.paths[path], `OpenAPI lacks ${path}`);
    }
    // Preflights, the demo page and its files are not operations.
    for (const path of Object.keys(doc.paths)) {
      assert.ok(!path.includes('*') && path !== '/' && !path.startsWith('/assets'), path);
    }
    // Users' words, not internal document numbers.
    assert.doesNotMatch(JSON.stringify(doc), /reference \d|PROTOCOLS\.md/i);
    const signal =
      doc.paths['/api/webrtc/signal'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(signal.properties.type.enum, ['offer', 'answer', 'ice-candidate']);
  });
});

describe('admin endpoints switch (ADMIN_API / ADMIN_TOKEN)', () => {
  const schema = uniqueSchema('admin');
  const servers: TestServer[] = [];
  const start = async (options: Parameters<typeof startServer>[0]) => {
    const srv = await startServer({
      ...options,
      extensions: [storeApi({ store: { databaseUrl: postgresUrl, pgSchema: schema } })],
    });
    servers.push(srv);
    return srv;
  };
  after(async () => {
    for (const srv of servers) await srv.close();
    await dropSchema(schema);
  });

  it('is off in production without a token; public routes stay on', async () => {
    const srv = await start({ nodeEnv: 'production' });
    for (const [method, path] of [
      ['GET', '/api/connections'],
      ['GET', '/api/logs'],
      ['GET', '/api/settings'],
      ['POST', '/api/broadcast'],
    ] as const) {
      const res = await request(srv.url, method, path, method === 'POST' ? { a: 1 } : undefined);
      assert.deepEqual([res.status, res.body.error], [403, 'admin-disabled'], `${method} ${path}`);
    }
    assert.equal((await request(srv.url, 'GET', '/api/video/rooms')).status, 200);
  });

  it('requires Authorization: Bearer <ADMIN_TOKEN> when a token is set', async () => {
    const adminToken = 'a-long-admin-token-0123';
    const srv = await start({ nodeEnv: 'production', adminToken });
    const none = await request(srv.url, 'GET', '/api/connections');
    assert.deepEqual([none.status, none.body.error], [401, 'unauthorized']);
    const wrong = await request(srv.url, 'GET', '/api/connections', undefined, {
      Authorization: 'Bearer nope',
    });
    assert.equal(wrong.status, 401);
    const ok = await request(srv.url, 'GET', '/api/connections', undefined, {
      Authorization: `Bearer ${adminToken}`,
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.total, 0);
  });
});
