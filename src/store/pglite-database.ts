import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder, type Database, type Db, type DatabaseOptions } from './database.js';
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
  // V8's optimizing tier would compile PGlite's 9 MB of WASM again (~40 MB of code); the baseline
  // compiler is fast enough for batched history. Wasm-only flag: the JS of the process is untouched.
  setFlagsFromString('--liftoff-only');
  const dataDir = options.dataDir ?? './data';
  if (!dataDir.includes('://')) mkdirSync(resolve(dataDir), { recursive: true });
  const client = new PGlite(dataDir, {
    startParams: [...PGlite.defaultStartParams, ...memorySettings.flatMap((s) => ['-c', s])],
  });
  const db = drizzle({ client, schema });
  try {
    await migrate(db, { migrationsFolder: migrationsFolder() });
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => void (await client.query('select 1')),
    close: () => client.close(),
  };
}
