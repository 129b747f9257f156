import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { storeApi } from '../src/api/extension.js';
import type { SinyalOptions } from '../src/server.js';
import { connect, type TestPeer } from './helpers/clients.js';
import { closedBy, rawConnect, reset, selectedModes, type Mode } from './helpers/modes.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';
import { sleep } from './helpers/wait.js';

const MAX_PAYLOAD = 64 * 1024;
const BUDGET = 256 * 1024;
const bigSdp = 'a'.repeat(60_000);

// The test runner would swallow a crash of the in-process server; every check looks here.
const uncaught: unknown[] = [];
process.on('uncaughtExceptionMonitor', (error) => uncaught.push(error));

/** A `/ws` connection with only the given query (no waiting for `welcome`). */
async function openWs(url: string, query: Record<string, string> = {}): Promise<WebSocket> {
  const target = new URL('/ws', url.replace(/^http/, 'ws'));
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  const ws = new WebSocket(target, { rejectUnauthorized: false });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return ws;
}

const closeOf = (ws: WebSocket, timeout = 10_000) =>
  new Promise<{ code: number; reason: string }>((resolve, reject) => {
    if (ws.readyState === ws.CLOSED) return reject(new Error('already closed'));
    const timer = setTimeout(() => reject(new Error(`still open after ${timeout} ms`)), timeout);
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });

