import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { type Db, withDb } from '../../src/db/client';
import { parseConfig } from '../../src/env';

/** Runs `fn` against the test Postgres with the app's own driver and settings, and waits for the pool to close. */
export async function withTestDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const pending: Promise<unknown>[] = [];
  try {
    return await withDb(parseConfig(env), { waitUntil: (p) => pending.push(p) }, fn);
  } finally {
    await Promise.all(pending);
  }
}

export async function rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return withTestDb(async (db) => (await db.execute(query)).rows as T[]);
}

/**
 * Polls until `check` returns a value that is not undefined (work done by queue consumers in the background).
 * A check that calls the API with a buyer's token polls at most once a second (`intervalMs`): buyers may make
 * 60 requests a minute, and a slow mint would otherwise spend them all.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export { sql };
