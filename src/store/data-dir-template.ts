import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { migrationsFolder } from './database.js';

/**
 * A new `DATA_DIR` starts as a copy of a data directory that `npm run build` prepared (PGlite's
 * initdb and the migrations already run). Without it the first start runs initdb, which boots a
 * second PostgreSQL and peaks near 700 MB; copying files costs nothing in memory.
 */

/** The PGlite package's version: a template only fits the PostgreSQL build that wrote it. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  // The package exports no ./package.json; its entry points live in <package>/dist/.
  const manifest = join(dirname(dirname(entry)), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Where the build keeps the template: `dist/pglite-template-<PGlite version>-<migrations hash>`
 * beside `drizzle/`. A template of other migrations or another PostgreSQL build is not found, so
 * a stale build falls back to initdb rather than opening a database that does not fit.
 */
export function templateDir(): string {
  const folder = migrationsFolder();
  const hash = createHash('sha256');
  for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(folder, file);
    if (statSync(path).isFile()) hash.update(file).update(readFileSync(path));
  }
  const name = `${TEMPLATE_PREFIX}${pgliteVersion()}-${hash.digest('hex').slice(0, 12)}`;
  return join(dirname(folder), 'dist', name);
}

export const TEMPLATE_PREFIX = 'pglite-template-';

/** A finished data directory: PGlite writes `PG_VERSION` into it, and so does the copy, last. */
export const isDataDir = (dir: string) => existsSync(join(dir, 'PG_VERSION'));

/**
 * Copies the template into `dataDir` (which holds no database yet). `PG_VERSION` goes last, so
 * an interrupted copy is copied again at the next start rather than opened half-written.
 * Resolves to false when there is no template for this PGlite (not built yet): initdb then runs.
 */
export async function seedFromTemplate(dataDir: string): Promise<boolean> {
  const template = templateDir();
  if (!isDataDir(template)) return false;
  await cp(template, dataDir, {
    recursive: true,
    filter: (source) => source !== join(template, 'PG_VERSION'),
  });
  await copyFile(join(template, 'PG_VERSION'), join(dataDir, 'PG_VERSION'));
  return true;
}
