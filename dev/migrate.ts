import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import { migrate } from 'drizzle-orm/neon-serverless/migrator';
import { postgresAddress, startWsProxy } from './ws-proxy.ts';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}

/**
 * Applies migrations/ with the same Neon driver the Worker uses. A local server is reached through
 * `wsProxy` (host:port/path), or a proxy started for the duration when none is given.
 */
export async function migrateDatabase(url: string, wsProxy?: string): Promise<void> {
  let ownProxy: Awaited<ReturnType<typeof startWsProxy>> | undefined;
  if (isLocal(url)) {
    if (!wsProxy) {
      ownProxy = await startWsProxy([postgresAddress(url)]);
      wsProxy = ownProxy.address;
    }
    const proxy = wsProxy;
    neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  }
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await migrate(drizzle({ client: pool }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await pool.end();
    await ownProxy?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('db:migrate: set DATABASE_URL (postgres://…); `npm run dev` migrates its own database by itself');
    process.exit(2);
  }
  migrateDatabase(url, process.env.NEON_WS_PROXY || undefined).then(
    () => console.log('migrations applied'),
    (err) => {
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
      console.error(`db:migrate failed: ${err instanceof Error ? err.message.split('\n')[0] : err}${cause}`);
      process.exit(1);
    },
  );
}

/**
 * Runs this file as a child Node process. Used where the calling process resolves packages with
 * non-Node export conditions (vitest with the Workers plugin), under which the Neon driver would pick
 * its fetch-based WebSocket build.
 */
export function migrateInChildProcess(url: string, wsProxy?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The project's Node 22 (the `node` devDependency) when present: it runs .ts files as they are.
    const localNode = path.join(MIGRATIONS_DIR, '..', 'node_modules', '.bin', 'node');
    const child = spawn(existsSync(localNode) ? localNode : process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, DATABASE_URL: url, NEON_WS_PROXY: wsProxy ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrations failed (${code}): ${stderr.trim()}`))));
  });
}
