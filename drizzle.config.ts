import { defineConfig } from 'drizzle-kit';

// Generation only compares the schema with the committed snapshots; it needs no database connection.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './db/migrations',
});
