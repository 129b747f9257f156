import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { attach } from '../src/server.js';
import { connectSocketIo, connectWebSocket } from './helpers/clients.js';
import { startServer } from './helpers/server.js';

describe('/health and /metrics (the shapes Express + Socket.IO mesh servers answer)', () => {
  it('reports connections and rooms, as JSON and as Prometheus text', async () => {
    const srv = await startServer();
    const a = await connectSocketIo(srv.url);
    const b = await connectWebSocket(srv.url);
    a.emit('video:join-room', { roomId: 'study-123-main' });
    b.emit('video:join-room', { roomId: 'study-123-main' });
    await b.next('video:room-state');

    const health = await (await fetch(`${srv.url}/health`)).json();
    assert.equal(health.status, 'ok');
    assert.equal(health.connections, 2);
    assert.equal(typeof health.uptime, 'number');
    assert.ok(!Number.isNaN(Date.parse(health.timestamp)));

    const metrics = await (await fetch(`${srv.url}/metrics`)).json();
    assert.equal(metrics.connections, 2);
    assert.equal(metrics.rooms, 1);
    assert.deepEqual(metrics.roomDetails, [{ name: 'video:study-123-main', participants: 2 }]);
    assert.equal(typeof metrics.memory.rss, 'number');
    assert.equal(typeof metrics.uptime, 'number');

    a.emit('video:offer', { to: b.id, offer: { type: 'offer', sdp: 'v=0' } });
    await b.next('video:offer');
    const text = await (
      await fetch(`${srv.url}/metrics`, { headers: { accept: 'text/plain' } })
    ).text();
    assert.match(text, /^sinyal_connections 2$/m);
    assert.match(text, /^sinyal_rooms 1$/m);
    assert.match(text, /^sinyal_relayed_messages_total 1$/m);
    assert.match(text, /^sinyal_process_cpu_user_seconds_total /m);
    assert.doesNotMatch(text, /process_process_|nodejs_nodejs_/);
    await a.close();
    await b.close();
    await srv.close();
  });

  it('answers every unknown route with one error shape', async () => {
    const srv = await startServer();
    try {
      for (const path of ['/nope', '/api/nope', '/assets/nope.js', '/metrics/x']) {
        const res = await fetch(`${srv.url}${path}`);
        assert.equal(res.status, 404, path);
        const body = await res.json();
        assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], path);
        assert.equal(body.error, 'not-found', path);
      }
    } finally {
      await srv.close();
    }
  });

  it('serves a page at / that says what the server is', async () => {
    const srv = await startServer();
    const res = await fetch(srv.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /sinyal/i);
    await srv.close();
  });
});

describe('limits and lifecycle', () => {
  it('refuses connections beyond MAX_CONNECTIONS with server-busy', async () => {
    const srv = await startServer({ maxConnections: 1 });
    const first = await connectWebSocket(srv.url);
    await assert.rejects(connectWebSocket(srv.url), /server-busy|welcome|Timed out/);
    srv.server.engine.settings.maxConnections = 2;
    const second = await connectWebSocket(srv.url);
    await first.close();
    await second.close();
    await srv.close();
  });

  it('tells connected clients on shutdown and closes within the timeout', async () => {
    const srv = await startServer({ shutdownTimeout: 2000 });
    const io = await connectSocketIo(srv.url);
    const ws = await connectWebSocket(srv.url);
    const started = Date.now();
    await srv.close();
    assert.ok(Date.now() - started < 2000);
    assert.ok(io.events.all.some((e) => e.event === 'server:shutdown'));
    // A transport close (not "io server disconnect") so Socket.IO clients reconnect by themselves.
    assert.equal(await io.next('disconnect'), 'transport close');
    assert.ok(ws.events.all.some((e) => e.event === 'server:shutdown'));
    assert.equal((await ws.next('close')).code, 1012, 'service restart: come back');
    await assert.rejects(fetch(`${srv.url}/health`));
  });
});

describe('embedding: attach() to an existing http.Server', () => {
  it('serves Socket.IO and /ws beside the host application', async () => {
    const host = createNodeServer((req, res) => {
      if (req.url === '/app') res.end('host app');
    });
    const sinyal = await attach(host, { logLevel: 'silent' });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    assert.equal(await (await fetch(`${url}/app`)).text(), 'host app');
    const a = await connectSocketIo(url);
    const b = await connectWebSocket(url);
    a.emit('join-room', { roomId: 'embedded' });
    await a.next('joined');
    b.emit('join-room', { roomId: 'embedded' });
    assert.equal((await a.next('ready')).partnerId, b.id);
    await a.close();
    await b.close();
    await sinyal.close();
    host.closeAllConnections();
    await new Promise((r) => host.close(r));
  });
});

describe('command line', () => {
  const cli = (env: Record<string, string>, args: string[] = []) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
    });

  it('names the bad setting and what it expects, and exits 1', async () => {
    const child = cli({ PORT: 'eighty', ROOM_CAPACITY: '1' });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 1);
    assert.match(stderr, /PORT="eighty"/);
    assert.match(stderr, /ROOM_CAPACITY="1"/);
  });

  it('starts from flags with one startup block, keeps DATA_DIR to itself, exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sinyal-cli-'));
    try {
      const child = cli({ DATA_DIR: dataDir }, ['--port', '0', '--host', '127.0.0.1']);
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          const match = /sinyal listening on (http:\/\/[^"]+)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.once('exit', () => reject(new Error(`exited early: ${stdout}`)));
      });
      assert.equal((await (await fetch(`${url}/health`)).json()).status, 'ok');
      // Not a terminal: JSON lines, and the startup facts in one of them.
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const startup = lines.filter((line) => /listening/i.test(line.msg));
      assert.equal(startup.length, 1, stdout);
      assert.equal(startup[0].docs, `${url}/docs`);
      assert.equal(startup[0].dashboard, `${url}/admin`);
      assert.match(startup[0].ice, /^STUN stun:\S+; no TURN/);
      const tagged = lines.filter((line) => line.ext === 'store' && /admin/.test(line.msg));
      assert.deepEqual(tagged, [], "the admin notice is the startup block's, not the store's");
      assert.match(startup[0].admin, /^on at \/api, only from this machine/);
      assert.equal(startup[0].store, `PGlite in ${dataDir}`);
      assert.match(startup[0].cluster, /this process only/);

      // A second server on the same DATA_DIR refuses, saying why and what to do.
      const second = cli({ DATA_DIR: dataDir }, ['--port', '0', '--host', '127.0.0.1']);
      let stderr = '';
      second.stderr.on('data', (d) => (stderr += d));
      assert.equal(await new Promise((r) => second.once('exit', r)), 1);
      assert.match(
        stderr,
        new RegExp(`DATA_DIR "${dataDir}" is in use by another sinyal process \\(pid ${child.pid}`),
      );
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');

      child.kill('SIGTERM');
      assert.equal(await new Promise((r) => child.once('exit', r)), 0);
      assert.ok(!existsSync(join(dataDir, 'sinyal.lock')), 'the lock is released on exit');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
