import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { storeApi } from '../src/api/extension.js';
import type { WebhookEvent } from '../src/sdk/index.js';
import { connect, type TestPeer } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { SECRET } from './helpers/tokens.js';
import { newWebhookSecret } from './helpers/webhooks.js';

// The README's "Backend integration" example, run as users run it: each backend in its own
// process, importing `sinyal/server` (from source: the `sinyal-source` export condition).

const root = join(import.meta.dirname, '..');
const ADMIN_TOKEN = 'example-backend-admin-token-0';

/** Starts an example backend and resolves to its URL once it says where it listens. */
async function startBackend(file: string, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--conditions=sinyal-source', '--import', 'tsx', join(root, 'examples/backend', file)],
    { cwd: root, env: { PATH: process.env.PATH ?? '', ...env, PORT: '0' } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /Backend listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`${file} exited (${code}):\n${output}`)));
  });
  return { child, url };
}

async function post(url: string, body: string, headers: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

for (const file of ['express.ts', 'fastify.ts']) {
  describe(`examples/backend/${file}`, () => {
    const webhookSecret = newWebhookSecret();
    let srv: TestServer;
    let backend: { child: ChildProcess; url: string };
    let peer: TestPeer | undefined;

    before(async () => {
      srv = await startServer({
        adminToken: ADMIN_TOKEN,
        jwtSecret: SECRET,
        extensions: [storeApi({ store: { dataDir: 'memory://' } })],
      });
      backend = await startBackend(file, {
        SINYAL_URL: srv.url,
        SINYAL_ADMIN_TOKEN: ADMIN_TOKEN,
        AUTH_JWT_SECRET: SECRET,
        WEBHOOK_SECRET: webhookSecret,
      });
    });
    after(async () => {
      backend?.child.kill();
      await peer?.close();
      await srv?.close();
    });

    it('its login token opens a team room on sinyal, and its admin call sees the user', async () => {
      const login = await post(
        `${backend.url}/login`,
        JSON.stringify({ userId: 'ada', name: 'Ada' }),
        {},
      );
      assert.equal(login.status, 200);
      const { token } = (await login.json()) as { token: string };
      peer = await connect('socket.io', srv.url, { token });
      assert.equal(peer.welcome.userId, 'ada');
      peer.emit('video:join-room', { roomId: 'team-standup' });
      await peer.next('video:room-state', 10_000);
      peer.emit('video:join-room', { roomId: 'other-room' });
      assert.match((await peer.next('error', 10_000)).message, /does not grant .*other-room/);

      const live = await fetch(`${backend.url}/live-rooms`);
      assert.deepEqual(await live.json(), [{ room: 'team-standup', users: ['ada'] }]);
    });

    it('verifies a webhook signed by the standardwebhooks library and refuses a tampered one', async () => {
      const event: WebhookEvent = {
        type: 'participant.joined',
        timestamp: new Date().toISOString(),
        data: {
          room: { id: 'team-standup', kind: 'mesh' },
          participant: { peerId: 'p1', userId: 'ada', name: 'Ada' },
        },
      };
      const send = async (type: WebhookEvent['type'], id: string, tamper = false) => {
        const body = JSON.stringify({ ...event, type });
        const at = new Date();
        const headers = {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(webhookSecret).sign(id, at, body),
        };
        return post(
          `${backend.url}/webhooks/sinyal`,
          tamper ? body.replace('ada', 'eve') : body,
          headers,
        );
      };
      assert.equal((await send('room.started', 'msg_1')).status, 204);
      assert.equal((await send('participant.joined', 'msg_2')).status, 204);
      const forged = await send('participant.left', 'msg_3', true);
      assert.equal(forged.status, 400);
      assert.match(((await forged.json()) as { error: string }).error, /no v1 signature/);
      const presence = await fetch(`${backend.url}/presence`);
      assert.deepEqual(await presence.json(), { 'team-standup': ['ada'] });
    });
  });
}

describe('the README shows the example as it is', () => {
  it('every code block of "Backend integration" is in examples/backend', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.split(/^## Backend integration$/m)[1]?.split(/^## /m)[0] ?? '';
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(blocks.length >= 2, 'the section has its code');
    const sources = ['express.ts', 'fastify.ts', 'presence.ts']
      .map((f) => readFileSync(join(root, 'examples/backend', f), 'utf8'))
      .join('\n');
    for (const block of blocks) {
      for (const line of block
        .split('\n')
        .filter((l) => l.trim() && !l.trim().startsWith('// …'))) {
        assert.ok(sources.includes(line), `README line not in examples/backend: ${line}`);
      }
    }
  });
});
