#!/usr/bin/env node
// `npm run db:push`: creates or updates the tables (applies the migrations in drizzle/) in
// DATABASE_URL or the PGlite DATA_DIR, without starting the server. The server does the same at
// start; this is for those who prepare the database first.
import { ConfigError, loadConfig, loadEnvFile } from '../config/config.js';
import { openDatabase } from './database.js';

try {
  loadEnvFile();
  const config = loadConfig(process.argv.slice(2));
  const database = await openDatabase(config);
  await database.close();
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`;
  console.log(`Schema up to date: ${where}`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
