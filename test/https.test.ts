import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { io } from 'socket.io-client';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { createServer } from '../src/server.js';

/** GET over TLS, trusting only `ca` (or anything, for the generated certificate). */
function get(url: string, ca?: string): Promise<{ status: number; body: string; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, rejectUnauthorized: Boolean(ca), agent: false }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      const cn = peer.subject?.CN;
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          body,
          cert: Array.isArray(cn) ? cn.join() : (cn ?? ''),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS for LAN testing', () => {
  it('--https alone serves a generated self-signed certificate, Socket.IO included', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sinyal-https-'));
    const config = loadConfig(
      ['--https', '--port', '0', '--host', '127.0.0.1', '--log-level', 'silent'],
      { DATA_DIR: dataDir },
    );
    assert.equal(config.https, true);
    const server = await createServer(config);
    try {
      assert.equal(server.tls?.source, 'generated');
      const { url } = await server.listen();
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await get(`${url}/health`);
      assert.equal(health.status, 200);
      assert.equal(JSON.parse(health.body).status, 'ok');
      assert.equal(health.cert, 'sinyal development');
      const socket = io(url, {
        transports: ['websocket'],
        rejectUnauthorized: false,
        reconnection: false,
      });
      const welcome = await new Promise<{ socketId: string }>((resolve, reject) => {
        socket.once('welcome', resolve);
        socket.once('connect_error', reject);
      });
      assert.equal(welcome.socketId, socket.id);
      socket.disconnect();
    } finally {
      await server.close();
    }
    try {
      // A phone accepts the certificate once: the next start serves the same one.
      const kept = await readFile(join(dataDir, 'tls', 'cert.pem'), 'utf8');
      const again = await createServer(config);
      await again.close();
      assert.equal(again.tls?.source, 'reused');
      assert.equal(again.tls?.cert, kept);

      // Near its expiry it is replaced.
      const short = await generate([{ name: 'commonName', value: 'sinyal development' }], {
        keyType: 'ec',
        curve: 'P-256',
        notAfterDate: new Date(Date.now() + 5 * 24 * 3600 * 1000),
      });
      await writeFile(join(dataDir, 'tls', 'cert.pem'), short.cert);
      await writeFile(join(dataDir, 'tls', 'key.pem'), short.private);
      const renewed = await createServer(config);
      await renewed.close();
      assert.equal(renewed.tls?.source, 'generated');
      assert.ok(renewed.tls!.validTo.getTime() > Date.now() + 300 * 24 * 3600 * 1000);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('names the setting when a certificate file is missing or not PEM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sinyal-tls-'));
    try {
      const garbage = join(dir, 'garbage.pem');
      await writeFile(garbage, 'hello');
      const missing = join(dir, 'nope.pem');
      const cases: Array<[Record<string, string>, RegExp]> = [
        [
          { HTTPS_CERT: missing, HTTPS_KEY: garbage },
          /^HTTPS_CERT: cannot read ".*nope\.pem" \(ENOENT\)/,
        ],
        [{ HTTPS_CERT: garbage, HTTPS_KEY: missing }, /^HTTPS_KEY: cannot read ".*nope\.pem"/],
        [
          { HTTPS_CERT: garbage, HTTPS_KEY: garbage },
          /^HTTPS_CERT: ".*garbage\.pem" is not a PEM certificate/,
        ],
      ];
      for (const [env, message] of cases) {
        await assert.rejects(
          createServer(loadConfig([], { HTTPS: 'true', LOG_LEVEL: 'silent', ...env })),
          (error: Error) => error instanceof ConfigError && message.test(error.message),
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses HTTPS_CERT and HTTPS_KEY when given, and refuses one without the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sinyal-tls-'));
    try {
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
        keyType: 'ec',
        curve: 'P-256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      await writeFile(cert, pems.cert);
      await writeFile(key, pems.private);
      const env = {
        HTTPS: 'true',
        HTTPS_CERT: cert,
        HTTPS_KEY: key,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      };
      const server = await createServer(loadConfig([], env));
      try {
        const { url } = await server.listen();
        const health = await get(`${url}/health`, pems.cert); // verified against that certificate
        assert.equal(health.status, 200);
        assert.equal(health.cert, 'localhost');
      } finally {
        await server.close();
      }
      await assert.rejects(
        createServer(loadConfig([], { ...env, HTTPS_KEY: undefined })),
        /HTTPS_CERT and HTTPS_KEY must be given together/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
