import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  connectPeerjs,
  openPeerjs,
  peerjsId,
  peerjsUrl,
  type PeerjsSocket,
} from './helpers/peerjs.js';
import { storeApi } from '../src/api/extension.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';
import { hsToken, SECRET } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

const offer = (dst: string, extra: object = {}) => ({
  type: 'OFFER',
  dst,
  payload: { type: 'data', connectionId: 'dc_1', sdp: { type: 'offer', sdp: 'v=0\r\n' } },
  ...extra,
});
const candidate = (dst: string, n: number) => ({
  type: 'CANDIDATE',
  dst,
  payload: { type: 'data', connectionId: 'dc_1', candidate: { candidate: `candidate:${n}` } },
});

/** The ERROR a socket refused at its handshake gets, then its close. */
async function refusal(url: string, options: Parameters<typeof openPeerjs>[1]) {
  const socket = await openPeerjs(url, options);
  const error = await socket.messages.next('ERROR');
  await socket.messages.next('close');
  return error.payload.msg as string;
}

describe('PeerJS dialect on the wire', () => {
  let srv: TestServer;
  const sockets: PeerjsSocket[] = [];
  const open = async (options: Parameters<typeof connectPeerjs>[1] = {}) => {
    const socket = await connectPeerjs(srv.url, options);
    sockets.push(socket);
    return socket;
  };
  before(async () => {
    srv = await startServer({
      allowedOrigins: ['http://good.example'],
      extensions: [storeApi({ store: { dataDir: 'memory://', writer: { flushInterval: 20 } } })],
    });
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await srv.close();
  });

  it('GET {path}/{key}/id answers a fresh id as text/plain; another key is refused', async () => {
    const first = await fetch(`${srv.url}/peerjs/peerjs/id?ts=1&version=1.5.5`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/plain/);
    const id = await first.text();
    assert.match(id, /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/);
    assert.notEqual(await (await fetch(`${srv.url}/peerjs/peerjs/id`)).text(), id);
    const wrong = await fetch(`${srv.url}/peerjs/other/id`);
    assert.equal(wrong.status, 401);
    assert.equal(await wrong.text(), 'Invalid key provided');
  });

  it('GET {path}/{key}/peers is 401 without PEERJS_ALLOW_DISCOVERY', async () => {
    assert.equal((await fetch(`${srv.url}/peerjs/peerjs/peers`)).status, 401);
  });

  it("refuses a missing id, token or key, a wrong key and an id off PeerJS's pattern", async () => {
    const missing = 'No id, token, or key supplied to websocket server';
    assert.equal(await refusal(srv.url, { id: '' }), missing);
    assert.equal(await refusal(srv.url, { token: '' }), missing);
    assert.equal(await refusal(srv.url, { key: '' }), missing);
    assert.equal(await refusal(srv.url, { key: 'nope' }), 'Invalid key provided');
    assert.equal(await refusal(srv.url, { id: 'bad id!' }), 'ID "bad id!" is invalid');
    assert.ok((srv.server.engine.counters.refusals.unauthorized ?? 0) >= 5);
  });

  it("answers a full server with PeerJS's concurrent-limit text", async () => {
    await open();
    const { settings, local } = srv.server.engine;
    settings.maxConnections = local.size;
    try {
      assert.equal(await refusal(srv.url, {}), 'Server has reached its concurrent user limit');
    } finally {
      settings.maxConnections = 0;
    }
  });

  it('answers OPEN, ID-TAKEN for another token, and lets the same token take over', async () => {
    const id = peerjsId('taken');
    const first = await open({ id, token: 'mine' });
    const other = await openPeerjs(srv.url, { id, token: 'theirs' });
    assert.deepEqual(await other.messages.next('ID-TAKEN'), {
      type: 'ID-TAKEN',
      payload: { msg: 'ID is taken' },
    });
    await other.messages.next('close');

    const again = await open({ id, token: 'mine' });
    await first.messages.next('close');
    const caller = await open();
    caller.send(offer(id));
    assert.equal((await again.messages.next('OFFER')).src, caller.id);
    assert.equal(srv.server.engine.local.get(id)?.info.transport, 'peerjs');
  });

  it('relays OFFER, ANSWER and CANDIDATE with src set by the server', async () => {
    const [a, b] = [await open(), await open()];
    a.send(offer(b.id, { src: 'someone-else' }));
    const got = await b.messages.next('OFFER');
    assert.deepEqual(got, { ...offer(b.id), src: a.id });
    b.send({ type: 'ANSWER', dst: a.id, payload: { connectionId: 'dc_1', sdp: {} } });
    assert.equal((await a.messages.next('ANSWER')).src, b.id);
    a.send(candidate(b.id, 1));
    const relayed = await b.messages.next('CANDIDATE');
    assert.equal(relayed.src, a.id);
    assert.equal(relayed.payload.candidate.candidate, 'candidate:1');
  });

  it('keeps messages for an id not connected yet and delivers them when it connects', async () => {
    const a = await open();
    const later = peerjsId('later');
    a.send(offer(later));
    a.send(candidate(later, 2));
    const b = await open({ id: later });
    assert.equal((await b.messages.next('OFFER')).src, a.id);
    assert.equal((await b.messages.next('CANDIDATE')).payload.candidate.candidate, 'candidate:2');
  });

  it('answers EXPIRE to the sender when the id does not connect within 5 s', async () => {
    const a = await open();
    const nobody = peerjsId('nobody');
    a.send(offer(nobody));
    a.send(candidate(nobody, 3));
    const expire = await a.messages.next('EXPIRE', 10_000);
    assert.deepEqual(expire, { type: 'EXPIRE', src: nobody, dst: a.id });
    // Once per sender, not per message: the next EXPIRE is for the next unanswered offer.
    const marker = peerjsId('marker');
    a.send(offer(marker));
    await a.messages.noneBefore(
      a.messages.next('EXPIRE', 10_000).then((m) => assert.equal(m.src, marker)),
      ['EXPIRE'],
    );
  });

  it('tells the peers a peer talked to LEAVE when it goes', async () => {
    const [a, b] = [await open(), await open()];
    a.send(offer(b.id));
    await b.messages.next('OFFER');
    await a.close();
    assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', src: a.id, dst: b.id });
  });

  it('answers a frame that is not a PeerJS message with ERROR and keeps the socket', async () => {
    const a = await open();
    a.sendRaw('not json');
    assert.equal(
      (await a.messages.next('ERROR')).payload.msg,
      'Invalid message: frames must be JSON',
    );
    a.send({ type: 'SHOUT', dst: 'x' });
    assert.match((await a.messages.next('ERROR')).payload.msg, /unknown type "SHOUT"/);
    a.send({ type: 'OFFER', dst: 'no such/id' });
    assert.match((await a.messages.next('ERROR')).payload.msg, /"dst" must be a peer id/);
    const b = await open();
    a.send(offer(b.id));
    assert.equal((await b.messages.next('OFFER')).src, a.id);
  });

  it('refuses a browser of another origin before the upgrade (403)', async () => {
    const ws = new WebSocket(peerjsUrl(srv.url, { id: peerjsId() }), {
      headers: { origin: 'http://evil.example' },
    });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    assert.equal(status, 403);
    await open({ origin: 'http://good.example' });
  });

  it('logs the peer as PeerJS, lists it for the admin, and an admin Kick ends it', async () => {
    const a = await open();
    const api = (method: string, path: string) => request(srv.url, method, path);
    const { connections } = (await api('GET', '/api/connections')).body;
    assert.equal(connections.find((c: { id: string }) => c.id === a.id)?.transport, 'peerjs');
    await until('the connect row', async () => {
      const { logs } = (await api('GET', `/api/logs?type=connect&peerId=${a.id}`)).body;
      return logs.some(
        (r: { details?: { transport?: string } }) => r.details?.transport === 'peerjs',
      );
    });
    assert.equal((await api('DELETE', `/api/connections/${a.id}?reason=spam`)).status, 200);
    assert.equal((await a.messages.next('ERROR')).payload.msg, 'Disconnected by the server: spam');
    await a.messages.next('close');
    await until('the peer is gone', () => !srv.server.engine.cluster.peer(a.id));
  });
});

