import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import {
  checkSchemaName,
  migrationsFolder,
  sleep,
  type Database,
  type DatabaseOptions,
  type Db,
} from './database.js';
import { schema } from './schema.js';

/**
 * Opens PostgreSQL (`databaseUrl`) and applies pending migrations; throws if it cannot.
 * node-postgres is asynchronous I/O, so it stays on the calling thread. PGlite is opened by
 * `pglite-database.ts`, only ever inside the store worker.
 */
export async function openPostgres(options: DatabaseOptions & { databaseUrl: string }) {
  checkSchemaName(options.pgSchema);
  return connectPostgres(options.databaseUrl, migrationsFolder(), options.pgSchema);
}

/** Advisory lock id ("sinyal" in ASCII) that serializes migrations across processes. */
const MIGRATION_LOCK = 0x73696e79616c;

/** Several nodes may start together on one database: one migrates, the others wait, then see it done. */
async function migrateLocked(pool: pg.Pool, folder: string, pgSchema?: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const db = drizzleNodePg({ client, schema });
    if (pgSchema) await db.execute(sql.raw(`create schema if not exists "${pgSchema}"`));
    await migrateNodePg(db, { migrationsFolder: folder, migrationsSchema: pgSchema });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}

async function connectPostgres(url: string, folder: string, pgSchema?: string): Promise<Database> {
  const settings = ['-c statement_timeout=10000'];
  if (pgSchema) settings.push(`-c search_path=${pgSchema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    // A dead or unreachable server must fail a batch promptly, not hang it.
    connectionTimeoutMillis: 5000,
    query_timeout: 15000,
    options: settings.join(' '),
  });
  // A client losing its server emits `error` (idle ones through the pool); unhandled, either
  // would crash the process. The failed query itself still rejects, and the writer retries.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzleNodePg({ client: pool, schema });
  try {
    await migrateLocked(pool, folder, pgSchema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    ping: async () => void (await pool.query('select 1')),
    // A client whose server vanished may never finish ending; shutdown must not wait on it.
    close: () => Promise.race([pool.end(), sleep(2000)]),
  };
}
