import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accessModes } from '../helpers/access.js';
import { connectSocketIo, connectWebSocket } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { openSse, request } from '../helpers/sse.js';
import { hsToken, SECRET } from '../helpers/tokens.js';
import { until } from '../helpers/wait.js';

const turn = {
  stunUrls: ['stun:stun.example.test:3478'],
  turnUrls: ['turn:turn.example.test:3478'],
  turnSecret: 'turn-shared-secret',
  turnTtl: 600,
};

const stunOnly = [{ urls: ['stun:stun.example.test:3478'] }];

const ice = (
  url: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
) => request(url, 'GET', `/api/ice-servers?${new URLSearchParams(query)}`, undefined, headers);

for (const mode of accessModes()) {
  describe(mode.name, () => {
    describe('TURN credentials with authentication off', () => {
      let srv: TestServer;
      before(async () => {
        srv = await mode.start({ ...turn, iceServersPerMinute: 3 });
      });
      after(() => srv.close());

      it('gives the STUN part to anyone, TURN to no one without a live connection', async () => {
        const res = await ice(srv.url, { userId: 'anyone' });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.iceServers, stunOnly);
        const forged = await ice(srv.url, { connectionId: 'made-up', connectionToken: 'nope' });
        assert.equal(forged.status, 401);
        assert.match(forged.body.message, /live connection/);
      });

      it('gives a live connection TURN credentials for its own user, with TURN_TTL', async () => {
        const peer = await connectSocketIo(srv.url, { userId: 'ada' });
        const welcome = peer.events.all.find((e) => e.event === 'welcome')!.data;
        assert.equal(typeof welcome.connectionToken, 'string');
        const res = await ice(srv.url, {
          connectionId: welcome.socketId,
          connectionToken: welcome.connectionToken,
          userId: 'mallory',
        });
        assert.equal(res.status, 200);
        assert.equal(res.body.ttl, 600);
        const server = res.body.iceServers.find((s: { username?: string }) => s.username);
        assert.match(server.username, /^\d+:ada$/);
        const expiry = Number(server.username.split(':')[0]);
        assert.ok(Math.abs(expiry - (Date.now() / 1000 + 600)) < 60);
        // Another connection's token does not open it; a closed connection's neither.
        const ws = await connectWebSocket(srv.url, { userId: 'bob' });
        const wsWelcome = ws.events.all[0]!.data;
        const swapped = await ice(srv.url, {
          connectionId: welcome.socketId,
          connectionToken: wsWelcome.connectionToken,
        });
        assert.equal(swapped.status, 401);
        await ws.close();
        const closedProof = {
          connectionId: wsWelcome.socketId,
          connectionToken: wsWelcome.connectionToken,
        };
        await until(
          'a closed one is refused',
          async () => (await ice(srv.url, closedProof)).status === 401,
        );
        await peer.close();
      });

      it('rate limits each connection (ICE_SERVERS_PER_MINUTE); SSE connections use their private id', async () => {
        const sse = await openSse(srv.url, { query: { userId: 'cy' } });
        const headers = { 'x-connection-token': sse.token };
        const statuses: number[] = [];
        for (let i = 0; i < 2; i++)
          statuses.push((await ice(srv.url, { connectionId: sse.id }, headers)).status);
        const alone = await ice(srv.url, { connectionId: sse.id });
        assert.match(alone.body.iceServers[1].username, /:cy$/);
        statuses.push(alone.status, (await ice(srv.url, { connectionId: sse.id })).status);
        assert.deepEqual(statuses, [200, 200, 200, 429]);
        // Its public peer id, which other peers see, proves nothing.
        assert.equal((await ice(srv.url, { connectionId: sse.peerId })).status, 401);
        sse.abort();
      });

      it('STUN only: no credential to protect, so anyone may ask', async () => {
        const stunOnly = await mode.start();
        try {
          const res = await ice(stunOnly.url);
          assert.equal(res.status, 200);
          assert.ok(res.body.iceServers.every((s: { credential?: string }) => !s.credential));
          // Nothing checks a connection token then, so a socket's welcome carries none.
          for (const connect of [connectSocketIo, connectWebSocket]) {
            const peer = await connect(stunOnly.url, { userId: 'ada' });
            const welcome = peer.events.all.find((e) => e.event === 'welcome')!.data;
            assert.equal(welcome.socketId.length > 0, true);
            assert.equal('connectionToken' in welcome, false);
            await peer.close();
          }
        } finally {
          await stunOnly.close();
        }
      });
    });

    describe('TURN credentials with authentication on', () => {
      let srv: TestServer;
      before(async () => {
        srv = await mode.start({ ...turn, jwtSecret: SECRET });
      });
      after(() => srv.close());

      it('only to a valid token, under its sub; userId in the query cannot change it', async () => {
        const anonymous = await ice(srv.url, { userId: 'ada' });
        assert.deepEqual([anonymous.status, anonymous.body.iceServers], [200, stunOnly]);
        const expired = await hsToken({ sub: 'ada', exp: Math.floor(Date.now() / 1000) - 60 });
        assert.equal((await ice(srv.url, {}, { authorization: `Bearer ${expired}` })).status, 401);
        const token = await hsToken({ sub: 'ada' });
        const res = await ice(srv.url, {}, { authorization: `Bearer ${token}` });
        assert.equal(res.status, 200);
        assert.match(
          res.body.iceServers.find((s: { username?: string }) => s.username).username,
          /:ada$/,
        );
        const mismatch = await ice(srv.url, { userId: 'mallory', token });
        assert.equal(mismatch.status, 401);
      });

      it("a socket's welcome carries no connection token: the access token is the proof", async () => {
        const token = await hsToken({ sub: 'ada' });
        for (const connect of [connectSocketIo, connectWebSocket]) {
          const peer = await connect(srv.url, { token });
          const welcome = peer.events.all.find((e) => e.event === 'welcome')!.data;
          assert.equal(welcome.userId, 'ada');
          assert.equal('connectionToken' in welcome, false);
          await peer.close();
        }
      });
    });
  });
}
