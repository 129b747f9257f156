import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { ConfigError } from '../src/config/config.js';
import type { WebhookDelivery } from '../src/protocol/webhook-types.js';
import { connect, receivedCount, type TestPeer } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/wait.js';
import { roomEvents, WebhookReceiver } from './helpers/webhook-receiver.js';

/** A server whose webhooks go to `receivers`, retried quickly. */
const withWebhooks = (receivers: WebhookReceiver[], more: Record<string, unknown> = {}) =>
  startServer({
    webhookUrls: receivers.map((r) => r.url),
    webhookSecret: receivers[0]!.secret,
    webhookRetrySchedule: ['1s', '1s', '1s'],
    dataDir: 'memory://',
    extensions: [storeApi()],
    ...more,
  });

const deliveries = async (url: string, query = '') =>
  (await request(url, 'GET', `/api/webhooks/deliveries${query}`)).body
    .deliveries as WebhookDelivery[];

/** A room's whole life when `a` and then `b` join, and both leave in that order. */
const twoPeopleCall = (a: string, b: string): string[] => [
  'room.started',
  `participant.joined:${a}`,
  `participant.joined:${b}`,
  `participant.left:${a}:left`,
  `participant.left:${b}:left`,
  'room.finished',
];

describe('webhooks (Standard Webhooks, verified by the standardwebhooks package)', () => {
  const receiver = new WebhookReceiver();
  let srv: TestServer;
  const peers: TestPeer[] = [];
  const peer = async (transport: 'socket.io' | 'websocket', options = {}, url = srv.url) => {
    const p = await connect(transport, url, options);
    peers.push(p);
    return p;
  };
  const settled = (roomId: string, count: number) =>
    until(
      `${count} events of ${roomId} delivered`,
      () => roomEvents(receiver, roomId).length >= count,
    );

  before(async () => {
    await receiver.start();
    srv = await withWebhooks([receiver], { resumeWindow: 2000 });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
    await receiver.stop();
    assert.deepEqual(receiver.refused, [], 'every request verifies');
  });

  it('sends a pair room in order, and a 503 is retried with the same webhook-id while the room waits', async () => {
    let failedOnce = false;
    receiver.answer = (event) => {
      if (event.type === 'participant.joined' && !failedOnce) {
        failedOnce = true;
        return { status: 503 };
      }
      return { status: 204 };
    };
    const a = await peer('socket.io', { userId: 'alice', name: 'Alice' });
    const b = await peer('websocket', { userId: 'bob' });
    a.emit('join-room', { roomId: 'pair-order' });
    await a.next('joined');
    b.emit('join-room', { roomId: 'pair-order' });
    await b.next('ready');
    a.emit('leave-room', { roomId: 'pair-order' });
    await b.next('peer-left');
    await b.close();
    await settled('pair-order', 6);
    assert.deepEqual(roomEvents(receiver, 'pair-order'), twoPeopleCall(a.id, b.id));
    const joinedA = receiver.requests.filter(
      (r) => r.event.type === 'participant.joined' && r.event.data.participant.peerId === a.id,
    );
    assert.deepEqual(
      joinedA.map((r) => r.status),
      [503, 204],
    );
    assert.equal(joinedA[0]!.id, joinedA[1]!.id, 'the same webhook-id on every attempt');
    const joined = joinedA[1]!.event;
    assert.deepEqual(joined.data, {
      room: { id: 'pair-order', kind: 'pair' },
      participant: { peerId: a.id, userId: 'alice', name: 'Alice' },
    });
    assert.ok(Date.parse(joined.timestamp) <= Date.now());
    receiver.answer = () => ({ status: 204 });
  });

  it('sends a mesh room in order: a kick is `kicked`, an expired resume `resume-expired`', async () => {
    const [a, b] = [await peer('socket.io'), await peer('websocket')];
    const proxy = new TcpProxy('127.0.0.1', srv.port);
    await proxy.start();
    try {
      const c = await peer('websocket', {}, `http://127.0.0.1:${proxy.port}`);
      for (const p of [a, b, c]) {
        p.emit('video:join-room', { roomId: 'mesh-order' });
        await p.next('video:room-state');
      }
      const kicked = await request(srv.url, 'DELETE', `/api/connections/${b.id}`);
      assert.equal(kicked.status, 200);
      await a.next('video:user-left');
      await proxy.cut();
      assert.equal((await a.next('video:user-left', 10_000)).socketId, c.id);
      a.emit('video:leave-room', { roomId: 'mesh-order' });
      await settled('mesh-order', 8);
      assert.deepEqual(roomEvents(receiver, 'mesh-order'), [
        'room.started',
        `participant.joined:${a.id}`,
        `participant.joined:${b.id}`,
        `participant.joined:${c.id}`,
        `participant.left:${b.id}:kicked`,
        `participant.left:${c.id}:resume-expired`,
        `participant.left:${a.id}:left`,
        'room.finished',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('sends nothing for a resume within RESUME_WINDOW_MS', async () => {
    const proxy = new TcpProxy('127.0.0.1', srv.port);
    await proxy.start();
    try {
      const a = await peer('websocket', {}, `http://127.0.0.1:${proxy.port}`);
      a.emit('video:join-room', { roomId: 'resumed' });
      await a.next('video:room-state');
      await proxy.cut();
      await until('the server notices the drop', () => {
        const detached = srv.server.engine.local.get(a.id);
        return detached !== undefined && detached.transport === null;
      });
      const back = await peer('websocket', {
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      assert.equal(back.id, a.id);
      back.emit('video:leave-room', { roomId: 'resumed' });
      await settled('resumed', 4);
      assert.deepEqual(roomEvents(receiver, 'resumed'), [
        'room.started',
        `participant.joined:${a.id}`,
        `participant.left:${a.id}:left`,
        'room.finished',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('lists deliveries for the admin, newest first, and counts them in /metrics', async () => {
    const all = await deliveries(srv.url);
    assert.ok(all.length >= 18);
    assert.deepEqual(
      all.map((d) => Number(d.id)),
      all.map((d) => Number(d.id)).sort((x, y) => y - x),
    );
    const first = all.at(-1)!;
    assert.equal(first.status, 'delivered');
    assert.equal(first.endpoint, receiver.url);
    assert.match(first.messageId, /^msg_/);
    assert.equal((await deliveries(srv.url, '?limit=2')).length, 2);
    assert.equal((await deliveries(srv.url, '?status=pending')).length, 0);
    const bad = await request(srv.url, 'GET', '/api/webhooks/deliveries?limit=501');
    assert.equal(bad.status, 400);
    const retried = await request(srv.url, 'POST', `/api/webhooks/deliveries/${first.id}/retry`);
    assert.equal(retried.status, 409);
    for (const id of ['999999999', 'abc']) {
      const unknown = await request(srv.url, 'POST', `/api/webhooks/deliveries/${id}/retry`);
      assert.equal(unknown.status, 404);
    }
    const metrics = await fetch(`${srv.url}/metrics`, { headers: { accept: 'text/plain' } });
    const text = await metrics.text();
    assert.match(text, /sinyal_webhook_deliveries_total\{status="delivered"\} \d+/);
    assert.match(text, /sinyal_webhook_deliveries_total\{status="failed"\} [1-9]/);
    assert.match(text, /sinyal_webhook_pending_deliveries 0/);
    assert.match(text, /sinyal_webhook_oldest_pending_seconds 0/);
  });
});

describe('webhooks to an endpoint that answers 410 Gone', () => {
  const live = new WebhookReceiver();
  const gone = new WebhookReceiver(live.secret);
  let srv: TestServer;
  before(async () => {
    await Promise.all([live.start(), gone.start()]);
    gone.answer = () => ({ status: 410 });
    srv = await withWebhooks([live, gone]);
  });
  after(async () => {
    await srv.close();
    await Promise.all([live.stop(), gone.stop()]);
  });

  it('disables that endpoint (the others go on), and an abandoned delivery can be sent again', async () => {
    const a = await connect('socket.io', srv.url);
    a.emit('join-room', { roomId: 'gone-room' });
    await a.next('joined');
    await until(
      'the first events reach the live endpoint',
      () => roomEvents(live, 'gone-room').length === 2,
    );
    await until(
      'the 410 endpoint is abandoned',
      async () => (await deliveries(srv.url, '?status=pending')).length === 0,
    );
    await a.close();
    await until(
      'the room finished on the live endpoint',
      () => roomEvents(live, 'gone-room').length === 4,
    );
    assert.equal(gone.requests.length, 1, 'nothing more after the 410');
    const abandoned = await deliveries(srv.url, '?status=abandoned');
    assert.ok(abandoned.length >= 1 && abandoned.every((d) => d.endpoint === gone.url));
    assert.match(abandoned[0]!.lastError ?? '', /410/);

    gone.answer = () => ({ status: 200 });
    const retry = await request(
      srv.url,
      'POST',
      `/api/webhooks/deliveries/${abandoned[0]!.id}/retry`,
    );
    assert.equal(retry.status, 202);
    assert.equal(retry.body.delivery.status, 'pending');
    assert.equal(retry.body.delivery.attempts, 0);
    assert.equal(retry.body.delivery.id, abandoned[0]!.id);
    await until('the endpoint accepts it, and is enabled again', async () =>
      (await deliveries(srv.url, '?status=delivered')).some((d) => d.id === abandoned[0]!.id),
    );
    assert.equal(gone.requests.at(-1)!.id, abandoned[0]!.messageId, 'the same webhook-id');
    const b = await connect('socket.io', srv.url);
    b.emit('join-room', { roomId: 'gone-again' });
    await b.next('joined');
    await until('new events reach it again', () => roomEvents(gone, 'gone-again').length === 2);
    await b.close();
  });
});

describe('webhooks while the receiver is down and the server restarts (PGlite DATA_DIR)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-webhooks-'));
  const receiver = new WebhookReceiver();
  after(async () => {
    await receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers everything recorded, in order, once the receiver is back', async () => {
    await receiver.start();
    await receiver.stop(); // its port is known, and nobody listens there
    const options = {
      dataDir,
      webhookRetrySchedule: ['1s', '1s', '1s', '1s', '1s', '1s', '1s', '1s', '1s', '1s'],
    };
    let srv = await withWebhooks([receiver], options);
    const a = await connect('socket.io', srv.url);
    const b = await connect('socket.io', srv.url);
    for (const p of [a, b]) {
      p.emit('video:join-room', { roomId: 'down' });
      await p.next('video:room-state');
    }
    await until('an attempt failed', async () =>
      (await deliveries(srv.url)).some((d) => d.attempts > 0 && d.lastError),
    );
    await a.close();
    await b.close();
    await until('the leaves are in the outbox', async () =>
      (await deliveries(srv.url)).some((d) => d.type === 'room.finished'),
    );
    await srv.close();

    srv = await withWebhooks([receiver], options);
    try {
      await receiver.start();
      await until('every event delivered', () => roomEvents(receiver, 'down').length === 6, 20_000);
      assert.deepEqual(roomEvents(receiver, 'down'), twoPeopleCall(a.id, b.id));
      assert.deepEqual(receiver.refused, []);
    } finally {
      await srv.close();
    }
  });
});

describe('webhook configuration', () => {
  it('refuses WEBHOOK_URL without WEBHOOK_SECRET, naming it', async () => {
    await assert.rejects(
      startServer({
        webhookUrls: ['http://127.0.0.1:9/hooks'],
        dataDir: 'memory://',
        extensions: [storeApi()],
      }),
      (error: Error) =>
        error instanceof ConfigError && /WEBHOOK_SECRET is required/.test(error.message),
    );
  });
});
