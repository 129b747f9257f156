#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and client/ with Node's own test runner (tsx for TypeScript).
// Node 20's `--test` does not expand globs, so the files are found here.
// Usage: node scripts/run-tests.mjs [path-substring ...]   (e.g. `npm test -- engine`)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { URL } from 'node:url';

const roots = ['src', 'test', 'client'];
// Spec output with the summary last, cancelled tests counted as not passed.
const reporter = new URL('./test-reporter.mjs', import.meta.url).href;
const filters = process.argv.slice(2);
const skipE2E = process.env.SINYAL_SKIP_E2E === '1';

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

let files = roots.flatMap((root) => walk(root, [])).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (skipE2E) files = files.filter((f) => !f.includes('e2e'));
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-reporter=${reporter}`, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
