import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { allTransports, attempt, accessModes } from '../helpers/access.js';
import { connectSocketIo } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import {
  hsToken,
  keyPair,
  SECRET,
  signedToken,
  startJwks,
  unsignedToken,
  type JwksServer,
  type KeyPair,
} from '../helpers/tokens.js';
import { until } from '../helpers/wait.js';

async function refused(srv: TestServer, token: string, reason: RegExp): Promise<void> {
  for (const transport of allTransports) {
    const result = await attempt(transport, srv.url, token);
    if (result.ok) {
      await result.close();
      assert.fail(`${transport} accepted a token it should refuse (${reason})`);
    }
    assert.match(result.message, reason, `${transport}: ${result.message}`);
    if (transport !== 'socket.io') assert.equal(result.status, 401, transport);
  }
}

async function accepted(srv: TestServer, token: string, userId: string): Promise<void> {
  for (const transport of allTransports) {
    const result = await attempt(transport, srv.url, token);
    assert.ok(result.ok, `${transport} refused: ${!result.ok && result.message}`);
    assert.equal(result.userId, userId, transport);
    await result.close();
  }
}

for (const mode of accessModes()) {
  describe(mode.name, () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      describe(`AUTH_JWT_PUBLIC_KEY with ${alg} tokens`, () => {
        let srv: TestServer;
        let pair: KeyPair;
        before(async () => {
          pair = await keyPair(alg);
          srv = await mode.start({
            jwtPublicKey: pair.publicPem,
            jwtIssuer: ['https://idp.test'],
            jwtAudience: ['sinyal'],
          });
        });
        after(() => srv.close());

        it('accepts a token of that key on Socket.IO, /ws and SSE', async () => {
          await accepted(
            srv,
            await signedToken(pair, { sub: 'ada', iss: 'https://idp.test', aud: 'sinyal' }),
            'ada',
          );
        });

        it('refuses alg none, and HS256 signed with the public key (algorithm confusion)', async () => {
          await refused(srv, unsignedToken('mallory'), /algorithm \(none\) is not accepted/);
          const confused = await new SignJWT({
            sub: 'mallory',
            iss: 'https://idp.test',
            aud: 'sinyal',
          })
            .setProtectedHeader({ alg: 'HS256' })
            .setExpirationTime('5m')
            .sign(new TextEncoder().encode(pair.publicPem));
          await refused(srv, confused, /algorithm \(HS256\) is not accepted/);
        });

        it('refuses expired, not-yet-valid, foreign iss or aud, no sub, no exp', async () => {
          const base = { iss: 'https://idp.test', aud: 'sinyal' };
          const now = Math.floor(Date.now() / 1000);
          await refused(srv, await signedToken(pair, { ...base, exp: now - 60 }), /expired/);
          await refused(srv, await signedToken(pair, { ...base, nbf: now + 600 }), /not valid yet/);
          await refused(
            srv,
            await signedToken(pair, { ...base, iss: 'https://evil.test' }),
            /issuer/,
          );
          await refused(srv, await signedToken(pair, { ...base, aud: 'another-app' }), /audience/);
          await refused(srv, await signedToken(pair, { ...base, sub: null }), /no subject/);
          await refused(srv, await signedToken(pair, { ...base, exp: null }), /no expiry/);
        });

        it('refuses a token signed by another key of the same type', async () => {
          const other = await keyPair(alg);
          const token = await signedToken(other, { iss: 'https://idp.test', aud: 'sinyal' });
          await refused(srv, token, /signature is invalid/);
        });
      });
    }

    describe('AUTH_JWT_SECRET', () => {
      let srv: TestServer;
      before(async () => {
        srv = await mode.start({ jwtSecret: SECRET });
      });
      after(() => srv.close());

      it('refuses a 16 KB token with a clear reason, on Socket.IO and the /ws auth frame', async () => {
        const huge = await hsToken({ claims: { padding: 'x'.repeat(16 * 1024) } });
        await assert.rejects(connectSocketIo(srv.url, { token: huge }), /Token is too long/);
      });

      it('refuses a token without exp by default, and other algorithms than HS*', async () => {
        await refused(srv, await hsToken({ exp: null }), /no expiry/);
        await refused(srv, unsignedToken(), /algorithm \(none\)/);
      });

      it('answers every refusal with Authentication required when there is no token', async () => {
        const result = await attempt('socket.io', srv.url, '');
        assert.ok(!result.ok);
        assert.equal(result.message, 'Authentication required');
      });
    });

    describe('AUTH_JWT_REQUIRE_EXP=false', () => {
      it('accepts a token without exp when told to', async () => {
        const srv = await mode.start({ jwtSecret: SECRET, jwtRequireExp: false });
        await accepted(srv, await hsToken({ sub: 'forever', exp: null }), 'forever');
        await srv.close();
      });
    });

    describe('AUTH_JWKS_URL', () => {
      let jwks: JwksServer;
      let srv: TestServer;
      let first: KeyPair;
      before(async () => {
        first = await keyPair('RS256', 'key-1');
        jwks = await startJwks([first]);
        srv = await mode.start({ jwksUrl: jwks.url });
      });
      after(async () => {
        await srv.close();
        await jwks.close();
      });

      it('verifies with the fetched keys and caches them', async () => {
        await accepted(srv, await signedToken(first, { sub: 'k1' }), 'k1');
        const fetched = jwks.requests;
        await accepted(srv, await signedToken(first, { sub: 'k1-again' }), 'k1-again');
        assert.equal(jwks.requests, fetched, 'a known kid is not fetched again');
      });

      it('picks up a new kid after rotation (mid-run), and refuses an unknown kid', async () => {
        const second = await keyPair('ES256', 'key-2');
        jwks.keys.push(second);
        // The JWKS is refetched for an unknown kid at most every 10 s (cooldown after the first fetch).
        let result!: Awaited<ReturnType<typeof attempt>>;
        const token = await signedToken(second, { sub: 'k2' });
        const accepted = async () => (result = await attempt('socket.io', srv.url, token)).ok;
        await until('the new kid is accepted', accepted, 30_000, 500);
        if (result.ok) await result.close();
        const stranger = await keyPair('RS256', 'key-unknown');
        await refused(srv, await signedToken(stranger, { sub: 'x' }), /kid|signature/);
      });

      it('a JWKS outage refuses new logins clearly (503) and leaves connected peers alone', async () => {
        const warm = await mode.start({ jwksUrl: jwks.url });
        let cold: TestServer | undefined;
        try {
          const token = await signedToken(first, { sub: 'stays' });
          const connected = await connectSocketIo(warm.url, { token });
          jwks.down = true;
          // A server that never got the keys cannot check anyone: a clear, retryable refusal.
          cold = await mode.start({ jwksUrl: jwks.url });
          const sio = await attempt('socket.io', cold.url, token);
          assert.ok(!sio.ok);
          assert.match(sio.message, /keys \(AUTH_JWKS_URL\) are unreachable/);
          const sse = await attempt('sse', cold.url, token);
          assert.ok(!sse.ok);
          assert.equal(sse.status, 503);
          const ws = await attempt('websocket', cold.url, token);
          assert.ok(!ws.ok);
          assert.equal(ws.status, 503);
          // The connected peer goes on; keys already fetched keep working through the outage.
          connected.emit('join-room', { roomId: 'still-here' });
          assert.deepEqual((await connected.next('joined')).members, [connected.id]);
          await accepted(warm, await signedToken(first, { sub: 'cached' }), 'cached');
          await connected.close();
        } finally {
          jwks.down = false;
          await cold?.close();
          await warm.close();
        }
      });
    });
  });
}
