import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

/**
 * The Postgres the local stack and the tests talk to:
 * - an external server (DATABASE_URL / TEST_DATABASE_URL),
 * - a throwaway cluster from the system's PostgreSQL binaries (initdb as `postgres` when running as root),
 * - or embedded PGlite served over the wire protocol (single session: concurrent transactions queue).
 */
export type Database = { url: string; kind: 'external' | 'cluster' | 'pglite'; stop(): Promise<void> };

export function findPostgresBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (cfg.status === 0) candidates.push(cfg.stdout.trim());
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(root, v, 'bin'));
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) ?? null;
}

function runAs(user: string | null, bin: string, args: string[]) {
  const [cmd, argv] = user ? ['runuser', ['-u', user, '--', bin, ...args]] : [bin, args];
  const res = spawnSync(cmd as string, argv as string[], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${path.basename(bin)} failed (${res.status}): ${res.stderr || res.stdout}`);
  return res.stdout;
}

/**
 * Starts a private cluster on a free port; it is removed on stop() and, should this process die first, by a watchdog.
 * It asks for the password in clear (`password`, on loopback only), as Neon's proxy does over TLS: the driver's
 * default `pipelineConnect: "password"` relies on that. With scram-sha-256 the driver would derive the key with
 * 4,096 awaited HMAC calls on every connection (a fresh one per request or queue batch), a cost production never pays.
 */
export async function startPostgresCluster(binDir: string): Promise<Database> {
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'postgres' : null;
  const base = mkdtempSync(path.join(os.tmpdir(), 'edgepay-pg-'));
  const dataDir = path.join(base, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwFile = path.join(base, 'pw');
  writeFileSync(pwFile, password);
  mkdirSync(dataDir);
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid)) throw new Error('running as root but there is no postgres user to run initdb as');
    for (const p of [base, dataDir, pwFile]) chownSync(p, uid, gid);
  }
  chmodSync(dataDir, 0o700);
  const port = await freePort();
  runAs(user, path.join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=password',
    `--pwfile=${pwFile}`,
    '-E',
    'UTF8',
    '--no-locale',
    '-N',
  ]);
  rmSync(pwFile);
  const opts = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  runAs(user, path.join(binDir, 'pg_ctl'), ['start', '-D', dataDir, '-w', '-t', '60', '-l', path.join(base, 'server.log'), '-o', opts]);

  const stopCmd = `${user ? 'runuser -u postgres -- ' : ''}${path.join(binDir, 'pg_ctl')} stop -D ${dataDir} -m immediate`;
  const watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; ${stopCmd} >/dev/null 2>&1; rm -rf ${base}`],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();

  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    kind: 'cluster',
    async stop() {
      spawnSync('sh', ['-c', `${stopCmd.replace('-m immediate', '-m fast')} >/dev/null 2>&1`]);
      watchdog.kill();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** PGlite over the wire protocol; `dataDir` persists it (dev), none keeps it in memory. */
export async function startPglite(dataDir?: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = dataDir ? new PGlite(dataDir) : new PGlite();
  await db.waitReady;
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    kind: 'pglite',
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

export function externalDatabase(url: string): Database {
  return { url, kind: 'external', stop: async () => {} };
}
