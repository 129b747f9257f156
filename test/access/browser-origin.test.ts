import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accessModes } from '../helpers/access.js';
import { connectSocketIo, connectWebSocket, type TestPeer } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { readAll, request, send } from '../helpers/sse.js';

const listed = 'https://app.example';
const evil = 'http://evil.example';
const adminToken = 'an-admin-token-of-enough-length';

/** A page of another site, or a DNS-rebinding page: its own name as Origin and Host. */
function rebinding(srv: TestServer): { origin: string; host: string } {
  const host = `evil.example:${srv.port}`;
  return { origin: `${new URL(srv.url).protocol}//${host}`, host };
}

/** The status of `GET /api/events` (the stream is dropped as soon as it is answered). */
async function sseStatus(srv: TestServer, headers: Record<string, string>): Promise<number> {
  const controller = new AbortController();
  const res = await send(new URL('/api/events', srv.url), { headers, signal: controller.signal });
  if (res.status !== 200) await readAll(res.body);
  controller.abort();
  return res.status;
}

/** The calls a borrowing page would make: kick, broadcast, read logs (with IPs), the stream. */
const adminCalls = (peerId: string) =>
  [
    ['DELETE', `/api/connections/${peerId}`, undefined],
    ['POST', '/api/broadcast', { text: 'from a web page' }],
    ['GET', '/api/logs', undefined],
    ['GET', '/api/connections', undefined],
    ['DELETE', '/api/logs', undefined],
    ['GET', '/api/admin/stream', undefined],
  ] as const;

/** What a refused admin call must not have done to the peer. */
const reached = (peer: TestPeer) =>
  peer.events.all.filter((e) => ['kicked', 'broadcast', 'disconnect'].includes(e.event));

async function preflight(srv: TestServer, path: string, origin: string, method: string) {
  const res = await send(new URL(path, srv.url), {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method },
  });
  await readAll(res.body);
  return res.body.headers['access-control-allow-origin'];
}

for (const mode of accessModes()) {
  describe(`the server's own pages with ALLOWED_ORIGINS set (${mode.name})`, () => {
    let srv: TestServer;
    before(async () => {
      srv = await mode.start({ allowedOrigins: [listed] });
    });
    after(() => srv.close());

    it('connect on Socket.IO, /ws and SSE: their origin is the server’s own', async () => {
      const own = new URL(srv.url).origin;
      const socket = await connectSocketIo(srv.url, { origin: own });
      const polling = await connectSocketIo(srv.url, { origin: own, polling: true });
      const ws = await connectWebSocket(srv.url, { origin: own });
      assert.equal(await sseStatus(srv, { Origin: own }), 200);
      await Promise.all([socket.close(), polling.close(), ws.close()]);
    });

    it('refuse a foreign origin, and a rebinding page that names itself in Host', async () => {
      for (const headers of [{ origin: evil }, rebinding(srv)]) {
        await assert.rejects(connectSocketIo(srv.url, headers), headers.origin);
        await assert.rejects(connectWebSocket(srv.url, headers), /403/, headers.origin);
        const sse = {
          Origin: headers.origin,
          ...('host' in headers ? { Host: headers.host } : {}),
        };
        assert.equal(await sseStatus(srv, sse), 403, headers.origin);
      }
    });
  });

  describe(`admin without a credential cannot be borrowed by a web page (${mode.name})`, () => {
    let srv: TestServer;
    let peer: TestPeer;
    before(async () => {
      // ADMIN_API=on: production has the loopback admin only when asked for.
      srv = await mode.start({ adminApi: 'on', allowedOrigins: [listed] });
      peer = await connectSocketIo(srv.url);
    });
    after(async () => {
      await peer.close();
      await srv.close();
    });

    it('refuses a foreign Origin with 403, listed in ALLOWED_ORIGINS or not', async () => {
      for (const origin of [evil, listed, 'null']) {
        for (const [method, path, body] of adminCalls(peer.id)) {
          const res = await request(srv.url, method, path, body, { Origin: origin });
          assert.equal(res.status, 403, `${origin} ${method} ${path}`);
          assert.equal(res.body.error, 'foreign-origin');
          assert.match(res.body.message, /other web pages.*ADMIN_TOKEN/);
        }
      }
      assert.deepEqual(reached(peer), []);
    });

    it('refuses a Host that is not its name (DNS rebinding) with 403', async () => {
      const page = rebinding(srv);
      const borrowed: Record<string, string>[] = [
        { Host: page.host },
        { Host: page.host, Origin: page.origin },
      ];
      for (const headers of borrowed) {
        for (const [method, path, body] of adminCalls(peer.id)) {
          const res = await request(srv.url, method, path, body, headers);
          assert.equal(res.status, 403, `${method} ${path}`);
          assert.equal(res.body.error, 'foreign-host');
          assert.match(res.body.message, /DNS-rebinding/);
        }
      }
      assert.deepEqual(reached(peer), []);
    });

    it('answers its own pages (the dashboard) and clients that send no Origin', async () => {
      const own = new URL(srv.url).origin;
      const ours: Record<string, string>[] = [
        { Origin: own },
        {},
        { Host: `localhost:${srv.port}` },
      ];
      for (const headers of ours) {
        const res = await request(srv.url, 'GET', '/api/connections', undefined, headers);
        assert.equal(res.status, 200, JSON.stringify(headers));
        assert.ok(res.body.connections.some((c: { id: string }) => c.id === peer.id));
      }
    });

    it('its CORS never answers a foreign origin on admin routes', async () => {
      for (const origin of [evil, listed]) {
        for (const [method, path] of adminCalls(peer.id)) {
          assert.equal(await preflight(srv, path, origin, method), undefined, `${origin} ${path}`);
        }
      }
      // The listed origin keeps its CORS on the routes of peers.
      const join = '/api/video/rooms/r1/join';
      assert.equal(await preflight(srv, join, listed, 'POST'), listed);
      assert.equal(await preflight(srv, join, evil, 'POST'), undefined);
    });
  });

  describe(`admin with ADMIN_TOKEN (${mode.name})`, () => {
    let srv: TestServer;
    before(async () => {
      srv = await mode.start({ adminToken, allowedOrigins: [listed] });
    });
    after(() => srv.close());

    it('a token holder may call from a listed origin or any Host (a proxy), not from others', async () => {
      const bearer = { Authorization: `Bearer ${adminToken}` };
      const fromApp = await request(srv.url, 'GET', '/api/logs', undefined, {
        ...bearer,
        Origin: listed,
      });
      assert.equal(fromApp.status, 200);
      const proxied = await request(srv.url, 'GET', '/api/logs', undefined, {
        ...bearer,
        Host: 'signal.example',
      });
      assert.equal(proxied.status, 200);
      const foreign = await request(srv.url, 'GET', '/api/logs', undefined, {
        ...bearer,
        Origin: evil,
      });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.body.error, 'origin-not-allowed');
      assert.equal(await preflight(srv, '/api/connections/x', evil, 'DELETE'), undefined);
      assert.equal(await preflight(srv, '/api/connections/x', listed, 'DELETE'), listed);
      const anonymous = await request(srv.url, 'GET', '/api/logs', undefined, { Origin: listed });
      assert.equal(anonymous.status, 401);
    });
  });
}
