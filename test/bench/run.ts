import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../dev/ports.ts';
import { type Database, findPostgresBinDir, startPglite, startPostgresCluster } from '../../dev/postgres.ts';
import { type AutocannonResult, load, stopLoad } from './autocannon.ts';
import { runCheckoutBenches } from './checkout.ts';
import { BENCH_VELOCITY_LIMITS, type BenchStack, spawnStack, waitForHealth } from './dev-stack.ts';
import { noopFloor } from './floor.ts';
import { runFuzzBench } from './fuzz.ts';
import { runMintBench } from './mints.ts';
import { runMoneyOutBench } from './money-out.ts';
import { workerReloads } from './payments/shared.ts';
import { runPaymentBenches } from './payments.ts';
import { type PipelineFigures, pipelineFigures, pipelineTable } from './pipeline.ts';
import { formatTable, type Row, toRow } from './table.ts';
import { devSigner } from './tokens.ts';
import { runVerificationBench } from './verification.ts';
import { runWaitingRoomBench } from './waiting-room.ts';

/**
 * `npm run bench`: the local stack (`dev/stack.ts`, i.e. wrangler dev) against a throwaway Postgres, loaded
 * with autocannon on 127.0.0.1 only. GET /health asks a Durable Object and reuses a database probe,
 * GET /health/db connects to Postgres every time, GET /info touches neither and is the baseline. Then the payment
 * benchmarks of payments.ts (retry storm, outbox lag, process throughput) and checkout.ts (token stampede, checkout
 * overhead per provider), each printed as its own table, and last the floor (floor.ts: a Worker that does
 * nothing, under wrangler dev, loaded the same ways); they print
 * warnings, never fail the run. Exit 0 with the tables, or 1 with a message; Ctrl-C cleans up and exits 130.
 * BENCH_KEEP_LOG=1 keeps the stack's log (wrangler dev output) after a clean run. BENCH_ONLY=routes|payments|checkout|notap|waiting|mints|money|pipeline|floor
 * runs one group (default: all); BENCH_ONLY=fuzz runs only the fuzz bench (fuzz.ts, FUZZ_REQUESTS=10000).
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 120_000;
// The fuzz bench alone sends FUZZ_REQUESTS (10,000 by default) at some 20/s on a loaded 2-core machine.
const OVERALL_TIMEOUT_MS = (process.env.BENCH_ONLY === 'fuzz' ? 30 : 25) * 60_000;
const WARMUP_S = 2;
const MEASURE_S = 10;
const HEALTH_S = 5;
const CONNECTIONS = 10;
// /health reuses its database probe for 5 s; /health/db opens a connection every time; /info touches nothing.
const ROUTES = ['/health', '/health/db', '/info'];
const ONLY = process.env.BENCH_ONLY;
const runs = (group: 'routes' | 'payments' | 'checkout' | 'notap' | 'waiting' | 'mints' | 'money' | 'pipeline' | 'floor') =>
  !ONLY || ONLY === group;
// The fuzz run (≥ 10,000 requests, test/bench/fuzz.ts) takes minutes: only when asked for, BENCH_ONLY=fuzz.
const fuzzOnly = ONLY === 'fuzz';

const say = (msg: string) => console.log(`[bench] ${msg}`);

let db: Database | null = null;
let stack: BenchStack | null = null;
let cleaning: Promise<void> | null = null;
let interrupted: string | null = null;
const interruption = new AbortController();

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopLoad();
    if (stack) {
      await stack.stop().catch((err) => console.error(`[bench] stopping the stack failed: ${message(err)}`));
    }
    if (db) await db.stop().catch((err) => console.error(`[bench] stopping the database failed: ${message(err)}`));
  })();
  return cleaning;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function finish(code: number): Promise<never> {
  await cleanup();
  if (stack && interrupted) rmSync(stack.logFile, { force: true });
  process.exit(interrupted ? 130 : code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    interruption.abort(new Error(`interrupted by ${signal}`));
    console.error(`\n[bench] ${signal}: stopping the stack and the database…`);
    void finish(130);
  });
}

/** autocannon, unless the run was interrupted (a stopped load test resolves, and the next must not start). */
async function measure(opts: Parameters<typeof load>[0]): Promise<AutocannonResult> {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  const result = await load(opts);
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  return result;
}

