import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { storeApi } from '../../../src/api/extension.js';
import { connectSocketIo, type TestPeer } from '../../../test/helpers/clients.js';
import { dropSchema, postgresUrl, uniqueSchema } from '../../../test/helpers/pg.js';
import { startServer, type TestServer } from '../../../test/helpers/server.js';
import { TcpProxy } from '../../../test/helpers/tcp-proxy.js';
import { SseClient, SseRequestError, type SseState } from './sse-client.js';

const offer = { type: 'offer', sdp: 'v=0\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\n' };

/** Collects the client's `message` events by name. */
function inbox(client: SseClient) {
  const seen: Array<{ event: string; data: unknown }> = [];
  client.on('message', (m) => seen.push(m));
  return {
    seen,
    /** The first `event` seen so far, or the next one to come. */
    next: (event: string) => {
      const already = seen.find((m) => m.event === event);
      if (already) return Promise.resolve(already.data);
      return client.next('message', (m) => m.event === event, 5000).then((m) => m.data);
    },
  };
}

describe('browser SSE client module (client/src/sse) against a real server', () => {
  const schema = uniqueSchema('sseclient');
  let srv: TestServer;
  let proxy: TcpProxy;
  const clients: SseClient[] = [];
  const sockets: TestPeer[] = [];
  let proxied: string;

  before(async () => {
    srv = await startServer({
      extensions: [storeApi({ store: { databaseUrl: postgresUrl, pgSchema: schema } })],
    });
    // Between the client and the server, so a test can cut the network and bring it back.
    proxy = new TcpProxy('127.0.0.1', srv.port);
    proxied = `http://127.0.0.1:${await proxy.start()}`;
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(sockets.map((s) => s.close()));
    await proxy.close();
    await srv.close();
    await dropSchema(schema);
  });

  const open = (url: string, extra: Partial<ConstructorParameters<typeof SseClient>[0]> = {}) => {
    const client = new SseClient({ url, EventSource, baseDelay: 50, ...extra });
    clients.push(client);
    return client;
  };

  it('is a signaling peer: joins, receives and sends offers and answers', async () => {
    const client = open(srv.url, { userId: 'browser' });
    const connected = await client.next('connected');
    assert.equal(connected.resumed, false);
    assert.equal(client.state, 'open');
    const mail = inbox(client);
    const other = await connectSocketIo(srv.url);
    sockets.push(other);
    other.emit('video:join-room', { roomId: 'sdk' });
    await other.next('video:room-state');
    const state = await client.join('sdk');
    assert.equal((state.participants[0] as { socketId: string }).socketId, other.id);
    assert.equal((await other.next('video:user-joined')).userId, 'browser');
    other.emit('video:offer', { to: client.peerId, offer });
    assert.deepEqual(await mail.next('video:offer'), { from: other.id, offer });
    await client.signal(other.id, 'answer', answer);
    assert.deepEqual(await other.next('video:answer'), { from: client.peerId, answer });
    await client.media('sdk', { isVideoOff: true });
    assert.equal((await other.next('video:peer-video-changed')).isVideoOff, true);
    await client.chat('sdk', 'selam');
    assert.equal((await other.next('chat:video-message-received')).message, 'selam');
    await assert.rejects(client.signal('nobody', 'offer', offer), (e) => {
      assert.ok(e instanceof SseRequestError);
      assert.equal(e.status, 404);
      assert.equal(e.code, 'unknown-peer');
      return true;
    });
  });

  it('gets admin broadcasts, as does a bare EventSource with onmessage (SSE + REST clients)', async () => {
    const client = open(srv.url);
    await client.next('connected');
    const mail = inbox(client);
    // What an SSE + REST client's page does: no named listeners, only onmessage.
    const bare = new EventSource(new URL('/api/events', srv.url).toString());
    const heard = new Promise<unknown>((resolve) => {
      bare.onmessage = (event) => resolve(JSON.parse(event.data as string));
    });
    await new Promise((resolve) => bare.addEventListener('connected', resolve, { once: true }));
    try {
      const notice = { type: 'notification', message: 'Yeni güncelleme mevcut!' };
      const sent = await fetch(new URL('/api/broadcast', srv.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(notice),
      });
      assert.equal(sent.status, 200);
      assert.deepEqual(await heard, notice);
      assert.deepEqual(await mail.next('broadcast'), notice);
    } finally {
      bare.close();
    }
  });

  it('reconnects with backoff and resumes: same connection id, missed events delivered', async () => {
    const client = open(proxied);
    const first = await client.next('connected');
    const mail = inbox(client);
    const other = await connectSocketIo(srv.url);
    sockets.push(other);
    other.emit('video:join-room', { roomId: 'flaky' });
    await other.next('video:room-state');
    await client.join('flaky');
    await other.next('video:user-joined');

    const states: SseState[] = [];
    client.on('state', (s) => states.push(s));
    await proxy.cut();
    await client.next('state', (s) => s === 'reconnecting');
    other.emit('video:offer', { to: first.peerId, offer });
    await new Promise((r) => setTimeout(r, 120));
    await proxy.restore();
    const again = await client.next('connected', () => true, 5000);
    assert.equal(again.resumed, true);
    assert.equal(again.connectionId, first.connectionId);
    assert.equal(again.peerId, first.peerId);
    assert.deepEqual(await mail.next('video:offer'), { from: other.id, offer });
    assert.equal(mail.seen.filter((m) => m.event === 'video:offer').length, 1);
    assert.equal(states.at(-1), 'open');
    // A signal the resumed client sends reaches other after a leave of it would have.
    await client.signal(other.id, 'answer', { type: 'answer', sdp: 'v=0\r\n' });
    await other.events.noneBefore(other.next('video:answer'), ['video:user-left']);
  });

  it('gives up after maxAttempts failed reconnects (state "failed")', async () => {
    let requests = 0;
    const refusing: Server = createServer((_req, res) => {
      requests++;
      res.writeHead(503).end();
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const { port } = refusing.address() as { port: number };
    try {
      const started = Date.now();
      const client = open(`http://127.0.0.1:${port}`, { maxAttempts: 3, baseDelay: 40 });
      await client.next('state', (s) => s === 'failed', 5000);
      // 40 + 80 + 160 ms of backoff between the first try and the third retry.
      assert.ok(Date.now() - started >= 280, `gave up after ${Date.now() - started} ms`);
      assert.equal(requests, 4, 'one try and three retries');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(requests, 4, 'no retry after giving up');
    } finally {
      refusing.close();
    }
  });

  it('defaults to 5 attempts, as reference 001', () => {
    const client = open('http://127.0.0.1:9', { baseDelay: 1 });
    assert.equal(
      (client as unknown as { options: { maxAttempts: number } }).options.maxAttempts,
      5,
    );
    client.close();
  });
});
