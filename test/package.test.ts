import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { envExample } from '../src/config/env-example.js';
import { optionTable } from '../src/config/options.js';
import { ensureBuilt } from './helpers/cluster.js';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** README and docs/*.md: what they tell users to type and import. */
const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))]
  .filter((f) => f.endsWith('.md'))
  .map((f) => readFileSync(join(root, f), 'utf8'));

describe('what users of other servers type and import', () => {
  it('.env.example lists every setting and is what `npm run env:example` writes', () => {
    const file = readFileSync(join(root, '.env.example'), 'utf8');
    assert.equal(file, envExample(), 'run `npm run env:example` after changing options.ts');
    for (const option of Object.values(optionTable)) {
      assert.match(file, new RegExp(`^# ${option.env}=`, 'm'), option.env);
    }
  });

  it('has the npm scripts those projects use, and every one the docs name', () => {
    const named = docs.flatMap((text) => [...text.matchAll(/\bnpm (?:run )?([a-z][\w:-]*)/g)]);
    const scripts = new Set([
      ...['start', 'start:dev', 'start:prod', 'db:push', 'build', 'test', 'test:unit'],
      ...named.map((m) => m[1]!).filter((name) => !['ci', 'install'].includes(name)),
    ]);
    for (const name of scripts) assert.equal(typeof pkg.scripts[name], 'string', name);
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

  describe('the built package', () => {
    before(ensureBuilt); // what `npm run build` compiles (the gate builds before testing)

    it('exports what the docs import from `sinyal`, `sinyal/client` and `sinyal/server`, with types', async () => {
      const imports = docs.flatMap((text) => [
        ...text.matchAll(/import \{([^}]+)\} from '(sinyal(?:\/client|\/server)?)'/g),
      ]);
      assert.ok(imports.length >= 3, 'the docs show imports from the package');
      for (const [, names, specifier] of imports) {
        const entry = pkg.exports[specifier!.replace(/^sinyal/, '.')];
        assert.ok(existsSync(join(root, entry.types)), entry.types);
        assert.equal(import.meta.resolve(specifier!), `file://${join(root, entry.import)}`);
        const module = await import(specifier!);
        for (const name of names!.split(',').map((n) => n.trim())) {
          assert.notEqual(module[name], undefined, `${specifier} exports ${name}`);
        }
      }
      const client = await import('sinyal/client' as string);
      for (const name of ['SinyalClient', 'SseClient', 'LocalMedia', 'PeerLink']) {
        assert.equal(typeof client[name], 'function', name);
      }
      assert.match(readFileSync(join(root, pkg.exports['./client'].types), 'utf8'), /SseClient/);
      assert.equal(pkg.main, pkg.exports['.'].import.replace(/^\.\//, ''));
    });

    it('exports the server SDK as `sinyal/server`, with types', async () => {
      const entry = pkg.exports['./server'];
      assert.ok(existsSync(join(root, entry.types)), entry.types);
      assert.equal(import.meta.resolve('sinyal/server'), `file://${join(root, entry.import)}`);
      const sdk = await import('sinyal/server' as string);
      for (const name of ['verifyWebhook', 'signWebhook', 'createAccessToken', 'SinyalAdmin']) {
        assert.equal(typeof sdk[name], 'function', name);
      }
      assert.match(readFileSync(join(root, entry.types), 'utf8'), /SinyalAdmin/);
    });

    it('installs a `sinyal` command that runs', async () => {
      const bin = join(root, pkg.bin.sinyal);
      assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
      const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help'], {
        cwd: root,
      });
      assert.match(stdout, /PORT/);
    });
  });
});