describe('PeerJS dialect: heartbeat, discovery, limits', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({
      pingTimeout: 1000,
      peerjsPath: '/signal/',
      peerjsKey: 'app',
      peerjsAllowDiscovery: true,
      maxMessagesPerSecond: 5,
    });
  });
  after(() => srv.close());
  const path = '/signal';

  it('drops a silent peer; HEARTBEAT keeps one alive', async () => {
    const silent = await connectPeerjs(srv.url, { path, key: 'app' });
    const beating = await connectPeerjs(srv.url, { path, key: 'app' });
    const beat = setInterval(() => beating.send({ type: 'HEARTBEAT' }), 200);
    try {
      await silent.messages.next('close', 10_000);
      assert.ok(beating.ws.readyState === beating.ws.OPEN);
      assert.equal(beating.messages.all.length, 1, 'HEARTBEAT is not answered');
    } finally {
      clearInterval(beat);
      await beating.close();
    }
  });

  it('lists the connected ids at PATH/KEY/peers with discovery on', async () => {
    const a = await connectPeerjs(srv.url, { path, key: 'app' });
    const ids = (await (await fetch(`${srv.url}/signal/app/peers`)).json()) as string[];
    assert.ok(ids.includes(a.id));
    assert.equal((await fetch(`${srv.url}/peerjs/peerjs/id`)).status, 404);
    await a.close();
  });

  it('applies the per-peer rate limit', async () => {
    const [a, b] = [
      await connectPeerjs(srv.url, { path, key: 'app' }),
      await connectPeerjs(srv.url, { path, key: 'app' }),
    ];
    for (let n = 0; n < 30; n++) a.send(candidate(b.id, n));
    await until('refusals', () => (srv.server.engine.counters.refusals['rate-limited'] ?? 0) > 0);
    // A marker sent once the bucket refilled: every candidate let through arrived before it.
    await until('the marker passes', async () => {
      a.send({ type: 'ANSWER', dst: b.id, payload: { connectionId: 'dc_1' } });
      return b.messages.next('ANSWER', 300).then(
        () => true,
        () => false,
      );
    });
    const through = b.messages.drain('CANDIDATE').length;
    assert.ok(through >= 1 && through < 30, `${through} of 30 candidates passed`);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('PeerJS dialect with JWT auth', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ jwtSecret: SECRET });
  });
  after(() => srv.close());

  it('takes the JWT from `token`; its sub must be the id', async () => {
    const id = peerjsId('alice');
    const token = await hsToken({ sub: id });
    const alice = await connectPeerjs(srv.url, { id, token });
    assert.equal(srv.server.engine.local.get(id)?.info.userId, id);
    assert.equal(
      await refusal(srv.url, { id: peerjsId('mallory'), token }),
      'Invalid token provided: userId does not match the token',
    );
    assert.match(
      await refusal(srv.url, { id: peerjsId('eve'), token: 'not-a-jwt' }),
      /^Invalid token provided: /,
    );
    await alice.close();
  });

  it('relays what a client sent before OPEN, while its JWT was being checked', async () => {
    const bobId = peerjsId('bob');
    const bob = await connectPeerjs(srv.url, { id: bobId, token: await hsToken({ sub: bobId }) });
    const carolId = peerjsId('carol');
    const carol = await openPeerjs(srv.url, {
      id: carolId,
      token: await hsToken({ sub: carolId }),
    });
    carol.send(offer(bob.id));
    assert.equal((await bob.messages.next('OFFER')).src, carolId);
    await carol.messages.next('OPEN');
    await Promise.all([bob.close(), carol.close()]);
  });
});

describe('PeerJS dialect: outbound budget', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ maxMessagesPerSecond: 0, maxBufferedBytes: 64 * 1024 });
  });
  after(() => srv.close());

  it('disconnects a peer that stopped reading (outbound budget) and counts it', async () => {
    const [a, b] = [await connectPeerjs(srv.url, {}), await connectPeerjs(srv.url, {})];
    (b.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(60_000);
    const before = srv.server.engine.counters.overBudget.peerjs;
    await until('b is over budget', async () => {
      for (let n = 0; n < 20; n++) {
        a.send({ type: 'CANDIDATE', dst: b.id, payload: { connectionId: 'dc_1', big } });
      }
      return srv.server.engine.counters.overBudget.peerjs > before;
    });
    await until('b is gone', () => !srv.server.engine.local.has(b.id));
    const metrics = await (
      await fetch(`${srv.url}/metrics`, { headers: { accept: 'text/plain' } })
    ).text();
    assert.match(metrics, /sinyal_outbound_budget_disconnects_total\{transport="peerjs"\} [1-9]/);
    await a.close();
    b.ws.terminate();
  });
});
