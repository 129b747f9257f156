import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accessModes } from '../helpers/access.js';
import { connect, type TestPeer, type Transport } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { openSse, request, send } from '../helpers/sse.js';
import { hsToken, SECRET } from '../helpers/tokens.js';
import { sleep, until } from '../helpers/wait.js';

/** Join events of each dialect, the answer its joiner gets and what the room hears. */
const dialects = [
  { kind: 'pair', join: 'join-room', field: 'roomId', answer: 'joined', heard: 'ready' },
  {
    kind: 'mesh',
    join: 'video:join-room',
    field: 'roomId',
    answer: 'video:room-state',
    heard: 'video:user-joined',
  },
  {
    kind: 'presence',
    join: 'presence:join-study',
    field: 'studyId',
    answer: undefined,
    heard: 'presence:user-online',
  },
] as const;

for (const mode of accessModes()) {
  describe(mode.name, () => {
    describe('room grants (rooms claim)', () => {
      let srv: TestServer;
      const peers: TestPeer[] = [];
      const on = async (transport: Transport, sub: string, rooms?: string[]) => {
        const token = await hsToken({ sub, claims: rooms ? { rooms } : {} });
        const peer = await connect(transport, srv.url, { token });
        peers.push(peer);
        return peer;
      };
      before(async () => {
        srv = await mode.start({ jwtSecret: SECRET });
      });
      after(async () => {
        await Promise.all(peers.map((p) => p.close()));
        await srv.close();
      });

      for (const transport of ['socket.io', 'websocket'] as const) {
        for (const d of dialects) {
          it(`${transport}, ${d.kind}: team-* joins team-a; "other" is forbidden, unseen, and the connection stays`, async () => {
            const insider = await on(transport, `insider-${d.kind}`, ['other-*', 'team-*']);
            const holder = await on(transport, `holder-${d.kind}`, ['team-*']);
            // "other" is outside team-*; team-a-... inside. Each case has rooms of its own.
            const otherRoom = `other-${transport}-${d.kind}`;
            const teamRoom = `team-a-${transport}-${d.kind}`;
            insider.emit(d.join, { [d.field]: otherRoom });
            insider.emit(d.join, { [d.field]: teamRoom });
            if (d.answer) {
              await insider.next(d.answer);
              await insider.next(d.answer);
            } else {
              const engine = srv.server.engine;
              await until(
                'both joins are in',
                () => engine.local.get(insider.id)?.rooms.size === 2,
              );
            }

            holder.emit(d.join, { [d.field]: otherRoom });
            const error = await holder.next('error');
            assert.equal(error.code, 'forbidden');
            assert.equal(error.event, d.join);
            assert.match(error.message, /does not grant/);

            holder.emit(d.join, { [d.field]: teamRoom });
            if (d.answer) await holder.next(d.answer);
            // Heard after a join into the other room would have been: it must be the first.
            assert.equal((await insider.next(d.heard))[d.field], teamRoom);
            // Still connected and in good standing: its own room works.
            const again = `team-b-${transport}-${d.kind}`;
            holder.emit(d.join, { [d.field]: again });
            if (d.answer) await holder.next(d.answer);
            holder.emit('video:join-room', { roomId: `team-marker-${transport}-${d.kind}` });
            const answered = holder.next('video:room-state'); // after any error for those
            await holder.events.noneBefore(answered, ['error', 'disconnect', 'close']);
          });
        }
      }

      it('SSE + REST: a join outside the grant is a 403 forbidden and nobody hears of it', async () => {
        const insider = await on('socket.io', 'sse-insider', ['other', 'team-a']);
        insider.emit('video:join-room', { roomId: 'other' });
        await insider.next('video:room-state');
        const token = await hsToken({ sub: 'sse-holder', claims: { rooms: ['team-*'] } });
        const holder = await openSse(srv.url, { query: { token } });
        try {
          const refused = await holder.post('/api/video/rooms/other/join', {
            connectionId: holder.id,
          });
          assert.equal(refused.status, 403);
          assert.equal(refused.body.error, 'forbidden');
          // Its next join, into a room insider is in, is the first insider hears of.
          insider.emit('video:join-room', { roomId: 'team-a' });
          await insider.next('video:room-state');
          const ok = await holder.post('/api/video/rooms/team-a/join', { connectionId: holder.id });
          assert.equal(ok.status, 200);
          assert.equal((await insider.next('video:user-joined')).roomId, 'team-a');
        } finally {
          holder.abort();
        }
      });

      it('a token without a rooms claim may join any room', async () => {
        const free = await on('socket.io', 'free');
        free.emit('video:join-room', { roomId: 'anything-at-all' });
        await free.next('video:room-state');
      });

      it('refuses a malformed rooms claim at the handshake', async () => {
        const token = await hsToken({ sub: 'bad', claims: { rooms: 'team-*' } });
        await assert.rejects(connect('socket.io', srv.url, { token }), /rooms must be an array/);
      });
    });

    describe('token expiry while connected, and the refresh flow', () => {
      let srv: TestServer;
      before(async () => {
        srv = await mode.start({ jwtSecret: SECRET, jwtClockTolerance: 0 });
      });
      after(() => srv.close());

      for (const transport of ['socket.io', 'websocket'] as const) {
        it(`${transport}: the peer is told token-expired and disconnected; its room hears it left`, async () => {
          const stays = await connect(transport, srv.url, {
            token: await hsToken({ sub: 'stays' }),
          });
          const exp = Math.floor(Date.now() / 1000) + 2;
          const brief = await connect(transport, srv.url, {
            token: await hsToken({ sub: 'brief', exp }),
          });
          const room = `expiry-${transport}`;
          stays.emit('video:join-room', { roomId: room });
          await stays.next('video:room-state');
          brief.emit('video:join-room', { roomId: room });
          await brief.next('video:room-state');
          const error = await brief.next('error', 10_000);
          assert.equal(error.code, 'token-expired');
          await brief.next(transport === 'socket.io' ? 'disconnect' : 'close', 5000);
          assert.equal((await stays.next('video:user-left', 5000)).userId, 'brief');
          await stays.close();
        });

        it(`${transport}: an auth message with a fresh token of the same user keeps the peer connected`, async () => {
          const exp = Math.floor(Date.now() / 1000) + 2;
          const peer = await connect(transport, srv.url, {
            token: await hsToken({ sub: 'renews', exp }),
          });
          peer.emit('video:join-room', { roomId: `renew-${transport}` });
          await peer.next('video:room-state');
          peer.emit('auth', { token: await hsToken({ sub: 'renews', exp: '1h' }) });
          const welcome = await peer.next('welcome');
          assert.ok(welcome.expiresAt > Date.now() + 3_000_000);
          await sleep(exp * 1000 + 100 - Date.now()); // past the first token's expiry
          peer.emit('video:join-room', { roomId: `renew-marker-${transport}` });
          const answered = peer.next('video:room-state');
          await peer.events.noneBefore(answered, ['error', 'disconnect', 'close']);
          // Another user's token cannot take over a connection that is in rooms.
          peer.emit('auth', { token: await hsToken({ sub: 'intruder' }) });
          assert.equal((await peer.next('error')).code, 'not-allowed');
          await peer.close();
        });
      }

      it('SSE: the stream gets token-expired and a disconnect event', async () => {
        const exp = Math.floor(Date.now() / 1000) + 2;
        const peer = await openSse(srv.url, {
          query: { token: await hsToken({ sub: 'sse-brief', exp }) },
        });
        assert.equal((await peer.next('error', 10_000)).code, 'token-expired');
        assert.equal((await peer.next('disconnect')).reason, 'token-expired');
        await peer.ended;
      });

      it('SSE: POST /api/auth/refresh with a fresh token of the same user keeps the stream open', async () => {
        const exp = Math.floor(Date.now() / 1000) + 2;
        const peer = await openSse(srv.url, {
          query: { token: await hsToken({ sub: 'sse-refresher', exp }) },
        });
        const refresh = (token: string) =>
          request(
            srv.url,
            'POST',
            '/api/auth/refresh',
            { connectionId: peer.id },
            { 'x-connection-token': peer.token, authorization: `Bearer ${token}` },
          );
        const other = await refresh(
          await hsToken({ sub: 'someone-else', claims: { rooms: ['x'] } }),
        );
        // Before any join another user is allowed (as on the socket transports); join a room
        // first so the swap is refused, then renew as the same user.
        assert.equal(other.status, 200);
        assert.equal(other.body.userId, 'someone-else');
        const joined = await peer.post('/api/video/rooms/x/join', { connectionId: peer.id });
        assert.equal(joined.status, 200);
        const swap = await refresh(await hsToken({ sub: 'mallory' }));
        assert.equal(swap.status, 403);
        assert.equal(swap.body.error, 'not-allowed');
        const bad = await refresh('not-a-token');
        assert.equal(bad.status, 401);
        const fresh = await refresh(await hsToken({ sub: 'someone-else' }));
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
        assert.ok(fresh.body.expiresAt > Date.now() + 60_000);
        // Past the first token's exp the stream is still open and told nothing.
        await sleep(exp * 1000 + 100 - Date.now());
        await peer.post('/api/video/rooms/x/messages', { connectionId: peer.id, message: 'm' });
        const marker = peer.next('chat:video-message-received');
        await peer.events.noneBefore(marker, ['error', 'disconnect']);
        peer.abort();
      });
    });

    describe('admin API by admin JWT or ADMIN_TOKEN', () => {
      let srv: TestServer;
      const adminToken = 'an-admin-token-of-enough-length';
      before(async () => {
        srv = await mode.start({ jwtSecret: SECRET, adminToken });
      });
      after(() => srv.close());
      const get = (bearer?: string) =>
        request(
          srv.url,
          'GET',
          '/api/connections',
          undefined,
          bearer ? { authorization: `Bearer ${bearer}` } : {},
        );

      it('no credential: 401', async () => {
        const res = await get();
        assert.equal(res.status, 401);
        assert.match(res.body.message, /Authorization: Bearer/);
      });

      it('a wrong ADMIN_TOKEN or a forged JWT: 401', async () => {
        assert.equal((await get('not-the-admin-token')).status, 401);
        const forged = await hsToken(
          { sub: 'eve', claims: { admin: true } },
          'some-other-secret-of-length',
        );
        assert.equal((await get(forged)).status, 401);
      });

      it('a valid token of a user who is not an admin: 403', async () => {
        const res = await get(await hsToken({ sub: 'user' }));
        assert.equal(res.status, 403);
        assert.equal(res.body.error, 'forbidden');
      });

      it('an expired admin token: 401', async () => {
        const exp = Math.floor(Date.now() / 1000) - 60;
        assert.equal(
          (await get(await hsToken({ sub: 'old-admin', exp, claims: { admin: true } }))).status,
          401,
        );
      });

      it('an admin JWT and ADMIN_TOKEN: 200', async () => {
        assert.equal(
          (await get(await hsToken({ sub: 'root', claims: { admin: true } }))).status,
          200,
        );
        assert.equal((await get(adminToken)).status, 200);
      });

      it('the dashboard stream (GET /api/admin/stream) takes an admin JWT; a user token gets 403', async () => {
        const stream = async (bearer: string) => {
          const controller = new AbortController();
          const res = await send(new URL('/api/admin/stream', srv.url), {
            headers: { authorization: `Bearer ${bearer}` },
            signal: controller.signal,
          });
          controller.abort();
          return res;
        };
        const ok = await stream(await hsToken({ sub: 'root', claims: { admin: true } }));
        assert.equal(ok.status, 200);
        assert.match(ok.body.headers['content-type'] ?? '', /text\/event-stream/);
        assert.equal((await stream(await hsToken({ sub: 'user' }))).status, 403);
      });

      it('in production with neither ADMIN_TOKEN nor a JWT key the admin API stays off', async () => {
        const bare = await mode.start({ nodeEnv: 'production' });
        try {
          const res = await request(bare.url, 'GET', '/api/connections');
          assert.equal(res.status, 403);
          assert.equal(res.body.error, 'admin-disabled');
        } finally {
          await bare.close();
        }
      });

      it('in production with only a JWT key, admin JWTs open it', async () => {
        const jwtOnly = await mode.start({ nodeEnv: 'production', jwtSecret: SECRET });
        try {
          const admin = await hsToken({ sub: 'root', claims: { admin: true } });
          const ok = await request(jwtOnly.url, 'GET', '/api/connections', undefined, {
            authorization: `Bearer ${admin}`,
          });
          assert.equal(ok.status, 200);
          assert.equal((await request(jwtOnly.url, 'GET', '/api/connections')).status, 401);
        } finally {
          await jwtOnly.close();
        }
      });
    });
  });
}
