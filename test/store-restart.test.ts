import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connectSocketIo } from './helpers/clients.js';
import { startServer } from './helpers/server.js';
import { request } from './helpers/sse.js';

describe('default embedded PGlite (DATA_DIR) across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-data-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps persistent rooms, their capacity, settings and history', async () => {
    let srv = await startServer({ dataDir, extensions: [storeApi()] });
    const health = (await request(srv.url, 'GET', '/health')).body;
    assert.match(
      health.checks.find((c: { name: string }) => c.name === 'store').detail,
      /^pglite up/,
    );
    const room = { roomId: 'pair-only', name: 'Two', hostId: 'h', maxParticipants: 2 };
    assert.equal((await request(srv.url, 'POST', '/api/video/rooms', room)).status, 201);
    await request(srv.url, 'POST', '/api/settings', { key: 'max_messages_per_second', value: 50 });
    const peer = await connectSocketIo(srv.url, { userId: 'before-restart' });
    await peer.close();
    await srv.close();

    srv = await startServer({ dataDir, extensions: [storeApi()] });
    try {
      assert.equal(srv.server.engine.settings.maxMessagesPerSecond, 50);
      const rooms = (await request(srv.url, 'GET', '/api/video/rooms')).body.rooms;
      assert.deepEqual(rooms[0], {
        ...room,
        persistent: true,
        participants: 0,
        createdAt: rooms[0].createdAt,
      });
      const peers = [];
      for (const userId of ['a', 'b', 'c']) {
        const p = await connectSocketIo(srv.url, { userId });
        peers.push(p);
        p.emit('video:join-room', { roomId: 'pair-only' });
      }
      await peers[0]!.next('video:room-state');
      await peers[1]!.next('video:room-state');
      assert.equal((await peers[2]!.next('room-full')).roomId, 'pair-only');
      await Promise.all(peers.map((p) => p.close()));
      const logs = (await request(srv.url, 'GET', `/api/logs?type=connect`)).body;
      assert.ok(logs.logs.some((l: { userId: string }) => l.userId === 'before-restart'));
    } finally {
      await srv.close();
    }
  });
});
