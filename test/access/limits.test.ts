import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { parseTrustProxy, type TrustProxy } from '../../src/config/trust-proxy.js';
import { accessModes } from '../helpers/access.js';
import { connectSocketIo, type TestPeer } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { readAll, request, send } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';

/** Production keeps the admin API off without a credential: the list is read with one. */
const adminToken = 'an-admin-token-of-enough-length';

type Outcome = {
  event: 'welcome' | 'error';
  data: { code?: string; message?: string };
  close(): void;
};

/** A Socket.IO connection with extra headers; resolves to its first welcome or error. */
function socketIo(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: headers,
    rejectUnauthorized: false,
  });
  return new Promise((resolve) => {
    const done = (event: Outcome['event']) => (data: Outcome['data']) =>
      resolve({ event, data, close: () => socket.disconnect() });
    socket.once('welcome', done('welcome'));
    socket.once('error', done('error'));
  });
}

/** A /ws connection; resolves to its first frame (welcome or error). */
function webSocket(url: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, {
    headers,
    rejectUnauthorized: false,
  });
  return new Promise((resolve) => {
    ws.once('message', (raw) => {
      const { event, data } = JSON.parse(raw.toString());
      resolve({ event, data, close: () => ws.close() });
    });
  });
}

/** An SSE stream: its status (200 while open) and how to drop it. */
async function sse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await send(new URL('/api/events', url), { headers, signal: controller.signal });
  const body = res.status === 200 ? undefined : JSON.parse(await readAll(res.body));
  return { status: res.status, body, close: () => controller.abort() };
}

for (const mode of accessModes()) {
  describe(mode.name, () => {
    describe('MAX_CONNECTIONS_PER_IP', () => {
      let srv: TestServer;
      before(async () => {
        srv = await mode.start({ maxConnectionsPerIp: 2 });
      });
      after(() => srv.close());

      it('refuses the third connection of one address on every transport, whatever X-Forwarded-For says', async () => {
        const a = await socketIo(srv.url);
        const b = await webSocket(srv.url, { 'x-forwarded-for': '203.0.113.1' });
        assert.equal(a.event, 'welcome');
        assert.equal(b.event, 'welcome');
        // Without TRUST_PROXY a client-written X-Forwarded-For is ignored: it cannot dodge the limit.
        const spoofed = { 'x-forwarded-for': '198.51.100.7' };
        const third = await socketIo(srv.url, spoofed);
        assert.equal(third.event, 'error');
        assert.equal(third.data.code, 'too-many-connections');
        const thirdWs = await webSocket(srv.url, spoofed);
        assert.equal(thirdWs.data.code, 'too-many-connections');
        const thirdSse = await sse(srv.url, spoofed);
        assert.equal(thirdSse.status, 429);
        assert.equal(thirdSse.body.error, 'too-many-connections');
        third.close();
        thirdWs.close();
        // Closing one frees a place.
        a.close();
        let again = await socketIo(srv.url);
        await until('a place is free again', async () => {
          if (again.event === 'welcome') return true;
          again.close();
          again = await socketIo(srv.url);
          return false;
        });
        const metrics = await request(srv.url, 'GET', '/metrics', undefined, {
          accept: 'text/plain',
        });
        assert.match(metrics.body, /sinyal_refusals_total\{code="too-many-connections"\} [3-9]/);
        again.close();
        b.close();
      });
    });

    for (const trustProxy of ['1', '127.0.0.1/8'] as const) {
      describe(`MAX_CONNECTIONS_PER_IP behind TRUST_PROXY=${trustProxy}`, () => {
        let srv: TestServer;
        before(async () => {
          srv = await mode.start({
            maxConnectionsPerIp: 1,
            trustProxy: parseTrustProxy(trustProxy) as TrustProxy,
            adminToken,
          });
        });
        after(() => srv.close());

        it('counts the forwarded client address, on every transport', async () => {
          const ada = { 'x-forwarded-for': '203.0.113.10' };
          const bob = { 'x-forwarded-for': '10.9.9.9, 203.0.113.20' };
          const first = await socketIo(srv.url, ada);
          assert.equal(first.event, 'welcome');
          const other = await webSocket(srv.url, bob);
          assert.equal(other.event, 'welcome', JSON.stringify(other.data));
          assert.equal((await socketIo(srv.url, ada)).data.code, 'too-many-connections');
          assert.equal((await webSocket(srv.url, bob)).data.code, 'too-many-connections');
          assert.equal((await sse(srv.url, ada)).status, 429);
          const carol = await sse(srv.url, { 'x-forwarded-for': '203.0.113.30' });
          assert.equal(carol.status, 200);
          carol.close();
          // The admin list shows the client address, not the proxy's.
          const list = await request(srv.url, 'GET', '/api/connections', undefined, {
            authorization: `Bearer ${adminToken}`,
          });
          const addresses = list.body.connections.map((c: { address: string }) => c.address);
          assert.ok(addresses.includes('203.0.113.10'), JSON.stringify(addresses));
          assert.ok(addresses.includes('203.0.113.20'), JSON.stringify(addresses));
          first.close();
          other.close();
        });
      });
    }

    describe('MAX_ROOMS_PER_PEER and MAX_JOINS_PER_MINUTE', () => {
      let srv: TestServer;
      const peers: TestPeer[] = [];
      before(async () => {
        srv = await mode.start({ maxRoomsPerPeer: 2, maxJoinsPerMinute: 4 });
      });
      after(async () => {
        await Promise.all(peers.map((p) => p.close()));
        await srv.close();
      });

      it('refuses a join beyond the rooms limit (too-many-rooms) and one beyond the join rate', async () => {
        const peer = await connectSocketIo(srv.url);
        peers.push(peer);
        peer.emit('presence:join-study', { studyId: 's1' });
        peer.emit('video:join-room', { roomId: 'r1' });
        await peer.next('video:room-state');
        peer.emit('join-room', { roomId: 'r2' });
        const tooMany = await peer.next('error');
        assert.equal(tooMany.code, 'too-many-rooms');
        assert.equal(tooMany.event, 'join-room');
        peer.emit('video:leave-room', { roomId: 'r1' });
        peer.emit('video:join-room', { roomId: 'r3' });
        await peer.next('video:room-state');
        // Four joins spent (s1, r1, r2 refused, r3): the fifth within the minute is refused.
        peer.emit('video:leave-room', { roomId: 'r3' });
        peer.emit('video:join-room', { roomId: 'r4' });
        const limited = await peer.next('error');
        assert.equal(limited.code, 'rate-limited');
        assert.match(limited.message, /joins/);
      });
    });
  });
}
