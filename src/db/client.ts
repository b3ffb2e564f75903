import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import type { Config } from '../env';
import { AppError } from '../lib/errors';
import * as schema from './schema';

export type Db = NeonDatabase<typeof schema>;
export type DbConfig = Pick<Config, 'databaseUrl' | 'neonWsProxy'>;
export type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

/**
 * Locally the Neon driver reaches a plain Postgres through the dev/ WebSocket-to-TCP proxy
 * (NEON_WS_PROXY = "host:port/path"); in production the setting is absent and it speaks to Neon.
 * neonConfig is module state, which is fine: an isolate serves one environment.
 */
export function configureNeon(wsProxy: string | undefined): void {
  if (!wsProxy) return;
  neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
}

export function createPool(config: DbConfig): Pool {
  if (!config.databaseUrl) throw new AppError('DATABASE_UNAVAILABLE', 'Database is not configured');
  configureNeon(config.neonWsProxy);
  const pool = new Pool({ connectionString: config.databaseUrl, connectionTimeoutMillis: 5_000, max: 4 });
  // An idle client that loses its socket must not become an unhandled rejection.
  pool.on('error', () => {});
  return pool;
}

export class DatabaseUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super('DATABASE_UNAVAILABLE', undefined, { cause });
  }
}

/**
 * A pool per request or batch (Workers cannot share sockets across requests), closed in waitUntil.
 * The first connection is opened up front, so "Postgres is unreachable" surfaces as one
 * DatabaseUnavailableError (503, retryable) before `fn` runs, apart from errors of `fn`'s own queries.
 */
export async function withDb<T>(config: DbConfig, ctx: WaitUntil, fn: (db: Db) => Promise<T>): Promise<T> {
  const pool = createPool(config);
  try {
    (await pool.connect()).release();
  } catch (err) {
    // No client is left to close; ending the pool here makes the driver write to its dead socket.
    throw new DatabaseUnavailableError(err);
  }
  try {
    return await fn(drizzle({ client: pool, schema }));
  } finally {
    ctx.waitUntil(pool.end().catch(() => {}));
  }
}
