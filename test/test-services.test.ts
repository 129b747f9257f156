// The preflight of `npm test` skips (or, with CI=true, fails) a file whose service is missing. It
// knows a file's needs from the helper exports it uses (scripts/test-services.mjs); these checks
// keep that table from going stale as helpers and tests are added.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain ES module of the test runner, without types
import { helperNeeds, needsOf } from '../scripts/test-services.mjs';

const root = join(import.meta.dirname, '..');

/** What reaching each service looks like in a file's own source. */
const reaches: Record<string, RegExp> = {
  redis: /from 'ioredis'/,
  postgres: /from 'pg'/,
  chromium: /^import \{[^}]*\bchromium\b[^}]*\} from 'playwright-core'/m,
  coturn: /'turnserver'/,
  'redis-server': /'redis-server'/,
};

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') tsFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(relative('.', path));
  }
  return out;
}

const self = relative(root, import.meta.filename); // its patterns would match themselves
const all = ['test', 'client/src'].flatMap((dir) => tsFiles(dir)).filter((f) => f !== self);
const direct = (file: string) =>
  Object.keys(reaches).filter((s) => reaches[s]!.test(readFileSync(join(root, file), 'utf8')));
const needs = (file: string): string[] => {
  const { full, partial } = needsOf(file, root) as {
    full: Set<string>;
    partial: Map<string, string>;
  };
  return [...full, ...partial.keys()];
};

describe('the preflight’s table of needs', () => {
  it('lists every helper that reaches a service, itself or through another helper', () => {
    const helpers = all.filter((f) => !f.endsWith('.test.ts'));
    const unlisted = helpers.filter(
      (f) => (direct(f).length || needs(f).length) && !(f in helperNeeds),
    );
    assert.deepEqual(unlisted, [], 'add them to helperNeeds in scripts/test-services.mjs');
  });

  it('finds the need of every test file that reaches a service itself', () => {
    const blind = all
      .filter((f) => f.endsWith('.test.ts'))
      .flatMap((f) =>
        direct(f)
          .filter((s) => !needs(f).includes(s))
          .map((s) => `${f}: ${s}`),
      );
    assert.deepEqual(blind, [], 'use the helpers of test/helpers (or list the file’s need)');
  });

  it('reads needs from the helper exports a file uses', () => {
    assert.deepEqual(needs('test/cluster.test.ts'), ['redis']);
    assert.deepEqual(needs('test/store.test.ts'), ['postgres']);
    assert.deepEqual(needs('test/cluster-failures.test.ts'), ['redis', 'redis-server']);
    assert.deepEqual(needs('test/e2e/ice-restart.test.ts'), ['chromium', 'coturn']);
    // Loops over modes: only its cluster mode needs Redis.
    const { full, partial } = needsOf('test/bad-input.test.ts', root);
    assert.deepEqual([[...full], [...partial]], [[], [['redis', 'cluster']]]);
    assert.deepEqual(needs('test/pair-rooms.test.ts'), []);
  });
});
