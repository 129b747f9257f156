// The PeerJS dialect on the wire, in every mode (no auth, JWT, production, cluster, HTTPS): the
// PeerJS server's answers, and bad input, limits and faults met with a clear error, no crash,
// nothing reaching another peer, and the server still serving a fresh client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import type { SinyalOptions } from '../src/server.js';
import { selectedModes } from './helpers/modes.js';
import {
  peerjsClients,
  peerjsId,
  type PeerjsClients,
  type PeerjsSocket,
  type PeerjsSocketOptions,
} from './helpers/peerjs.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';
import { hsToken, unsignedToken } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

const MAX_PAYLOAD = 64 * 1024;
const MISSING = 'No id, token, or key supplied to websocket server';

const offer = (dst: string, extra: object = {}) => ({
  type: 'OFFER',
  dst,
  payload: { type: 'data', connectionId: 'dc_1', sdp: { type: 'offer', sdp: 'v=0\r\n' } },
  ...extra,
});
const candidate = (dst: string, n: number, extra: object = {}) => ({
  type: 'CANDIDATE',
  dst,
  payload: { type: 'data', connectionId: 'dc_1', candidate: { candidate: `candidate:${n}` } },
  ...extra,
});

/** Every type a server sends: none may reach a peer that was not its destination. */
const SERVER_TYPES = ['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE', 'EXPIRE', 'ERROR', 'ID-TAKEN'];

// The test runner would swallow a crash of the in-process server; every check looks here.
const uncaught: unknown[] = [];
process.on('uncaughtExceptionMonitor', (error) => uncaught.push(error));

