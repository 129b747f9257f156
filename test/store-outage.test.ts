import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { storeApi } from '../src/api/extension.js';
import { connectSocketIo, type TestPeer } from './helpers/clients.js';
import { dropSchema, postgresUrl, query, uniqueSchema } from './helpers/pg.js';
import { startServer, type TestServer } from './helpers/server.js';
import { openSse, request } from './helpers/sse.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/wait.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };

describe('PostgreSQL stopped mid-run', () => {
  const schema = uniqueSchema('outage');
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(postgresUrl).port || 5432));
  const lines: string[] = [];
  let srv: TestServer;
  const peers: TestPeer[] = [];
  const health = async () => {
    const body = (await request(srv.url, 'GET', '/health')).body;
    return {
      status: body.status,
      store: body.checks.find((c: { name: string }) => c.name === 'store'),
    };
  };

  before(async () => {
    await proxy.start();
    const url = new URL(postgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    srv = await startServer({
      logger: pino({ level: 'warn' }, sink),
      extensions: [
        storeApi({
          store: {
            databaseUrl: url.toString(),
            pgSchema: schema,
            writer: { flushInterval: 50, maxRetryDelay: 200, maxBuffered: 40 },
          },
        }),
      ],
    });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
    await proxy.close();
    await dropSchema(schema);
  });

  it('keeps signaling, reports the backlog and drops, and writes the buffer when it returns', async () => {
    assert.equal((await health()).status, 'ok');
    await proxy.cut();

    // Signaling goes on over Socket.IO and SSE while the database is unreachable.
    const a = await connectSocketIo(srv.url, { userId: 'during-a' });
    const b = await connectSocketIo(srv.url, { userId: 'during-b' });
    peers.push(a, b);
    for (const p of [a, b]) {
      p.emit('video:join-room', { roomId: 'outage-room' });
      await p.next('video:room-state');
    }
    a.emit('video:offer', { to: b.id, offer });
    assert.deepEqual(await b.next('video:offer'), { from: a.id, offer });
    const s = await openSse(srv.url, { query: { userId: 'during-sse' } });
    const joined = await s.post('/api/video/rooms/outage-room/join', { connectionId: s.id });
    assert.equal(joined.status, 200);
    s.abort();

    // Reads that need the database say so (503) instead of hanging or crashing.
    const logs = await request(srv.url, 'GET', '/api/logs');
    assert.deepEqual([logs.status, logs.body.error], [503, 'database-unavailable']);

    let during = await health();
    await until('the store reports it', async () => !(during = await health()).store.ok);
    assert.equal(during.status, 'degraded');
    assert.equal(during.store.ok, false);
    assert.ok(during.store.buffered > 0, JSON.stringify(during));
    assert.equal(during.store.dropped, 0);

    // Past the bound (40), writes are dropped and counted, never silently.
    for (let i = 0; i < 60; i++) a.emit('video:offer', { to: 'nobody', offer });
    await until('writes are dropped', async () => (during = await health()).store.dropped > 0);
    assert.match(during.store.detail, /dropped/);
    await until('the drop is logged', () => lines.some((l) => l.includes('events dropped')));
    assert.ok(
      lines.some((l) => l.includes('database unreachable')),
      lines.join(''),
    );
    assert.ok(
      lines.some((l) => l.includes('history buffer full: events dropped')),
      lines.join(''),
    );

    await proxy.restore();
    let back = await health();
    await until('the store is back and drained', async () => {
      back = await health();
      return back.store.buffered === 0 && back.store.ok;
    });
    assert.equal(back.status, 'ok');
    assert.equal(back.store.buffered, 0);

    // What was buffered landed, with the times the events happened.
    const joins = await query<{ peer_id: string }>(
      `select peer_id from "${schema}".event_logs where type = 'join' and room_id = 'outage-room' order by created_at`,
    );
    assert.deepEqual(
      joins.map((r) => r.peer_id),
      [a.id, b.id, s.peerId],
    );
    const conns = await query<{ id: string; transport: string }>(
      `select id, transport from "${schema}".connections where id = any($1)`,
      [[a.id, b.id, s.peerId]],
    );
    assert.equal(conns.length, 3);
    const api = await request(srv.url, 'GET', '/api/logs?roomId=outage-room&type=join');
    assert.equal(api.body.total, 3);
  });
});
