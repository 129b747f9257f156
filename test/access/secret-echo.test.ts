import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { ensureBuilt } from '../helpers/cluster.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

/** A refused setting whose value (or the password inside it) must never be printed. */
const cases: Array<{
  name: string;
  env: Record<string, string>;
  secret: string;
  label?: string;
}> = [
  { name: 'ADMIN_TOKEN', env: { ADMIN_TOKEN: 'short-secret' }, secret: 'short-secret' },
  { name: 'AUTH_JWT_SECRET', env: { AUTH_JWT_SECRET: 'jwt-too-short' }, secret: 'jwt-too-short' },
  { name: 'TURN_SECRET', env: { TURN_SECRET: 'turn7' }, secret: 'turn7' },
  { name: 'JOIN_AUTHZ_SECRET', env: { JOIN_AUTHZ_SECRET: 'authz' }, secret: 'authz' },
  {
    name: 'DATABASE_URL',
    env: { DATABASE_URL: 'mysql://app:pg-pass-4711@db.internal/app' },
    secret: 'pg-pass-4711',
  },
  {
    name: 'DATABASE_URL',
    env: { DATABASE_URL: 'mysql://db.internal/app?user=app&password=pg-query-pass' },
    label: 'DATABASE_URL (password= parameter)',
    secret: 'pg-query-pass',
  },
  {
    name: 'REDIS_URL',
    env: { REDIS_URL: 'http://default:redis-pass-4711@cache.internal:6379' },
    secret: 'redis-pass-4711',
  },
];

/** Runs `npm start`'s binary with `env`; resolves to its exit code and everything it printed. */
function runCli(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [cli],
      { env: { PATH: process.env.PATH ?? '', DATA_DIR: 'memory://', PORT: '0', ...env } },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, output: stdout + stderr }),
    );
  });
}

describe('config errors name the setting, never its secret value', () => {
  before(() => ensureBuilt());

  for (const nodeEnv of ['development', 'production']) {
    for (const { name, env, secret, label = name } of cases) {
      it(`${label} refused (${nodeEnv}): loadConfig`, () => {
        assert.throws(
          () => loadConfig([], { NODE_ENV: nodeEnv, ...env }),
          (error: Error) =>
            error instanceof ConfigError &&
            error.message.includes(name) &&
            !error.message.includes(secret),
        );
      });
    }
  }

  for (const { name, env, secret, label = name } of cases) {
    it(`${label} refused: the CLI exits 1 and prints no secret`, async () => {
      const { code, output } = await runCli({ NODE_ENV: 'production', ...env });
      assert.equal(code, 1, output);
      assert.ok(output.includes(name), output);
      assert.ok(!output.includes(secret), `printed the secret:\n${output}`);
    });
  }

  it('a PostgreSQL URL that cannot be parsed: named, its password hidden, no stack trace', async () => {
    const secret = 'pg-unparsable-4711';
    const { code, output } = await runCli({ DATABASE_URL: `postgres://app:${secret}@[::1/app` });
    assert.equal(code, 1, output);
    assert.match(output, /DATABASE_URL="postgres:\/\/app:\*\*\*@\[::1\/app": must be a valid URL/);
    assert.ok(!output.includes(secret), `printed the secret:\n${output}`);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });
});
