import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { UNCLEAN_SHUTDOWN } from '../src/store/store.js';
import { connectSocketIo } from './helpers/clients.js';
import { ensureBuilt, startNode } from './helpers/cluster.js';
import { startServer } from './helpers/server.js';
import { request } from './helpers/sse.js';
import { until } from './helpers/wait.js';

interface LogRow {
  type: string;
  roomId: string | null;
  peerId: string | null;
  details: { reason?: string; kind?: string } | null;
  createdAt: string;
}

const logsOf = async (url: string, query: string): Promise<LogRow[]> =>
  (await request(url, 'GET', `/api/logs?${query}`)).body.logs;

describe('embedded PGlite (DATA_DIR) after a kill -9', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('ends the connection and every room membership the killed server left open, once', async () => {
    await ensureBuilt();
    // `npm start`'s binary with the default embedded store, killed with no chance to clean up.
    const node = await startNode({ DATA_DIR: dataDir });
    const peer = await connectSocketIo(node.url, { userId: 'killed' });
    peer.emit('video:join-room', { roomId: 'crashed' });
    await peer.next('video:room-state');
    peer.emit('join-room', { roomId: 'crashed-pair' });
    await peer.next('joined');
    // A room it left before the kill gets no second leave.
    peer.emit('join-room', { roomId: 'left-before' });
    await peer.next('joined');
    peer.emit('leave-room', { roomId: 'left-before' });
    // Until its joins and leave are on disk: the store API reads the same database.
    await until(
      'connect, 3 joins and a leave are written',
      async () => (await logsOf(node.url, `peerId=${peer.id}`)).length >= 5,
      20_000,
    );
    const [joinRow] = await logsOf(node.url, 'type=join&roomId=crashed');
    await node.kill('SIGKILL');
    await peer.close();

    const api = storeApi();
    let srv = await startServer({ dataDir, extensions: [api] });
    try {
      const query = (text: string) => api.store!.backend.queries.rawQuery(text);
      const [connection] = await query(
        `select closed_at, close_reason from connections where id = '${peer.id}'`,
      );
      assert.equal(connection?.close_reason, UNCLEAN_SHUTDOWN);
      const [member] = await query(
        `select left_at from video_participants where peer_id = '${peer.id}'`,
      );
      assert.ok(member?.left_at, 'the membership has an end');
      // As of the last event the killed server recorded, never before the join itself.
      const endedAt = new Date(connection!.closed_at as string).getTime();
      assert.ok(endedAt >= new Date(joinRow!.createdAt).getTime());
      assert.ok(endedAt <= Date.now());

      const [disconnect] = await logsOf(srv.url, `type=disconnect&peerId=${peer.id}`);
      assert.deepEqual(disconnect?.details, { reason: UNCLEAN_SHUTDOWN });
      const leaves = await logsOf(srv.url, `type=leave&peerId=${peer.id}`);
      const ended = leaves.filter((l) => l.details?.reason === UNCLEAN_SHUTDOWN);
      assert.deepEqual(ended.map((l) => [l.roomId, l.details?.kind]).sort(), [
        ['crashed', 'mesh'],
        ['crashed-pair', 'pair'],
      ]);
      assert.equal(leaves.length, 3, 'one leave per room: the one left before, two ended');
      await srv.close();

      // A clean stop leaves nothing open: the next start ends nothing more.
      srv = await startServer({ dataDir, extensions: [storeApi()] });
      assert.equal((await logsOf(srv.url, `type=disconnect&peerId=${peer.id}`)).length, 1);
      assert.equal((await logsOf(srv.url, `type=leave&peerId=${peer.id}`)).length, 3);
    } finally {
      await srv.close();
    }
  });
});
