#!/usr/bin/env node
// The server's part of `npm run build`: TypeScript to dist/, then the CLI made executable, so
// `npx sinyal ...` runs it in a clone (npm links the package's own bin, which must be +x), then
// the PGlite template: a migrated data directory that a new DATA_DIR starts as a copy of, so the
// first start skips initdb (~700 MB for a few seconds). Without it that start runs initdb itself.
// Usage: node scripts/build-server.mjs
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
// tsc still emits on type errors; the exit status says whether there were any.
chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o755);

try {
  const { buildPgliteTemplate } = await import('../dist/src/store/pglite-database.js');
  await buildPgliteTemplate();
} catch (error) {
  // Not fatal: a start without the template still works, it runs initdb instead.
  console.error(`PGlite template not built (${error.message}); a first start will run initdb`);
}
process.exit(status ?? 1);
