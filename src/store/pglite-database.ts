import { mkdirSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder, type Database, type Db, type DatabaseOptions } from './database.js';
import { isDataDir, TEMPLATE_PREFIX, templateDir } from './data-dir-template.js';
import { schema } from './schema.js';

/**
 * PostgreSQL's own defaults size a server (128 MB of shared buffers grows the WASM heap to ~200 MB).
 * The store writes small batched inserts and reads pages of recent rows: a few MB is plenty.
 */
const memorySettings = [
  'shared_buffers=8MB',
  'work_mem=1MB',
  'temp_buffers=1MB',
  'maintenance_work_mem=8MB',
];

/**
 * Opens the embedded PGlite in `dataDir` and applies pending migrations. Only the store worker
 * calls this: PGlite runs its queries synchronously in WASM and would stall signaling.
 */
export async function openPglite(options: DatabaseOptions): Promise<Database> {
  if (isMainThread) throw new Error('PGlite runs in the store worker, never on the main thread');
  const client = await openMigrated(options.dataDir ?? './data');
  return {
    db: drizzle({ client, schema }) as unknown as Db,
    kind: 'pglite',
    ping: async () => void (await client.query('select 1')),
    close: () => client.close(),
  };
}

async function openMigrated(dataDir: string): Promise<PGlite> {
  // V8's optimizing tier would compile PGlite's 9 MB of WASM again (~40 MB of code); the baseline
  // compiler is fast enough for batched history. Wasm-only flag: the JS of the process is untouched.
  setFlagsFromString('--liftoff-only');
  if (!dataDir.includes('://')) mkdirSync(resolve(dataDir), { recursive: true });
  const client = new PGlite(dataDir, {
    startParams: [...PGlite.defaultStartParams, ...memorySettings.flatMap((s) => ['-c', s])],
  });
  try {
    await migrate(drizzle({ client, schema }), { migrationsFolder: migrationsFolder() });
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/**
 * `npm run build`: runs initdb and the migrations once into the template that a new `DATA_DIR`
 * starts as a copy of (see data-dir-template.ts), unless it is there already; templates of other
 * versions go. Written beside and renamed, so a template is whole or absent.
 */
export async function buildPgliteTemplate(): Promise<string> {
  const target = templateDir();
  const dist = dirname(target);
  mkdirSync(dist, { recursive: true });
  for (const name of await readdir(dist)) {
    const path = join(dist, name);
    if (name.startsWith(TEMPLATE_PREFIX) && path !== target) await rm(path, { recursive: true });
  }
  if (isDataDir(target)) return target;
  const partial = join(dist, 'pglite-template.partial');
  await rm(partial, { recursive: true, force: true });
  await (await openMigrated(partial)).close();
  await rename(partial, target);
  return target;
}
