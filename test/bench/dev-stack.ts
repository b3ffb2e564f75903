import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `dev/stack.ts` (what `npm run dev` runs) as a child of the bench: output goes to a log file, it runs in its
 * own process group so wrangler and workerd can be killed with it, and a watchdog stops it should the bench
 * die without cleaning up. The stack's object storage lives in a throwaway directory (in memory, /dev/shm, where
 * the machine has one), removed when it stops: a benchmark neither reads nor grows the developer's `.wrangler`
 * state (thousands of objects per run), and measures the Worker rather than the disk's fsync.
 */
export type BenchStack = {
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the stack process has exited. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  logTail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `databaseUrl: ''` leaves DATABASE_URL unset, so the stack runs on embedded PGlite as `npm run dev` does by default. */
/**
 * The benches buy hundreds of times a minute from one address with one test card: their stacks raise the
 * velocity limits, so they measure what the checks cost rather than how often they refuse. Every check still runs.
 */
export const BENCH_VELOCITY_LIMITS = [
  'user_per_hour',
  'user_per_day',
  'user_per_week',
  'ip_per_minute',
  'ip_per_hour',
  'card_per_day',
  'card_distinct_users_per_day',
]
  .map((rule) => `${rule}=1000000`)
  .join(',');

export function spawnStack(options: {
  root: string;
  port: number;
  sandboxPort: number;
  databaseUrl: string;
  env?: Record<string, string>;
}): BenchStack {
  const logFile = path.join(os.tmpdir(), `edgepay-bench-stack-${process.pid}-${Date.now()}.log`);
  const stateDir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'edgepay-bench-state-'));
  const fd = openSync(logFile, 'w');
  const bin = path.join(options.root, 'node_modules', '.bin');
  let child: ChildProcess;
  try {
    child = spawn(path.join(bin, 'node'), [path.join(options.root, 'dev', 'stack.ts')], {
      cwd: options.root,
      env: {
        ...process.env,
        // The stack starts node_modules/.bin/wrangler, whose `#!/usr/bin/env node` must find the project's Node 22
        // (npm run puts it first on PATH; `node test/bench/run.ts` run directly would not).
        PATH: [bin, process.env.PATH].filter(Boolean).join(path.delimiter),
        PORT: String(options.port),
        PSP_SANDBOX_PORT: String(options.sandboxPort),
        DATABASE_URL: options.databaseUrl,
        DEV_STATE_DIR: stateDir,
        ...options.env,
        WRANGLER_SEND_METRICS: 'false',
        // A QPay client id of its own: the run's TokenBrokerDO starts without a cached token (bench (d)).
        QPAY_CLIENT_ID: `bench-${process.pid}-${Date.now()}`,
      },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start dev/stack.ts');

  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      done = true;
      resolve(`spawn error: ${err.message}`);
    });
  });

  // If this process dies first (kill -9, crash), the stack must not outlive it.
  const watchdog = spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -INT ${pid} 2>/dev/null; sleep 15; kill -KILL -${pid} 2>/dev/null; rm -rf '${stateDir}'`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();

  let stopping: Promise<void> | null = null;
  return {
    pid,
    logFile,
    exited,
    hasExited: () => done,
    logTail(lines = 40) {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
    stop(graceMs = 15_000) {
      stopping ??= (async () => {
        if (!done) {
          child.kill('SIGINT');
          const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
          if (timedOut) {
            console.error(`bench: the stack did not stop within ${graceMs / 1000} s; killing it (process group ${pid})`);
            if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
            await exited;
          }
        }
        // wrangler and workerd share the stack's process group; give them a moment, then make sure they are gone.
        for (let i = 0; i < 25 && groupAlive(pid); i++) await sleep(200);
        if (groupAlive(pid)) {
          console.error(`bench: processes of the stack's group ${pid} outlived it; killing them`);
          process.kill(-pid, 'SIGKILL');
        }
        watchdog.kill();
        rmSync(stateDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Waits until the stack answers GET /health with 200 (healthy or degraded), or throws with the last answer seen. */
export async function waitForHealth(baseUrl: string, stack: BenchStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
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
    if (Date.now() > deadline) throw new Error(`GET /health did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
    await sleep(500);
  }
}
