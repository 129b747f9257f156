import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/config.js';

const root = join(import.meta.dirname, '..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface Service {
  environment?: Record<string, string>;
}

/** `${NAME:?message}`, `${NAME:-default}` and `${NAME}` as docker compose fills them in. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_all, name: string, op, rest) => {
    if (env[name]) return env[name];
    if (op === '?') throw new Error(`required variable ${name} is missing: ${rest}`);
    return op === '-' ? rest : '';
  });
}

describe('docker-compose.yml', () => {
  const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
  const sinyal = Object.entries(compose.services).filter(([name]) => name.startsWith('sinyal'));

  it('runs two sinyal processes behind nginx', () => {
    assert.equal(sinyal.length, 2);
    assert.ok(compose.services.nginx);
  });

  it('requires ADMIN_TOKEN with a message that says what to set', () => {
    for (const [, service] of sinyal) {
      const raw = service.environment!.ADMIN_TOKEN!;
      assert.throws(() => interpolate(raw, {}), /ADMIN_TOKEN .*16\+ characters/);
      assert.equal(interpolate(raw, { ADMIN_TOKEN: 'x'.repeat(24) }), 'x'.repeat(24));
    }
  });

  it("trusts its nginx for client addresses, and each process's settings are valid", () => {
    for (const [, service] of sinyal) {
      const env = Object.fromEntries(
        Object.entries(service.environment!).map(([k, v]) => [
          k,
          interpolate(String(v), { ADMIN_TOKEN: 'an-admin-token-of-24-chars' }),
        ]),
      );
      const config = loadConfig([], env);
      assert.deepEqual(config.trustProxy, { hops: 1 });
      assert.equal(config.nodeEnv, 'production');
      assert.ok(config.adminToken && config.redisUrl && config.databaseUrl);
    }
  });

  it('speaks the users’ words: no internal reference numbers', () => {
    assert.doesNotMatch(text, /reference \d+/i);
  });
});
