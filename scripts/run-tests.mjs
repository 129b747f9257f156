#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and client/ with Node's own test runner (tsx for TypeScript).
// Node 20's `--test` does not expand globs, so the files are found here.
// Usage: node scripts/run-tests.mjs [path-substring ...]   (e.g. `npm test -- engine`)
// Before running, it checks the services the selected files need (scripts/test-services.mjs):
// files whose service is missing are skipped and named at the end; with CI=true that fails.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { URL } from 'node:url';
import { missingBlock, missingOf, needsOf } from './test-services.mjs';

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

// Preflight: probe only what the selected files need.
const ci = process.env.CI === 'true' || process.env.CI === '1';
const needs = new Map(files.map((f) => [f, needsOf(f)]));
const wanted = new Set([...needs.values()].flatMap((n) => [...n.full, ...n.partial.keys()]));
const missing = await missingOf(wanted);
if (missing.size) {
  console.error(missingBlock(missing, ci));
  if (ci) process.exit(1);
}
const lacks = (f) => [...needs.get(f).full].filter((s) => missing.has(s));
const skipped = files.filter((f) => lacks(f).length);
const partlySkipped = files.filter(
  (f) => !lacks(f).length && [...needs.get(f).partial.keys()].some((s) => missing.has(s)),
);
files = files.filter((f) => !lacks(f).length);
// Files that loop over modes drop the ones whose service is missing (test/helpers/modes.ts).
const unavailable = [...missing.keys()].join(',');

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
    { stdio: 'inherit', env: { ...process.env, SINYAL_TEST_UNAVAILABLE: unavailable } },
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
reportSkipped();
if (failed.length === 0) process.exit(0);
console.error(
  `\n✖ not passed: ${failed.map((g) => g.label).join(' and ')} (each run's failing tests are listed above its summary)`,
);
process.exit(1);

/** The loud part: what did not run for want of a service (never silent, never a pass by default). */
function reportSkipped() {
  if (!skipped.length && !partlySkipped.length) return;
  console.error(`\n⚠ SKIPPED for want of a service (see the block at the top):`);
  for (const f of skipped) console.error(`  ${f}   (needs ${lacks(f).join(', ')})`);
  for (const f of partlySkipped) {
    const modes = [...needs.get(f).partial].filter(([s]) => missing.has(s)).map(([, m]) => m);
    console.error(`  ${f}   (its ${modes.join(', ')} mode only)`);
  }
  console.error(
    `⚠ ${skipped.length} test files skipped, ${partlySkipped.length} run without some modes.`,
  );
}
