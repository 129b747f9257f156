import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { io, type Socket } from 'socket.io-client';
import { SseClient } from '../client/src/sse/sse-client.js';
import { UNCLEAN_SHUTDOWN } from '../src/store/store.js';
import { storeApi } from '../src/api/extension.js';
import { connectWebSocket } from './helpers/clients.js';
import { startServer } from './helpers/server.js';
import { clusterSuite, freePort, startNode, type NodeProcess } from './helpers/cluster.js';
import { postgresUrl, query, uniqueSchema } from './helpers/pg.js';
import { openSse, request } from './helpers/sse.js';
import { until } from './helpers/wait.js';

interface LogRow {
  type: string;
  roomId: string | null;
  details: { reason?: string; kind?: string } | null;
}

const historyOf = async (url: string, peerId: string): Promise<LogRow[]> =>
  (await request(url, 'GET', `/api/logs?peerId=${encodeURIComponent(peerId)}&limit=100`)).body.logs;

/** `npm start`'s process, stopped with SIGTERM: it must exit 0 on its own. */
async function stopCleanly(node: NodeProcess): Promise<void> {
  await node.kill('SIGTERM');
  assert.equal(node.child.exitCode, 0, `a clean stop exits 0:\n${node.log.slice(-10).join('\n')}`);
}

/** A plain socket.io-client with its default options, as the seed clients create it. */
function defaultSocketIo(url: string) {
  const socket: Socket = io(url);
  const reasons: string[] = [];
  let connects = 0;
  socket.on('connect', () => connects++);
  socket.on('disconnect', (reason) => reasons.push(reason));
  return { socket, reasons, connects: () => connects };
}

