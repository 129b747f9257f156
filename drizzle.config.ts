import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes a new versioned migration into drizzle/ after a schema change;
// the server applies pending ones at start (src/store/database.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
