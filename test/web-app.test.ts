import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { buildClient } from '../scripts/build-client.mjs';
import { loadConfig } from '../src/config/config.js';
import { connectSocketIo } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';

describe('demo app at / and its assets', () => {
  let dir: string;
  let srv: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sinyal-web-'));
    srv = await startServer({ publicDir: await buildClient(dir, { minify: false }) });
  });
  after(async () => {
    await srv.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the call app, its ESM bundles and styles', async () => {
    const page = await fetch(`${srv.url}/?room=abc&name=me`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/assets\/app.js">/);
    for (const [asset, type] of [
      ['app.js', /text\/javascript/],
      ['sinyal-client.js', /text\/javascript/],
      ['sinyal-sse.js', /text\/javascript/],
      ['app.css', /text\/css/],
    ] as const) {
      const response = await fetch(`${srv.url}/assets/${asset}`);
      assert.equal(response.status, 200, asset);
      assert.match(response.headers.get('content-type')!, type);
      assert.ok((await response.text()).length > 1000, `${asset} has content`);
    }
    const sdk = await (await fetch(`${srv.url}/assets/sinyal-client.js`)).text();
    assert.match(sdk, /export\s*\{[^}]*SinyalClient/, 'the SDK bundle is an ES module');
    const sse = await (await fetch(`${srv.url}/assets/sinyal-sse.js`)).text();
    assert.match(sse, /export\s*\{[^}]*SseClient/, 'the SSE client bundle is an ES module');
  });

  it('serves /socket.io/socket.io.js as an Express + Socket.IO server does', async () => {
    const response = await fetch(`${srv.url}/socket.io/socket.io.js`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /javascript/);
    assert.match(await response.text(), /Socket\.IO v4/);
  });

  it('answers unknown or escaping asset paths with a JSON 404', async () => {
    for (const path of ['/assets/nope.js', '/assets/..%2F..%2Fpackage.json', '/assets/x.exe']) {
      const response = await fetch(`${srv.url}${path}`);
      assert.equal(response.status, 404, path);
      const body = await response.json();
      assert.equal(body.error, 'not-found', path);
    }
  });

  it('keeps the landing page when the demo is not built', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'sinyal-empty-'));
    const bare = await startServer({ publicDir: empty });
    try {
      const html = await (await fetch(`${bare.url}/`)).text();
      assert.match(html, /WebRTC signaling server/);
      assert.equal((await fetch(`${bare.url}/assets/app.js`)).status, 404);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('GET /api/ice-servers', () => {
  it('hands out STUN by default', async () => {
    const srv = await startServer();
    try {
      const body = await (await fetch(`${srv.url}/api/ice-servers`)).json();
      assert.deepEqual(body.iceServers, [{ urls: ['stun:stun.l.google.com:19302'] }]);
    } finally {
      await srv.close();
    }
  });

  it('signs time-limited TURN REST credentials with TURN_SECRET', async () => {
    const secret = 'coturn-shared-secret';
    const srv = await startServer({
      stunUrls: ['stun:stun.example.org:3478'],
      turnUrls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'],
      turnSecret: secret,
      turnTtl: 600,
    });
    try {
      const before = Math.floor(Date.now() / 1000);
      // TURN credentials go to a live connection, which proves itself with its welcome token.
      const peer = await connectSocketIo(srv.url, { userId: 'alice:1' });
      const { socketId, connectionToken } = peer.events.all[0]!.data;
      const query = new URLSearchParams({ connectionId: socketId, connectionToken });
      const response = await fetch(`${srv.url}/api/ice-servers?${query}`);
      await peer.close();
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const { iceServers, ttl } = await response.json();
      assert.equal(ttl, 600);
      assert.deepEqual(iceServers[0], { urls: ['stun:stun.example.org:3478'] });
      const turn = iceServers[1];
      assert.deepEqual(turn.urls, [
        'turn:turn.example.org:3478?transport=udp',
        'turns:turn.example.org:5349',
      ]);
      const [expiry, user] = turn.username.split(':');
      assert.equal(user, 'alice_1', 'a colon in the user id cannot fake the expiry field');
      assert.ok(Number(expiry) >= before + 600 && Number(expiry) <= before + 602, turn.username);
      const expected = createHmac('sha1', secret).update(turn.username).digest('base64');
      assert.equal(turn.credential, expected);
    } finally {
      await srv.close();
    }
  });

  it('uses ICE_SERVERS verbatim and rejects a malformed one at startup', () => {
    const list = [{ urls: 'turn:t.example:3478', username: 'u', credential: 'p' }];
    const config = loadConfig([], { ICE_SERVERS: JSON.stringify(list) });
    assert.deepEqual(config.iceServers, list);
    assert.throws(() => loadConfig([], { ICE_SERVERS: '[{"url": 1}' }), /ICE_SERVERS.*JSON/);
    assert.throws(() => loadConfig([], { ICE_SERVERS: '[{"credential": "x"}]' }), /ICE_SERVERS/);
  });

  it('requires a valid token when authentication is on', async () => {
    const jwtSecret = 'a-very-secret-signing-key';
    const srv = await startServer({
      jwtSecret,
      turnUrls: ['turn:t.example:3478'],
      turnSecret: 'shared-secret',
    });
    try {
      // No token: the STUN part only, never TURN credentials.
      const anonymous = await fetch(`${srv.url}/api/ice-servers`);
      assert.equal(anonymous.status, 200);
      const stun = (await anonymous.json()).iceServers as { urls: string[]; credential?: string }[];
      assert.ok(
        stun.length > 0 && stun.every((s) => !s.credential && !String(s.urls).includes('turn:')),
      );
      const refused = await fetch(`${srv.url}/api/ice-servers?token=forged`);
      assert.equal(refused.status, 401);
      assert.equal((await refused.json()).error, 'unauthorized');
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('bob')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(jwtSecret));
      const ok = await fetch(`${srv.url}/api/ice-servers`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(ok.status, 200);
      const { iceServers } = await ok.json();
      assert.match(iceServers[1].username, /^\d+:bob$/);
    } finally {
      await srv.close();
    }
  });
});