/** Credentials as a `/ws` query for the mode. */
const wsQuery = async (mode: Mode, userId: string) =>
  Object.fromEntries(
    Object.entries(await mode.credentials(userId)).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;

const requiresAuth = (mode: Mode) => Boolean(mode.options().jwtSecret);

for (const mode of selectedModes()) {
  describe(`hostile connections (${mode.name})`, () => {
    let options: SinyalOptions;
    let srv: TestServer;
    let alice: TestPeer;
    let bob: TestPeer;

    before(async () => {
      options = {
        ...mode.options(),
        maxPayloadBytes: MAX_PAYLOAD,
        authTimeout: 300,
        headersTimeout: 3000,
      };
      srv = await startServer({
        ...options,
        maxBufferedBytes: BUDGET,
        extensions: [storeApi({ store: { dataDir: 'memory://' } })],
      });
      alice = await connect('socket.io', srv.url, await mode.credentials('alice'));
      bob = await connect('websocket', srv.url, await mode.credentials('bob'));
      alice.emit('join-room', { roomId: 'unrelated' });
      await alice.next('joined');
      bob.emit('join-room', { roomId: 'unrelated' });
      await bob.next('joined');
    });
    after(async () => {
      await alice.close();
      await bob.close();
      await srv.close();
      await mode.cleanup(options);
    });

    /** The process answers and an unrelated pair still relays. */
    async function stillServing(): Promise<void> {
      assert.deepEqual(uncaught, [], 'the server threw an uncaught exception');
      const health = await request(srv.url, 'GET', '/health');
      assert.equal(health.status, 200);
      alice.emit('offer', { roomId: 'unrelated', sdp: { type: 'offer', sdp: 'v=0' } });
      assert.equal((await bob.next('offer-received', 10_000)).from, alice.id);
    }

    it('survives an upgrade request for the path "//:" (not a URL)', async () => {
      const socket = await rawConnect(srv.url);
      const closed = closedBy(socket);
      socket.write(
        'GET //: HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      await closed;
      await stillServing();
    });

    it('survives upgrades that reset the connection before, during and after the handshake', async () => {
      for (const path of ['/ws', '/ws?token=x', '/socket.io/?EIO=4&transport=websocket', '/nope']) {
        const socket = await rawConnect(srv.url);
        socket.on('error', () => {});
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
        reset(socket);
      }
      await stillServing();
    });

    it('closes a connection that never finishes its headers (HEADERS_TIMEOUT_MS)', async () => {
      const partial = await rawConnect(srv.url);
      const silent = await rawConnect(srv.url);
      const partialClosed = closedBy(partial);
      const silentClosed = closedBy(silent);
      partial.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
      await Promise.all([partialClosed, silentClosed]);
      await stillServing();
    });

    it('answers bad frames before (or without) authentication with a close code, not a crash', async () => {
      const query = requiresAuth(mode) ? {} : await wsQuery(mode, 'mallory');
      const cases: Array<[string, (ws: WebSocket) => void, number[]]> = [
        [
          'invalid UTF-8',
          (ws) => ws.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false }),
          [1007],
        ],
        ['oversized', (ws) => ws.send('a'.repeat(MAX_PAYLOAD + 1)), [1009]],
        ['oversized binary', (ws) => ws.send(Buffer.alloc(MAX_PAYLOAD + 1)), [1009]],
      ];
      for (const [name, send, codes] of cases) {
        const ws = await openWs(srv.url, query);
        const closed = closeOf(ws);
        send(ws);
        const { code } = await closed;
        assert.ok(codes.includes(code), `${name}: closed with ${code}`);
      }
      await stillServing();
    });

    it('refuses a binary frame, and bounds a flood of frames, before authentication', async () => {
      const query = requiresAuth(mode) ? {} : await wsQuery(mode, 'mallory');
      const binary = await openWs(srv.url, query);
      if (requiresAuth(mode)) {
        const closed = closeOf(binary);
        binary.send(Buffer.from([1, 2, 3]));
        assert.equal((await closed).code, 4401);
      } else {
        const answer = new Promise<string>((resolve) =>
          binary.on('message', (raw) => {
            const frame = JSON.parse(raw.toString()) as { event: string; data: { code: string } };
            if (frame.event === 'error') resolve(frame.data.code);
          }),
        );
        binary.send(Buffer.from([1, 2, 3]));
        assert.equal(await answer, 'invalid-payload');
        binary.close();
      }
      const flood = await openWs(srv.url, query);
      const closed = closeOf(flood);
      const frame = JSON.stringify({ event: 'leave-room', data: { roomId: 'x'.repeat(100) } });
      for (let i = 0; i < 500; i++) flood.send(frame);
      if (requiresAuth(mode)) assert.equal((await closed).code, 4401);
      else flood.close();
      await stillServing();
    });

    it(
      'closes a /ws connection whose auth frame never comes (AUTH_TIMEOUT_MS)',
      { skip: !requiresAuth(mode) && 'this mode needs no auth frame' },
      async () => {
        const ws = await openWs(srv.url);
        const { code, reason } = await closeOf(ws);
        assert.equal(code, 4401);
        assert.match(reason, /Authentication required/);
        await stillServing();
      },
    );

    /**
     * Alice offers 60 KB SDPs to `slowId` (which stopped reading) until the server drops it:
     * `video:user-left` in their mesh room. Paced under the rate limit.
     */
    async function floodUntilDropped(roomId: string, slowId: string): Promise<void> {
      const left = (async () => {
        for (;;) {
          const event = await alice.next('video:user-left', 60_000);
          if (event.socketId === slowId) return;
        }
      })();
      let dropped = false;
      void left.then(() => (dropped = true));
      for (let batch = 0; batch < 100 && !dropped; batch++) {
        for (let i = 0; i < 50; i++) {
          alice.emit('video:offer', { to: slowId, offer: { type: 'offer', sdp: bigSdp } });
        }
        await sleep(300); // time is the subject: floods at a pace under the rate limit
      }
      await left;
      alice.events.drain('error');
      alice.emit('video:leave-room', { roomId });
    }

    async function overBudgetCount(transport: string): Promise<number> {
      const text = await new Promise<string>((resolve, reject) => {
        const url = new URL('/metrics', srv.url);
        const get = url.protocol === 'https:' ? httpsGet : httpGet;
        get(url, { headers: { accept: 'text/plain' }, rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      const line = new RegExp(
        `sinyal_outbound_budget_disconnects_total\\{transport="${transport}"\\} (\\d+)`,
      ).exec(text);
      return Number(line?.[1] ?? 0);
    }

    async function joinMesh(roomId: string): Promise<void> {
      alice.emit('video:join-room', { roomId });
      await alice.next('video:room-state', 10_000);
    }

    for (const [transport, label] of [
      ['socket.io', 'a Socket.IO'],
      ['websocket', 'a /ws'],
    ] as const) {
      it(`disconnects ${label} client that stopped reading (MAX_BUFFERED_BYTES)`, async () => {
        const roomId = `slow-${transport}`;
        await joinMesh(roomId);
        const slow = await connect(transport, srv.url, await mode.credentials('slow'));
        slow.emit('video:join-room', { roomId });
        await slow.next('video:room-state');
        await alice.next('video:user-joined');
        slow.pauseReading();
        await floodUntilDropped(roomId, slow.id);
        assert.equal(await overBudgetCount(transport), 1);
        await slow.close();
        await stillServing();
      });
    }

    it('disconnects an SSE client that stopped reading (MAX_BUFFERED_BYTES)', async () => {
      await joinMesh('slow-sse');
      const socket = await rawConnect(srv.url);
      socket.on('error', () => {});
      const query = new URLSearchParams(await wsQuery(mode, 'slow'));
      socket.write(
        `GET /api/events?${query} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`,
      );
      let head = '';
      const connected = await new Promise<{
        connectionId: string;
        connectionToken: string;
        peerId: string;
      }>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          head += chunk.toString();
          const match = /event: connected\ndata: (\{.*\})\n/.exec(head);
          if (match) resolve(JSON.parse(match[1]!));
        });
      });
      socket.pause();
      const joined = await request(
        srv.url,
        'POST',
        '/api/video/rooms/slow-sse/join',
        { connectionId: connected.connectionId },
        { 'X-Connection-Token': connected.connectionToken },
      );
      assert.equal(joined.status, 200);
      await alice.next('video:user-joined');
      await floodUntilDropped('slow-sse', connected.peerId);
      assert.equal(await overBudgetCount('sse'), 1);
      socket.destroy();
      await stillServing();
    });
  });
}