const stores = [
  {
    name: 'embedded PGlite (DATA_DIR)',
    setup() {
      const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-stop-'));
      return {
        env: { DATA_DIR: dataDir },
        cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL (DATABASE_URL)',
    setup() {
      const database = uniqueSchema('stop');
      const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${database}` }).href;
      return {
        env: { DATABASE_URL: databaseUrl },
        before: () => query(`create database "${database}"`),
        cleanup: () => query(`drop database if exists "${database}" with (force)`),
      };
    },
  },
];

for (const store of stores) {
  describe(`SIGTERM and a restart on the same port, ${store.name}`, { timeout: 240_000 }, () => {
    const { env: storeEnv, cleanup, ...hooks } = store.setup();
    let release = () => {};
    let port = 0;
    const env = () => ({ ...storeEnv, PORT: String(port) });
    const closers: Array<() => void> = [];
    before(async () => {
      release = await clusterSuite();
      await ('before' in hooks ? hooks.before?.() : undefined);
      port = await freePort();
    });
    after(async () => {
      closers.forEach((close) => close());
      await cleanup();
      release();
    });

    it('records every peer leaving with reason shutdown, and every client comes back', async () => {
      let node = await startNode(env());
      const plain = defaultSocketIo(node.url);
      closers.push(() => plain.socket.close());
      await until('the default socket.io-client connected', () => plain.socket.connected);
      const firstId = plain.socket.id!;
      plain.socket.emit('video:join-room', { roomId: 'stop-room' });
      const ws = await connectWebSocket(node.url, { userId: 'ws-peer' });
      closers.push(() => ws.ws.terminate());
      ws.emit('join-room', { roomId: 'stop-pair' });
      await ws.next('joined');
      const sse = await openSse(node.url, { query: { userId: 'sse-peer' } });
      closers.push(() => sse.abort());
      assert.equal(
        (await sse.post('/api/video/rooms/stop-room/join', { connectionId: sse.id })).status,
        200,
      );
      const sseClient = new SseClient({
        url: node.url,
        userId: 'sse-client',
        EventSource,
        baseDelay: 200,
        maxDelay: 1000,
        maxAttempts: 1000,
      });
      closers.push(() => sseClient.close());
      await until('the SSE client is open', () => sseClient.state === 'open');
      const firstSseId = sseClient.connectionId!;
      const peers = [firstId, ws.id, sse.peerId];
      await until('every join is on disk', async () => {
        const histories = await Promise.all(peers.map((id) => historyOf(node.url, id)));
        return histories.every((rows) => rows.some((r) => r.type === 'join'));
      });

      await stopCleanly(node);
      assert.equal((await ws.next('close', 5000)).code, 1012, '/ws: service restart, come back');
      assert.ok(
        plain.reasons.length > 0 && !plain.reasons.includes('io server disconnect'),
        `socket.io saw a transport close, not a final server disconnect: ${plain.reasons}`,
      );
      await sse.ended;
      assert.ok(!sse.log.some((e) => e.event === 'disconnect'), 'SSE: no "do not come back"');

      node = await startNode(env());
      try {
        await until(
          'the default socket.io-client came back by itself',
          () => {
            return plain.connects() === 2 && plain.socket.connected;
          },
          60_000,
        );
        await until(
          'the SSE client came back by itself',
          () => sseClient.state === 'open' && sseClient.connectionId !== firstSseId,
          60_000,
        );
        for (const [peerId, room] of [
          [firstId, 'stop-room'],
          [ws.id, 'stop-pair'],
          [sse.peerId, 'stop-room'],
        ] as const) {
          const rows = await historyOf(node.url, peerId);
          const leave = rows.find((r) => r.type === 'leave');
          const disconnect = rows.find((r) => r.type === 'disconnect');
          assert.equal(leave?.roomId, room, `${peerId} left ${room}: ${JSON.stringify(rows)}`);
          assert.equal(leave?.details?.reason, 'shutdown');
          assert.equal(disconnect?.details?.reason, 'shutdown');
        }
        if (!('DATA_DIR' in storeEnv)) return;

        // A kill -9 now: the next start ends the connections open, not those stopped cleanly.
        const survivors = [plain.socket.id!, sseClient.peerId!];
        await until('the reconnected peers are on disk', async () => {
          const histories = await Promise.all(survivors.map((id) => historyOf(node.url, id)));
          return histories.every((rows) => rows.some((r) => r.type === 'connect'));
        });
        await node.kill('SIGKILL');
        node = await startNode(env());
        for (const survivorId of survivors) {
          const swept = await historyOf(node.url, survivorId);
          assert.deepEqual(swept.find((r) => r.type === 'disconnect')?.details, {
            reason: UNCLEAN_SHUTDOWN,
          });
        }
        for (const peerId of peers) {
          const disconnects = (await historyOf(node.url, peerId)).filter(
            (r) => r.type === 'disconnect',
          );
          assert.deepEqual(
            disconnects.map((r) => r.details?.reason),
            ['shutdown'],
            `${peerId} keeps its one clean disconnect`,
          );
        }
        // The two clients that came back by themselves (Socket.IO and SSE); nothing older.
        assert.ok(
          node.log.some((line) => line.includes('ended the 2 connections')),
          node.log.join('\n'),
        );
      } finally {
        await node.kill('SIGTERM');
      }
    });
  });
}

describe('a clean stop with a peer waiting in its resume window (server.close())', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sinyal-stop-detached-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('ends the detached peer too, with its leave and disconnect (reason shutdown)', async () => {
    let srv = await startServer({ dataDir, extensions: [storeApi()] });
    const dropped = await connectWebSocket(srv.url, { userId: 'dropped' });
    dropped.emit('video:join-room', { roomId: 'waiting-room' });
    await dropped.next('video:room-state');
    dropped.ws.terminate();
    await until(
      'the peer is detached',
      () => srv.server.engine.local.get(dropped.id)?.transport === null,
    );
    await srv.close();
    srv = await startServer({ dataDir, extensions: [storeApi()] });
    try {
      const rows = await historyOf(srv.url, dropped.id);
      assert.deepEqual(
        rows
          .filter((r) => r.type === 'leave' || r.type === 'disconnect')
          .map((r) => [r.type, r.roomId, r.details?.reason])
          .sort(),
        [
          ['disconnect', null, 'shutdown'],
          ['leave', 'waiting-room', 'shutdown'],
        ],
      );
    } finally {
      await srv.close();
    }
  });
});
