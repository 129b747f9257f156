import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { schema } from './schema.js';

/** PGlite and node-postgres share every query through this type. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseOptions {
  /**
   * `postgres://...` selects PostgreSQL; unset, an embedded PGlite in `dataDir`.
   * @default undefined
   */
  databaseUrl?: string;
  /**
   * Where PGlite keeps its files; `memory://` keeps nothing (tests, demos).
   * @default './data' — so `npm start` persists across restarts with nothing installed.
   */
  dataDir?: string;
  /**
   * PostgreSQL schema for the tables and the migration journal (tests isolate runs with it).
   * @default 'public' (tables) and 'drizzle' (journal), drizzle-kit's own defaults
   */
  pgSchema?: string;
}

export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Cheap round trip: tells a dead database from a bad row. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Finds the drizzle-kit output (`drizzle/`) from src/store or dist/src/store. */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'drizzle');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('drizzle/ migrations folder not found next to the package');
}

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws on a schema name that could not be quoted safely. */
export function checkSchemaName(pgSchema: string | undefined): void {
  if (pgSchema !== undefined && !identifier.test(pgSchema)) {
    throw new Error(`Invalid PostgreSQL schema name "${pgSchema}"`);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
