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
const isBrowserFile = (f) => f.includes('e2e');

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
if (skipE2E) files = files.filter((f) => !isBrowserFile(f));
if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}

/** One `node --test` run; returns whether every test in it passed. */
function run(label, group, concurrency) {
  if (group.length === 0) return true;
  console.log(`\n── ${label}: ${group.length} files, ${concurrency} at a time ──\n`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      `--test-reporter=${reporter}`,
      ...group,
    ],
    { stdio: 'inherit' },
  );
  return result.status === 0;
}

// Browser files run after the rest, one at a time: each drives several Chromium pages that encode
// and decode video, and two of them beside each other on a 2-core machine starved the media their
// assertions watch (a frozen decoder, a connection still "new" after 20 s).
const groups = [
  {
    label: 'integration and unit tests',
    files: files.filter((f) => !isBrowserFile(f)),
    concurrency: 2,
  },
  { label: 'browser tests (Chromium)', files: files.filter(isBrowserFile), concurrency: 1 },
];
const failed = groups.filter((group) => !run(group.label, group.files, group.concurrency));
if (failed.length === 0) process.exit(0);
console.error(
  `\n✖ not passed: ${failed.map((g) => g.label).join(' and ')} (each run's failing tests are listed above its summary)`,
);
process.exit(1);
