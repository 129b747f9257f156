#!/usr/bin/env node
// `npm run db:push`: creates or updates the tables (applies the migrations in drizzle/) in
// DATABASE_URL or the PGlite DATA_DIR, without starting the server. The server does the same at
// start; this is for those who prepare the database first.
import { ConfigError, loadConfig, loadEnvFile } from '../config/config.js';
import { Store } from './store.js';

try {
  loadEnvFile();
  const config = loadConfig(process.argv.slice(2));
  // Opening the store applies the migrations (PGlite's in its worker, as the server does).
  const store = await Store.open(config);
  await store.close();
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`;
  console.log(`Schema up to date: ${where}`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
