import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { envExample } from '../src/config/env-example.js';
import { optionTable } from '../src/config/options.js';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const built = existsSync(join(root, 'dist', 'client', 'src', 'index.js'));
const serverSdkBuilt = existsSync(join(root, 'dist', 'src', 'sdk', 'index.js'));

describe('what users of other servers type and import', () => {
  it('.env.example lists every setting and is what `npm run env:example` writes', () => {
    const file = readFileSync(join(root, '.env.example'), 'utf8');
    assert.equal(file, envExample(), 'run `npm run env:example` after changing options.ts');
    for (const option of Object.values(optionTable)) {
      assert.match(file, new RegExp(`^# ${option.env}=`, 'm'), option.env);
    }
  });

  it('has the npm scripts those projects use', () => {
    for (const name of ['start', 'start:dev', 'start:prod', 'db:push', 'build', 'test']) {
      assert.equal(typeof pkg.scripts[name], 'string', name);
    }
  });

  it('`npm run db:push` creates the tables in DATA_DIR without starting a server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sinyal-dbpush-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(root, 'src/store/db-push.ts')],
        { cwd: root, env: { PATH: process.env.PATH ?? '', DATA_DIR: join(dir, 'db') } },
      );
      assert.match(stdout, /Schema up to date: PGlite in .*db/);
      assert.ok(existsSync(join(dir, 'db', 'PG_VERSION')), 'a PGlite database was made');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it(
    'exports the SDK and the SSE client as `sinyal/client`, with types',
    { skip: !built && 'needs `npm run build` (the gate builds before testing)' },
    async () => {
      const entry = pkg.exports['./client'];
      assert.ok(existsSync(join(root, entry.types)), entry.types);
      assert.equal(import.meta.resolve('sinyal/client'), `file://${join(root, entry.import)}`);
      const client = await import('sinyal/client' as string);
      for (const name of ['SinyalClient', 'SseClient', 'LocalMedia', 'PeerLink']) {
        assert.equal(typeof client[name], 'function', name);
      }
      const types = readFileSync(join(root, entry.types), 'utf8');
      assert.match(types, /SseClient/);
    },
  );

  it(
    'exports the server SDK as `sinyal/server`, with types',
    { skip: !serverSdkBuilt && 'needs `npm run build` (the gate builds before testing)' },
    async () => {
      const entry = pkg.exports['./server'];
      assert.ok(existsSync(join(root, entry.types)), entry.types);
      assert.equal(import.meta.resolve('sinyal/server'), `file://${join(root, entry.import)}`);
      const sdk = await import('sinyal/server' as string);
      for (const name of ['verifyWebhook', 'signWebhook', 'createAccessToken', 'SinyalAdmin']) {
        assert.equal(typeof sdk[name], 'function', name);
      }
      assert.match(readFileSync(join(root, entry.types), 'utf8'), /SinyalAdmin/);
    },
  );
});
