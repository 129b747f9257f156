import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { connectSocketIo, connectWebSocket } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';

const secret = 'a-test-secret-of-enough-length';
const token = (sub: string, extra: Record<string, unknown> = {}, key = secret) =>
  new SignJWT({ name: 'Dana Scully', picture: 'https://example.test/d.png', ...extra })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(key));

describe('anonymous handshakes (no authentication configured)', () => {
  it('gives a peer without userId a guest identity, and uses userId/name when given', async () => {
    const srv = await startServer();
    const guest = await connectSocketIo(srv.url);
    const welcome = guest.events.all.find((e) => e.event === 'welcome')!.data;
    assert.match(welcome.userId, /^guest-[0-9a-f]{8}$/);
    const named = await connectWebSocket(srv.url, { userId: 'u1', name: 'Una' });
    assert.deepEqual(named.events.all[0]!.data.user, { id: 'u1', name: 'Una', avatar: null });
    await guest.close();
    await named.close();
    await srv.close();
  });
});

describe('JWT authentication (AUTH_JWT_SECRET)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ jwtSecret: secret });
  });
  after(() => srv.close());

  it('refuses a Socket.IO handshake without a token with "Authentication required"', async () => {
    const socket = io(srv.url, { transports: ['websocket'], reconnection: false, auth: {} });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    assert.equal(error.message, 'Authentication required');
    socket.close();
  });

  it('refuses a forged token and a userId that differs from the token', async () => {
    const forged = await token('mulder', {}, 'another-secret-of-enough-length');
    await assert.rejects(connectSocketIo(srv.url, { token: forged }), /Token signature is invalid/);
    const good = await token('mulder');
    await assert.rejects(
      connectSocketIo(srv.url, { token: good, userId: 'someone-else' }),
      /does not match/,
    );
  });

  it('takes the identity from a valid token on both transports', async () => {
    const peer = await connectSocketIo(srv.url, { token: await token('scully') });
    assert.deepEqual(peer.events.all.find((e) => e.event === 'welcome')!.data.user, {
      id: 'scully',
      name: 'Dana Scully',
      avatar: 'https://example.test/d.png',
    });
    const ws = await connectWebSocket(srv.url, { token: await token('skinner') });
    assert.equal(ws.events.all[0]!.data.userId, 'skinner');
    await peer.close();
    await ws.close();
  });

  it('rejects a /ws upgrade with a bad token (401) and accepts a first "auth" frame', async () => {
    const bad = new WebSocket(`${srv.url.replace('http', 'ws')}/ws?token=nope`);
    const status = await new Promise<number>((resolve) =>
      bad.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    assert.equal(status, 401);

    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ event: 'auth', data: { token: await token('frame-user') } }));
    const welcome = await new Promise<{ event: string; data: { userId: string } }>((resolve) =>
      ws.once('message', (raw) => resolve(JSON.parse(raw.toString()))),
    );
    assert.equal(welcome.event, 'welcome');
    assert.equal(welcome.data.userId, 'frame-user');
    ws.close();
  });

  it('closes a /ws connection whose first frame is not auth (4401)', async () => {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ event: 'join-room', data: { roomId: 'r' } }));
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    assert.equal(code, 4401);
  });
});
