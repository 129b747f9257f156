import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The development machine's PostgreSQL (DESIGN.md), or `DATABASE_URL`. */
export const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, so parallel runs never share tables. */
export const uniqueSchema = (prefix: string) =>
  `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;

export async function dropSchema(schema: string, url = postgresUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Runs one query on its own connection (to check what landed, independently of the app). */
export async function query<T = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  url = postgresUrl,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
