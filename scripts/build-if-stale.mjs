#!/usr/bin/env node
// `npm start` runs this first: it builds (npm run build) only when a source is newer than the
// build, so a fresh clone builds once and later starts begin at once.
// Usage: node scripts/build-if-stale.mjs
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** What the build reads. */
const sources = [
  'src',
  'client/src',
  'web',
  'admin',
  'drizzle',
  'scripts/build-server.mjs',
  'scripts/build-client.mjs',
  'scripts/build-admin.mjs',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
/** What the build writes; the oldest of them must be newer than every source. */
const outputs = [
  'dist/src/cli.js',
  'dist/client/src/index.js',
  'dist/public/index.html',
  'dist/admin/index.html',
];

/** Newest modification time under `path` (0 when missing), tests excluded. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return path.endsWith('.test.ts') ? 0 : stat.mtimeMs;
  let time = 0;
  for (const name of readdirSync(path)) time = Math.max(time, newest(join(path, name)));
  return time;
}

function oldestOutput() {
  let time = Infinity;
  for (const output of outputs) {
    try {
      time = Math.min(time, statSync(join(root, output)).mtimeMs);
    } catch {
      return 0;
    }
  }
  return time;
}

const source = Math.max(...sources.map((path) => newest(join(root, path))));
if (oldestOutput() < source) {
  console.error('sinyal: sources changed since the last build; building (npm run build)...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
