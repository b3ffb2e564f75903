import { defineConfig } from 'drizzle-kit';

// Kept in migrations/ next to the SQL it writes, not at the top level; scripts pass --config.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/schema.ts', './src/db/risk-schema.ts', './src/db/ticket-schema.ts', './src/db/money-out-schema.ts'],
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/edgepay' },
});
