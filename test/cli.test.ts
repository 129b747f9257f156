import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { ensureBuilt } from './helpers/cluster.js';

const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
};

/** `npx sinyal ...` in this clone, as the README tells a user to run it (never the registry). */
function npxSinyal(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'npx',
      ['--no-install', 'sinyal', ...args],
      { cwd: root, env: { ...process.env, ...env } },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

describe('the sinyal command in a clone (npx sinyal, after npm run build)', () => {
  before(() => ensureBuilt());

  it('is executable, as npm links it', () => {
    assert.ok(statSync(join(root, 'dist', 'src', 'cli.js')).mode & 0o100, 'dist/src/cli.js is +x');
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await npxSinyal(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), `sinyal ${manifest.version}`);
  });

  it('--help lists the subcommands, then every option', async () => {
    const { code, stdout } = await npxSinyal(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /sinyal token --user ID/);
    assert.match(stdout, /sinyal --version/);
    assert.match(stdout, /npx sinyal/);
    assert.match(stdout, /--room-capacity\s+ROOM_CAPACITY/);
  });

  it('token mints a token as documented', async () => {
    const secret = 'a-test-secret-of-32-characters!!';
    const { code, stdout, stderr } = await npxSinyal(
      ['token', '--user', 'ada', '--room', 'team-*', '--ttl', '1h', '--name', 'Ada'],
      { AUTH_JWT_SECRET: secret },
    );
    assert.equal(code, 0, stderr);
    const claims = decodeJwt(stdout.trim());
    assert.equal(claims.sub, 'ada');
    assert.deepEqual(claims.rooms, ['team-*']);
  });

  it('the docs write it as it works in a clone: npx sinyal', () => {
    for (const file of ['README.md', 'docs/security.md']) {
      const text = readFileSync(join(root, file), 'utf8');
      const commands = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
        m[1]!.split('\n'),
      );
      const bare = commands.filter((line) => /^\s*sinyal (token|--)/.test(line));
      assert.deepEqual(bare, [], `${file}: commands a clone cannot run`);
      assert.match(text, /npx sinyal token/, file);
    }
  });
});
