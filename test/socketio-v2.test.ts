import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { connectSocketIo, Recorder } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';

/** The little of socket.io-client 2.x (no types of its own) that the test uses. */
interface V2Socket {
  on(event: string, listener: (data: unknown) => void): void;
  emit(event: string, data: unknown): void;
  close(): void;
}
type V2Connect = (url: string, options: Record<string, unknown>) => V2Socket;
const ioV2 = createRequire(import.meta.url)('socket.io-client-v2') as V2Connect;

/** A Socket.IO v2 client (Engine.IO v3), as older apps ship it: credentials in the query. */
async function connectV2(url: string, query: Record<string, string>, transports?: string[]) {
  const socket = ioV2(url, { query, forceNew: true, reconnection: false, transports });
  const events = new Recorder();
  for (const event of ['welcome', 'video:room-state', 'video:user-joined', 'video:offer']) {
    socket.on(event, (data) => events.push(event, data));
  }
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', (error) => reject(error as Error));
    socket.on('error', (error) => reject(new Error(String(error))));
  });
  return { socket, events, welcome: await events.next('welcome') };
}

describe('Socket.IO v2 clients (Engine.IO v3)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  it('keeps what a v2 client was sent for a resume: its own pings confirm nothing read', async () => {
    const fast = await startServer({ pingInterval: 1000 });
    try {
      const old = await connectV2(fast.url, { userId: 'old-app' }, ['websocket']);
      const modern = await connectSocketIo(fast.url, { userId: 'new-app' });
      old.socket.emit('video:join-room', { roomId: 'kept' });
      await old.events.next('video:room-state');
      modern.emit('video:join-room', { roomId: 'kept' });
      await old.events.next('video:user-joined');
      const logOf = (id: string) => fast.server.engine.local.get(id)?.log;
      // The v4 client answers the server's pings; the v2 client, connected first, pings too.
      await until('a pong confirms what the v4 client read', () => logOf(modern.id)?.kept === 0);
      assert.ok(logOf(old.welcome.socketId)!.kept > 0, 'the v2 client confirmed nothing');
      old.socket.close();
      await modern.close();
    } finally {
      await fast.close();
    }
  });

  for (const transports of [undefined, ['websocket']]) {
    it(`connect with query credentials and signal v4 peers (${transports ?? 'polling, then websocket'})`, async () => {
      const old = await connectV2(srv.url, { userId: 'old-app', name: 'Old' }, transports);
      assert.equal(old.welcome.userId, 'old-app');
      const modern = await connectSocketIo(srv.url, { userId: 'new-app' });
      modern.emit('video:join-room', { roomId: 'mixed' });
      await modern.next('video:room-state');
      old.socket.emit('video:join-room', { roomId: 'mixed' });
      const state = await old.events.next('video:room-state');
      assert.equal(state.participants[0].socketId, modern.id);
      assert.equal((await modern.next('video:user-joined')).user.name, 'Old');
      const offer = { type: 'offer', sdp: 'v=0\r\n' };
      old.socket.emit('video:offer', { to: modern.id, offer });
      assert.deepEqual(await modern.next('video:offer'), { from: old.welcome.socketId, offer });
      modern.emit('video:offer', { to: old.welcome.socketId, offer });
      assert.deepEqual(await old.events.next('video:offer'), { from: modern.id, offer });
      old.socket.close();
      await modern.close();
    });
  }
});