async function main(): Promise<void> {
  const bin = findPostgresBinDir();
  if (bin) {
    say(`starting a throwaway PostgreSQL cluster (${bin})`);
    db = await startPostgresCluster(bin);
  } else {
    say('note: no PostgreSQL binaries found (install postgresql or set PG_BIN); falling back to embedded PGlite.');
    say('      PGlite serves one session at a time, so /health numbers are not representative of a real server.');
    db = await startPglite();
  }

  const port = await freePort();
  let sandboxPort = await freePort();
  while (sandboxPort === port) sandboxPort = await freePort();
  const baseUrl = `http://${HOST}:${port}`;
  say(`starting the dev stack on ${baseUrl} (PSP sandbox on ${sandboxPort}, database: ${db.kind})`);
  const s = spawnStack({ root, port, sandboxPort, databaseUrl: db.url, env: { VELOCITY_LIMITS: BENCH_VELOCITY_LIMITS } });
  stack = s;

  const started = Date.now();
  try {
    await waitForHealth(baseUrl, s, STARTUP_TIMEOUT_MS);
  } catch (err) {
    console.error(`[bench] the stack did not become ready: ${message(err)}`);
    console.error(`[bench] last lines of ${s.logFile}:\n${s.logTail(60)}`);
    throw new Error('startup failed');
  }
  say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s; warming up for ${WARMUP_S} s`);

  await measure({ url: baseUrl, connections: CONNECTIONS, duration: WARMUP_S, requests: ROUTES.map((p) => ({ method: 'GET', path: p })) });

  const rows: Row[] = [];
  const failures: string[] = [];
  const reloadsBefore = workerReloads(s.logFile);
  for (const route of runs('routes') ? ROUTES : []) {
    say(`GET ${route}: ${MEASURE_S} s, ${CONNECTIONS} connections`);
    const result = await measure({ url: `${baseUrl}${route}`, connections: CONNECTIONS, duration: MEASURE_S });
    rows.push(toRow(`GET ${route}`, result));
    const ok = result.requests.total - result.non2xx;
    if (ok <= 0) {
      const codes = Object.entries(result.statusCodeStats ?? {})
        .map(([code, { count }]) => `${code}×${count}`)
        .join(', ');
      failures.push(
        `GET ${route} had no 2xx answer (${result.requests.total} responses${codes ? `: ${codes}` : ''}, ${result.errors} errors)`,
      );
    }
  }

  if (rows.length) {
    console.log(`\n${formatTable(rows)}\n`);
    console.log(
      `${CONNECTIONS} connections, ${MEASURE_S} s per route after a ${WARMUP_S} s warm-up; database: ${db.kind}; target ${baseUrl}\n`,
    );
  }
  const reloads = workerReloads(s.logFile) - reloadsBefore;
  if (reloads > 0) say(`note: wrangler dev reloaded the Worker ${reloads}× during these routes (a watched source file changed)`);
  for (const row of rows) {
    if (row.non2xx > 0 || row.errors > 0) say(`warning: ${row.route} had ${row.non2xx} non-2xx answers and ${row.errors} errors`);
  }
  if (failures.length) throw new Error(failures.join('; '));

  // Every group prints its numbers beside GET /health of the same run: the machine is shared, so the ratio
  // says more than the absolute figures. The routes group measured it already; the others measure it here.
  const healthRow = rows.find((r) => r.route === 'GET /health');
  let health = healthRow ? { rps: healthRow.rps, p50: healthRow.p50 } : null;
  if (!health && !fuzzOnly) {
    say(`GET /health: ${HEALTH_S} s, ${CONNECTIONS} connections (the reference for this run's tables)`);
    const result = await measure({ url: `${baseUrl}/health`, connections: CONNECTIONS, duration: HEALTH_S });
    health = { rps: result.requests.average, p50: result.latency.p50 };
    say(`GET /health: ${health.rps.toFixed(1)} requests/s, p50 ${health.p50.toFixed(1)} ms`);
  }

  const benchOptions = {
    health: health ?? { rps: Number.NaN, p50: Number.NaN },
    root,
    baseUrl,
    sandboxUrl: `http://${HOST}:${sandboxPort}`,
    databaseUrl: db.url,
    databaseKind: db.kind,
    logFile: s.logFile,
    stackGone: () => (s.hasExited() ? `the dev stack stopped during the payment benchmarks (see ${s.logFile})` : null),
    measure,
    signal: interruption.signal,
    say,
  };
  if (runs('payments')) await runPaymentBenches(benchOptions);
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (runs('checkout')) await runCheckoutBenches(benchOptions, await devSigner(root));
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (runs('notap')) await runVerificationBench(benchOptions, await devSigner(root));
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (runs('waiting')) await runWaitingRoomBench(benchOptions, await devSigner(root));
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (runs('mints')) await runMintBench(benchOptions, await devSigner(root));
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (runs('money')) await runMoneyOutBench(benchOptions, await devSigner(root));
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  let pipelineOn: PipelineFigures | null = null;
  if (runs('pipeline')) pipelineOn = await pipelineFigures(benchOptions, await devSigner(root), 'all (bot, fraud, velocity, limits)');
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (fuzzOnly) await runFuzzBench(benchOptions, await devSigner(root));
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  if (runs('floor')) {
    try {
      console.log(`\n${await noopFloor(benchOptions)}\n`);
    } catch (err) {
      if (interrupted) throw err;
      console.log(`\n!!! WARNING: the no-op floor failed: ${message(err)} !!!\n`);
    }
  }

  await stopStack(s);
  if (pipelineOn) {
    // The same payments on a stack whose checks stop at the purchase limits, started once the first has stopped.
    const off = spawnStack({
      root,
      port,
      sandboxPort,
      databaseUrl: db.url,
      env: { VELOCITY_LIMITS: BENCH_VELOCITY_LIMITS, PRECHARGE_RISK_CHECKS: 'off' },
    });
    stack = off;
    await waitForHealth(baseUrl, off, STARTUP_TIMEOUT_MS);
    await measure({ url: `${baseUrl}/health`, connections: CONNECTIONS, duration: WARMUP_S });
    const result = await measure({ url: `${baseUrl}/health`, connections: CONNECTIONS, duration: HEALTH_S });
    const offOptions = { ...benchOptions, health: { rps: result.requests.average, p50: result.latency.p50 }, logFile: off.logFile };
    const pipelineOff = await pipelineFigures(offOptions, await devSigner(root), 'purchase limits alone');
    console.log(`\n${pipelineTable([pipelineOn, pipelineOff])}\n`);
    await stopStack(off);
  }
}

async function stopStack(s: BenchStack): Promise<void> {
  const stoppedEarly = s.hasExited();
  say('stopping the stack');
  await s.stop();
  const code = await s.exited;
  if (stoppedEarly) say(`WARNING: the stack had stopped on its own before the end (exit ${code}); its log is kept: ${s.logFile}`);
  else if (code !== 0) say(`note: the stack exited with ${code}; its log is kept: ${s.logFile}`);
  else if (process.env.BENCH_KEEP_LOG) say(`the stack's log is kept (BENCH_KEEP_LOG): ${s.logFile}`);
  else rmSync(s.logFile, { force: true });
}

const overall = setTimeout(() => {
  console.error(`[bench] giving up: the run took longer than ${OVERALL_TIMEOUT_MS / 60_000} minutes`);
  if (stack) console.error(`[bench] last lines of ${stack.logFile}:\n${stack.logTail(30)}`);
  void finish(1);
}, OVERALL_TIMEOUT_MS);
overall.unref();

main().then(
  () => finish(0),
  (err) => {
    if (interrupted) return; // the signal handler is already cleaning up
    console.error(`[bench] failed: ${message(err)}`);
    void finish(1);
  },
);