for (const mode of selectedModes()) {
  const jwt = Boolean(mode.options().jwtSecret);

  describe(`PeerJS dialect on the wire (${mode.name})`, () => {
    let options: SinyalOptions;
    let beatOptions: SinyalOptions;
    let srv: TestServer;
    /** PEERJS_PATH /signal, PEERJS_KEY app, discovery on, PING_TIMEOUT_MS 3000. */
    let beatSrv: TestServer;
    let peers: PeerjsClients;
    /** Connected throughout; hears only what a case sends it on purpose. */
    let bystander: PeerjsSocket;
    const sockets: PeerjsSocket[] = [];
    const open = async (given: PeerjsSocketOptions = {}) => {
      const socket = await peers.connect(given);
      sockets.push(socket);
      return socket;
    };
    /** The ERROR a socket refused at its handshake gets, then its close. */
    const refusal = async (given: PeerjsSocketOptions) => {
      const socket = await peers.open(given);
      const error = await socket.messages.next('ERROR');
      await socket.messages.next('close');
      return error.payload.msg as string;
    };

    // Cases bound by time (EXPIRE after 5 s, a silent peer's drop) start here and are checked
    // last, so their waits overlap the other cases.
    let expirer: PeerjsSocket;
    const [nobody, marker] = [peerjsId('nobody'), peerjsId('marker')];
    let silent: PeerjsSocket;
    let beating: PeerjsSocket;
    let beat: NodeJS.Timeout | undefined;

    before(async () => {
      options = {
        ...mode.options(),
        allowedOrigins: ['http://good.example'],
        maxPayloadBytes: MAX_PAYLOAD,
      };
      srv = await startServer(options);
      peers = peerjsClients(srv.url, mode.credentials);
      bystander = await open({ id: peerjsId('bystander') });
      expirer = await open();
      expirer.send(offer(nobody));
      expirer.send(candidate(nobody, 3));
      expirer.send(offer(marker));

      beatOptions = {
        ...mode.options(),
        // Its silent peer goes within the 5 s of the EXPIRE case; the beating one has margin.
        pingTimeout: 3000,
        // A silent peer is a drop, kept for a resume this long before its id is free.
        resumeWindow: 300,
        peerjsPath: '/signal/',
        peerjsKey: 'app',
        peerjsAllowDiscovery: true,
      };
      beatSrv = await startServer(beatOptions);
      const beatPeers = peerjsClients(beatSrv.url, mode.credentials);
      silent = await beatPeers.connect({ path: '/signal', key: 'app' });
      beating = await beatPeers.connect({ path: '/signal', key: 'app' });
      beat = setInterval(() => beating.send({ type: 'HEARTBEAT' }), 200);
    });
    after(async () => {
      clearInterval(beat);
      await Promise.all([...sockets, silent, beating].map((s) => s.close()));
      await Promise.all([srv.close(), beatSrv.close()]);
      await Promise.all([mode.cleanup(options), mode.cleanup(beatOptions)]);
    });

    /**
     * No crash, nothing reached the bystander, and a fresh client opens and relays to it: its
     * OFFER is the first thing the bystander hears since the last check.
     */
    async function stillServing(): Promise<void> {
      assert.deepEqual(uncaught, [], 'the server threw an uncaught exception');
      const fresh = await peers.connect();
      fresh.send(offer(bystander.id));
      const first = bystander.messages.next('OFFER');
      await bystander.messages.noneBefore(first, SERVER_TYPES);
      assert.equal((await first).src, fresh.id);
      await fresh.close();
      assert.equal((await bystander.messages.next('LEAVE')).src, fresh.id);
    }

    it('GET {path}/{key}/id answers a fresh id; another key, and /peers without discovery, 401', async () => {
      const first = await request(srv.url, 'GET', '/peerjs/peerjs/id?ts=1&version=1.5.5');
      assert.equal(first.status, 200);
      const id = String(first.body);
      assert.match(id, /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/);
      assert.notEqual(String((await request(srv.url, 'GET', '/peerjs/peerjs/id')).body), id);
      const wrong = await request(srv.url, 'GET', '/peerjs/other/id');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body, 'Invalid key provided');
      assert.equal((await request(srv.url, 'GET', '/peerjs/peerjs/peers')).status, 401);
      await stillServing();
    });

    it("refuses a missing id, token or key and a wrong key with PeerJS's texts", async () => {
      const before = srv.server.engine.counters.refusals.unauthorized ?? 0;
      assert.equal(await refusal({ id: '' }), MISSING);
      assert.equal(await refusal({ token: '' }), MISSING);
      assert.equal(await refusal({ key: '' }), MISSING);
      assert.equal(await refusal({ key: 'nope' }), 'Invalid key provided');
      assert.equal(await refusal({ key: 'PEERJS' }), 'Invalid key provided');
      assert.equal((srv.server.engine.counters.refusals.unauthorized ?? 0) - before, 5);
      await stillServing();
    });

    it(
      'refuses a token that is not a valid JWT for the id',
      { skip: !jwt && 'any token is a client secret without auth' },
      async () => {
        const invalid = /^Invalid token provided: /;
        const id = peerjsId('mallory');
        assert.equal(
          await refusal({ id, token: await peers.token(bystander.id) }),
          'Invalid token provided: userId does not match the token',
        );
        for (const token of [
          'not-a-jwt',
          unsignedToken(id),
          await hsToken({ sub: id }, 'another-secret-of-enough-length'),
          await hsToken({ sub: id, exp: Math.floor(Date.now() / 1000) - 60 }),
          await hsToken({ sub: null }),
        ]) {
          assert.match(await refusal({ id, token }), invalid, token);
        }
        assert.equal(srv.server.engine.local.has(id), false);
        await stillServing();
      },
    );

    it("refuses ids off PeerJS's pattern; ids named like Object's keys are ids", async () => {
      for (const id of ['bad id!', '-lead', 'trail_', 'a__b', '__proto__', 'é', 'a\u0000b', ' x']) {
        assert.equal(await refusal({ id }), `ID "${id}" is invalid`);
      }
      const long = 'x'.repeat(129);
      assert.equal(await refusal({ id: long }), `ID "${long.slice(0, 128)}" is invalid`);
      const odd = await Promise.all(
        ['constructor', 'hasOwnProperty', 'toString', 'x'.repeat(128), 'a b'].map((id) =>
          open({ id }),
        ),
      );
      odd[0]!.send(offer(odd[1]!.id));
      assert.equal((await odd[1]!.messages.next('OFFER')).src, 'constructor');
      await Promise.all(odd.map((s) => s.close()));
      await until('the ids are free', () => odd.every((s) => !srv.server.engine.local.has(s.id)));
      await stillServing();
    });

    it('answers ID-TAKEN for another token, and lets the same token take over', async () => {
      const id = peerjsId('taken');
      const mine = await peers.token(id);
      const theirs = jwt ? await hsToken({ sub: id, claims: { other: true } }) : 'theirs';
      const first = await open({ id, token: mine });
      const other = await peers.open({ id, token: theirs });
      assert.deepEqual(await other.messages.next('ID-TAKEN'), {
        type: 'ID-TAKEN',
        payload: { msg: 'ID is taken' },
      });
      await other.messages.next('close');

      const again = await open({ id, token: mine });
      await first.messages.next('close');
      const caller = await open();
      caller.send(offer(id));
      assert.equal((await again.messages.next('OFFER')).src, caller.id);
      assert.equal(srv.server.engine.local.get(id)?.info.transport, 'peerjs');
      await Promise.all([again.close(), caller.close()]);
      await stillServing();
    });

    it('relays OFFER, ANSWER, CANDIDATE and LEAVE with src set by the server', async () => {
      const [a, b] = [await open(), await open()];
      a.send(offer(b.id, { src: bystander.id }));
      assert.deepEqual(await b.messages.next('OFFER'), { ...offer(b.id), src: a.id });
      b.send({ type: 'ANSWER', dst: a.id, src: b.id.toUpperCase(), payload: { sdp: {} } });
      assert.equal((await a.messages.next('ANSWER')).src, b.id);
      a.send(candidate(b.id, 1, { src: 'nobody-at-all' }));
      const relayed = await b.messages.next('CANDIDATE');
      assert.equal(relayed.src, a.id);
      assert.equal(relayed.payload.candidate.candidate, 'candidate:1');
      a.send({ type: 'LEAVE', dst: b.id, src: bystander.id });
      assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', dst: b.id, src: a.id });
      await Promise.all([a.close(), b.close()]);
      await stillServing();
    });

    it('keeps messages for an id not connected yet and delivers them when it connects', async () => {
      const a = await open();
      const later = peerjsId('later');
      a.send(offer(later));
      a.send(candidate(later, 2));
      const b = await open({ id: later });
      assert.equal((await b.messages.next('OFFER')).src, a.id);
      assert.equal((await b.messages.next('CANDIDATE')).payload.candidate.candidate, 'candidate:2');
      await Promise.all([a.close(), b.close()]);
      await stillServing();
    });

    it('keeps at most 1 MiB waiting from one sender, the first messages, in order', async () => {
      const a = await open();
      const later = peerjsId('later');
      const sdp = 'v'.repeat(60_000);
      for (let n = 0; n < 30; n++) a.send(offer(later, { payload: { n, sdp } }));
      // Answered after the 30 were handled: they wait in the queue, none was delivered.
      a.sendRaw('not json');
      await a.messages.next('ERROR');
      const b = await open({ id: later });
      a.send(candidate(later, 99));
      await b.messages.next('CANDIDATE');
      const kept = b.messages.drain('OFFER').map((m) => m.data.payload.n as number);
      assert.ok(kept.length >= 1 && kept.length < 30, `${kept.length} of 30 kept`);
      assert.deepEqual(
        kept,
        kept.map((_, i) => i),
      );
      await Promise.all([a.close(), b.close()]);
      await stillServing();
    });

    it('relays what a client sent before OPEN, while its handshake was being checked', async () => {
      const early = await peers.open();
      sockets.push(early);
      early.send(offer(bystander.id));
      assert.equal((await bystander.messages.next('OFFER')).src, early.id);
      await early.messages.next('OPEN');
      await early.close();
      assert.equal((await bystander.messages.next('LEAVE')).src, early.id);
      await stillServing();
    });

    it('tells the peers a peer talked to LEAVE when it goes', async () => {
      const [a, b] = [await open(), await open()];
      a.send(offer(b.id));
      await b.messages.next('OFFER');
      await a.close();
      assert.deepEqual(await b.messages.next('LEAVE'), { type: 'LEAVE', src: a.id, dst: b.id });
      await b.close();
      await stillServing();
    });

    it('answers frames that are not PeerJS messages with ERROR, relays none, keeps the socket', async () => {
      const a = await open();
      const dst = bystander.id;
      const notJson = 'Invalid message: frames must be JSON';
      const notObject = 'Invalid message: frames must be JSON objects with a "type"';
      const badDst = 'Invalid message: "dst" must be a peer id';
      const cases: Array<[string | Buffer | object, string | RegExp]> = [
        ['not json', notJson],
        ['', notJson],
        ['{"type":"OFFER","dst":', notJson],
        [Buffer.from([0x7b, 0x7d]), notJson],
        ['42', notObject],
        ['null', notObject],
        ['"OFFER"', notObject],
        ['true', notObject],
        [[offer(dst)], notObject],
        [{ type: 'SHOUT', dst }, 'Invalid message: unknown type "SHOUT"'],
        [{ dst, payload: {} }, 'Invalid message: unknown type null'],
        [{ type: 42, dst }, 'Invalid message: unknown type 42'],
        [{ type: { type: 'OFFER' }, dst }, /^Invalid message: unknown type /],
        ...['OPEN', 'EXPIRE', 'ID-TAKEN', 'ERROR', 'offer', '__proto__', 'toString'].map(
          (type): [object, RegExp] => [{ type, dst }, /^Invalid message: unknown type "/],
        ),
        [{ type: 'OFFER' }, badDst],
        [{ type: 'OFFER', dst: 42 }, badDst],
        [{ type: 'OFFER', dst: [dst] }, badDst],
        [{ type: 'CANDIDATE', dst: 'no such/id' }, badDst],
        [{ type: 'ANSWER', dst: 'x'.repeat(129) }, badDst],
      ];
      for (const [frame, text] of cases) {
        if (Buffer.isBuffer(frame)) a.ws.send(frame);
        else if (typeof frame === 'string') a.sendRaw(frame);
        else a.send(frame);
        const error = await a.messages.next('ERROR');
        assert.equal(error.type, 'ERROR');
        if (text instanceof RegExp) assert.match(error.payload.msg, text, JSON.stringify(frame));
        else assert.equal(error.payload.msg, text, JSON.stringify(frame));
      }
      // An unknown type is not echoed whole.
      a.send({ type: 'X'.repeat(50_000), dst });
      const echoed = (await a.messages.next('ERROR')).payload.msg as string;
      assert.ok(echoed.length < 200, `${echoed.length} characters`);
      assert.ok(srv.server.engine.counters.refusals['invalid-payload']! >= cases.length);
      // The socket still relays; a `__proto__` key is data (an own key), not a prototype.
      a.sendRaw(`{"type":"OFFER","dst":"${dst}","__proto__":{"type":"X","src":"x"}}`);
      const relayed = await bystander.messages.next('OFFER');
      assert.equal(relayed.src, a.id);
      assert.equal(relayed.type, 'OFFER');
      assert.equal(Object.getPrototypeOf(relayed), Object.prototype);
      await a.close();
      assert.equal((await bystander.messages.next('LEAVE')).src, a.id);
      await stillServing();
    });

    it('closes a socket whose frame exceeds MAX_PAYLOAD_BYTES (1009); its client may come back', async () => {
      for (const big of ['x'.repeat(MAX_PAYLOAD + 1), Buffer.alloc(MAX_PAYLOAD + 1)]) {
        const id = peerjsId('big');
        const a = await open({ id });
        a.ws.send(big);
        assert.equal((await a.messages.next('close')).code, 1009);
        // As over /ws, no close frame came from the client: a drop, kept for its own token.
        const again = await open({ id });
        await again.close();
        await until('the id is free', () => !srv.server.engine.local.has(id));
      }
      // Just under the limit is relayed.
      const a = await open();
      const sdp = 'v'.repeat(MAX_PAYLOAD - 1024);
      a.send(offer(bystander.id, { payload: { sdp } }));
      assert.equal((await bystander.messages.next('OFFER')).payload.sdp.length, sdp.length);
      await a.close();
      assert.equal((await bystander.messages.next('LEAVE')).src, a.id);
      await stillServing();
    });

    it('applies the per-peer rate limit to every frame, bad ones too', async () => {
      const { settings, counters } = srv.server.engine;
      settings.maxMessagesPerSecond = 5;
      try {
        const [a, b] = [await open(), await open()];
        const refused = counters.refusals['rate-limited'] ?? 0;
        for (let n = 0; n < 30; n++) a.send(candidate(b.id, n));
        await until('refusals', () => (counters.refusals['rate-limited'] ?? 0) > refused);
        // A marker sent once the bucket refilled: every frame let through was handled before it.
        await until('the marker passes', async () => {
          a.send({ type: 'ANSWER', dst: b.id, payload: { connectionId: 'dc_1' } });
          return b.messages.next('ANSWER', 300).then(
            () => true,
            () => false,
          );
        });
        const through = b.messages.drain('CANDIDATE').length;
        assert.ok(through >= 1 && through < 30, `${through} of 30 candidates passed`);
        // Bad frames take from the same bucket: each is answered or refused, not all answered.
        const before = counters.refusals['rate-limited'] ?? 0;
        for (let n = 0; n < 30; n++) a.sendRaw('not json');
        const refusedSince = () => (counters.refusals['rate-limited'] ?? 0) - before;
        await until('every bad frame is answered or refused', async () => {
          return a.messages.all.filter((r) => r.event === 'ERROR').length + refusedSince() >= 30;
        });
        assert.ok(refusedSince() > 0, 'no bad frame was rate-limited');
        await Promise.all([a.close(), b.close()]);
      } finally {
        settings.maxMessagesPerSecond = 200;
      }
      await stillServing();
    });

    it('disconnects a peer that stopped reading (outbound budget); others carry on', async () => {
      const { settings, counters } = srv.server.engine;
      settings.maxMessagesPerSecond = 0;
      try {
        const [a, slow] = [await open(), await open()];
        slow.ws.pause();
        const big = 'x'.repeat(60_000);
        const before = counters.overBudget.peerjs;
        await until('the slow peer is over budget', async () => {
          for (let n = 0; n < 20; n++) a.send(candidate(slow.id, n, { payload: { big } }));
          // Its writes are handled before the answer to this bad frame.
          a.sendRaw('not json');
          await a.messages.next('ERROR');
          return counters.overBudget.peerjs > before;
        });
        await until('the slow peer is gone', () => !srv.server.engine.local.has(slow.id));
        assert.equal(counters.overBudget.peerjs, before + 1);
        const metrics = await request(srv.url, 'GET', '/metrics', undefined, {
          accept: 'text/plain',
        });
        assert.match(
          String(metrics.body),
          /sinyal_outbound_budget_disconnects_total\{transport="peerjs"\} [1-9]/,
        );
        slow.ws.terminate();
        await a.close();
      } finally {
        settings.maxMessagesPerSecond = 200;
      }
      await stillServing();
    });

    it('refuses a browser of another origin before the upgrade (403)', async () => {
      await assert.rejects(peers.open({ origin: 'http://evil.example' }), /403/);
      await assert.rejects(peers.open({ origin: 'null' }), /403/);
      const good = await open({ origin: 'http://good.example' });
      good.send(offer(bystander.id));
      assert.equal((await bystander.messages.next('OFFER')).src, good.id);
      await good.close();
      assert.equal((await bystander.messages.next('LEAVE')).src, good.id);
      await stillServing();
    });

    it("answers a full server with PeerJS's limit text, and a busy address with sinyal's", async () => {
      const { settings, local } = srv.server.engine;
      const id = peerjsId('full');
      try {
        settings.maxConnections = local.size;
        assert.equal(await refusal({ id }), 'Server has reached its concurrent user limit');
        settings.maxConnections = 0;
        settings.maxConnectionsPerIp = local.size;
        assert.match(await refusal({ id }), /^Too many connections from your address \(at most/);
        assert.equal(local.has(id), false);
      } finally {
        settings.maxConnections = 0;
        settings.maxConnectionsPerIp = 0;
      }
      const a = await open({ id });
      await a.close();
      await stillServing();
    });

    it('ends a kicked peer with ERROR, even when its reason exceeds a close frame (123 bytes)', async () => {
      const a = await open();
      // 200 two-byte characters, as an admin's Kick may give (up to 200).
      const reason = 'é'.repeat(200);
      assert.equal(await srv.server.engine.kick(a.id, reason), true);
      assert.equal(
        (await a.messages.next('ERROR')).payload.msg,
        `Disconnected by the server: ${reason}`,
      );
      const { code, reason: closeReason } = await a.messages.next('close');
      assert.equal(code, 1000);
      assert.ok(reason.startsWith(closeReason) && closeReason.length > 0, closeReason);
      await until('the peer is gone', () => !srv.server.engine.cluster.peer(a.id));
      await stillServing();
    });

    it('answers EXPIRE to the sender once per unreachable id, after 5 s', async () => {
      const expire = await expirer.messages.next('EXPIRE', 10_000);
      assert.deepEqual(expire, { type: 'EXPIRE', src: nobody, dst: expirer.id });
      // Not per message: the next EXPIRE is the one for the next id.
      assert.equal((await expirer.messages.next('EXPIRE', 10_000)).src, marker);
      await stillServing();
    });

    it('drops a silent peer; HEARTBEAT keeps one alive, unanswered; discovery lists it', async () => {
      await silent.messages.next('close', 10_000);
      assert.equal(beating.ws.readyState, beating.ws.OPEN);
      assert.deepEqual(
        beating.messages.all.map((r) => r.event),
        ['OPEN'],
        'HEARTBEAT is not answered',
      );
      const listed = async () => (await request(beatSrv.url, 'GET', '/signal/app/peers')).body;
      await until('only the beating peer is listed', async () => {
        const ids = (await listed()) as string[];
        return ids.length === 1 && ids[0] === beating.id;
      });
      assert.equal((await request(beatSrv.url, 'GET', '/peerjs/peerjs/id')).status, 404);
      assert.deepEqual(uncaught, []);
    });
  });
}

describe('PeerJS dialect: the event log', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({
      extensions: [storeApi({ store: { dataDir: 'memory://', writer: { flushInterval: 20 } } })],
    });
  });
  after(() => srv.close());

  it('logs the peer as PeerJS, lists it for the admin, and an admin Kick ends it', async () => {
    const a = await peerjsClients(srv.url, async () => ({})).connect();
    const api = (method: string, path: string) => request(srv.url, method, path);
    const { connections } = (await api('GET', '/api/connections')).body;
    assert.equal(connections.find((c: { id: string }) => c.id === a.id)?.transport, 'peerjs');
    await until('the connect row', async () => {
      const { logs } = (await request(srv.url, 'GET', `/api/logs?type=connect&peerId=${a.id}`))
        .body;
      return logs.some(
        (r: { details?: { transport?: string } }) => r.details?.transport === 'peerjs',
      );
    });
    assert.equal((await api('DELETE', `/api/connections/${a.id}?reason=spam`)).status, 200);
    assert.equal((await a.messages.next('ERROR')).payload.msg, 'Disconnected by the server: spam');
    await a.messages.next('close');
  });
});
