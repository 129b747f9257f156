import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { startFullServer } from '../helpers/access.js';
import { connectSocketIo, connectWebSocket } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

describe('AUTH_MODE=user-id (drop-in for Express + Socket.IO + Redis mesh clients)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startFullServer({ authMode: 'user-id' });
  });
  after(() => srv.close());

  it('refuses a Socket.IO handshake without userId with "Authentication required"', async () => {
    const socket = io(srv.url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: 'anything' },
    });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    assert.equal(error.message, 'Authentication required');
    socket.close();
  });

  it('takes userId as given and never checks the token, as that server did', async () => {
    const peer = await connectSocketIo(srv.url, {
      userId: 'u-42',
      token: 'not-a-jwt',
      name: 'Ada',
    });
    const welcome = peer.events.all.find((e) => e.event === 'welcome')!.data;
    assert.equal(welcome.userId, 'u-42');
    assert.equal(welcome.user.name, 'Ada');
    peer.emit('video:join-room', { roomId: 'study-room' });
    await peer.next('video:room-state');
    await peer.close();
  });

  it('/ws and SSE follow the same rule', async () => {
    const ws = await connectWebSocket(srv.url, { userId: 'w-1' });
    assert.equal(ws.events.all[0]!.data.userId, 'w-1');
    await ws.close();
    await assert.rejects(openSse(srv.url), /401.*Authentication required/);
    const sse = await openSse(srv.url, { query: { userId: 's-1' } });
    sse.abort();
  });

  it('refuses a JWT key together with AUTH_MODE=user-id, saying what to change', async () => {
    await assert.rejects(
      startFullServer({ authMode: 'user-id', jwtSecret: 'a-test-secret-of-enough-length' }),
      /ignores tokens, but a JWT key is set/,
    );
  });
});

describe('AUTH_MODE unset and no key (open)', () => {
  it('admits guests, as before', async () => {
    const srv = await startFullServer();
    const guest = await connectSocketIo(srv.url);
    assert.match(guest.events.all[0]!.data.userId, /^guest-/);
    await guest.close();
    await srv.close();
  });
});
