#!/usr/bin/env node
// Builds the admin dashboard (admin/, Vite) into dist/admin, which the server serves at /admin,
// and holds it to its budget: at most 200 KB of gzipped JavaScript. `npm run build` runs it.
// Usage: node scripts/build-admin.mjs
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
export const ADMIN_JS_BUDGET = 200 * 1024;

/** Builds the dashboard; resolves to the output folder and its gzipped JavaScript size. */
export async function buildAdmin() {
  const outDir = join(root, 'dist/admin');
  await build({ configFile: join(root, 'admin/vite.config.ts'), logLevel: 'warn' });
  const assets = join(outDir, 'assets');
  let gzipped = 0;
  for (const name of await readdir(assets)) {
    if (name.endsWith('.js')) gzipped += gzipSync(await readFile(join(assets, name))).length;
  }
  return { outDir, gzipped };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outDir, gzipped } = await buildAdmin();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `admin dashboard built into ${outDir}: ${kb(gzipped)} of JS gzipped (budget ${kb(ADMIN_JS_BUDGET)})`,
  );
  if (gzipped > ADMIN_JS_BUDGET) {
    console.error('The admin dashboard is over its JS budget: trim dependencies or split code.');
    process.exit(1);
  }
}
