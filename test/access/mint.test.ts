import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { exportPKCS8 } from 'jose';
import { createAccessToken } from '../../src/index.js';
import { startFullServer } from '../helpers/access.js';
import { connectSocketIo } from '../helpers/clients.js';
import { ensureBuilt } from '../helpers/cluster.js';
import { keyPair, SECRET } from '../helpers/tokens.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

describe('createAccessToken()', () => {
  it('mints a token the server accepts, with its grant enforced', async () => {
    const srv = await startFullServer({ jwtSecret: SECRET });
    try {
      const token = await createAccessToken({
        userId: 'ada',
        name: 'Ada',
        rooms: ['team-*'],
        ttl: '10m',
        secret: SECRET,
      });
      const peer = await connectSocketIo(srv.url, { token });
      const welcome = peer.events.all.find((e) => e.event === 'welcome')!.data;
      assert.equal(welcome.user.name, 'Ada');
      assert.ok(Math.abs(welcome.expiresAt - (Date.now() + 600_000)) < 60_000);
      peer.emit('video:join-room', { roomId: 'other' });
      assert.equal((await peer.next('error')).code, 'forbidden');
      peer.emit('video:join-room', { roomId: 'team-a' });
      await peer.next('video:room-state');
      await peer.close();
    } finally {
      await srv.close();
    }
  });

  it('signs with a private key for a server holding the public one', async () => {
    const pair = await keyPair('ES256');
    const srv = await startFullServer({ jwtPublicKey: pair.publicPem });
    try {
      const privateKey = await exportPKCS8(pair.privateKey as never);
      const token = await createAccessToken({ userId: 'es', privateKey, ttl: 60 });
      const peer = await connectSocketIo(srv.url, { token });
      assert.equal(peer.events.all[0]!.data.userId, 'es');
      await peer.close();
    } finally {
      await srv.close();
    }
  });
});

describe('sinyal token', () => {
  it('prints a token signed with AUTH_JWT_SECRET that opens the admin API with --admin', async () => {
    await ensureBuilt();
    const env = { PATH: process.env.PATH ?? '', AUTH_JWT_SECRET: SECRET };
    const { stdout } = await run(
      process.execPath,
      [
        cli,
        'token',
        '--user',
        'ada',
        '--room',
        'team-*',
        '--ttl',
        '1h',
        '--admin',
        '--name',
        'Ada',
      ],
      { env },
    );
    const token = stdout.trim();
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(payload.sub, 'ada');
    assert.deepEqual(payload.rooms, ['team-*']);
    assert.equal(payload.admin, true);
    assert.equal(payload.name, 'Ada');
    assert.ok(Math.abs(payload.exp - (Date.now() / 1000 + 3600)) < 120);
    const srv = await startFullServer({ jwtSecret: SECRET });
    try {
      const res = await fetch(`${srv.url}/api/connections`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
    } finally {
      await srv.close();
    }
  });

  it('says what is missing without a key or a user', async () => {
    await ensureBuilt();
    const env = { PATH: process.env.PATH ?? '' };
    await assert.rejects(
      run(process.execPath, [cli, 'token', '--user', 'ada'], { env }),
      /AUTH_JWT_SECRET/,
    );
    await assert.rejects(
      run(process.execPath, [cli, 'token'], { env: { ...env, AUTH_JWT_SECRET: SECRET } }),
      /--user is required/,
    );
  });
});
