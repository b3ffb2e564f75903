import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../dev/ports.ts';
import { type Database, findPostgresBinDir, startPglite, startPostgresCluster } from '../../dev/postgres.ts';
import { type BenchStack, spawnStack, waitForHealth } from '../bench/dev-stack.ts';
import { devSigner, type Signer } from '../bench/tokens.ts';

/**
 * The whole local stack over real HTTP for the browser tests: a throwaway PostgreSQL (PGlite when the machine has
 * no PostgreSQL binaries), then `dev/stack.ts` (wrangler dev, the PSP sandbox, migrations) on free ports — the
 * same as `npm run bench` starts. The sandbox's webhooks and the browser's redirects reach the app on 127.0.0.1.
 */
export type LocalStack = {
  baseUrl: string;
  sandboxUrl: string;
  sign: Signer;
  /** The last lines of the stack's output, for a failure message. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
};

const root = path.resolve(import.meta.dirname, '..', '..');
const STARTUP_TIMEOUT_MS = 180_000;

export async function startLocalStack(): Promise<LocalStack> {
  let db: Database | null = null;
  let stack: BenchStack | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await stack?.stop().catch((err) => console.error(`[browser] stopping the stack failed: ${err}`));
      await db?.stop().catch((err) => console.error(`[browser] stopping the database failed: ${err}`));
      if (stack) rmSync(stack.logFile, { force: true });
    })();
    return stopping;
  };
  try {
    const bin = findPostgresBinDir();
    db = bin ? await startPostgresCluster(bin) : await startPglite();
    const port = await freePort();
    let sandboxPort = await freePort();
    while (sandboxPort === port) sandboxPort = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    stack = spawnStack({ root, port, sandboxPort, databaseUrl: db.url });
    const started = stack;
    try {
      await waitForHealth(baseUrl, started, STARTUP_TIMEOUT_MS);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : err}\n--- last lines of the stack ---\n${started.logTail(60)}`);
    }
    return {
      baseUrl,
      sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
      // The stack wrote the dev signing key (.wrangler/dev/secrets.json) before it answered /health.
      sign: await devSigner(root),
      logTail: (lines) => started.logTail(lines),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
