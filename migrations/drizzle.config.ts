import { defineConfig } from 'drizzle-kit';

// Kept in migrations/ so the top level stays as ARCHITECTURE.md lays it out; scripts pass --config.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/edgepay' },
});
