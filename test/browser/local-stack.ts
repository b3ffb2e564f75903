import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../dev/ports.ts';
import { type Database, findPostgresBinDir, startPglite, startPostgresCluster } from '../../dev/postgres.ts';
import { type BenchStack, spawnStack } from '../bench/dev-stack.ts';
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
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitForHealth(baseUrl: string, stack: BenchStack): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    if (stack.hasExited()) throw new Error(`the stack exited during startup (${await stack.exited})`);
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`GET /health did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s (last: ${last})`);
    await sleep(500);
  }
}

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
      await waitForHealth(baseUrl, started);
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
