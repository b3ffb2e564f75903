import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { neonConfig, Pool } from '@neondatabase/serverless';
import { WebSocket } from 'ws';
import { freePort } from '../../dev/ports.ts';
import { BENCH_VELOCITY_LIMITS, type BenchStack, spawnStack, waitForHealth } from './dev-stack.ts';
import { BUYER_TRACE } from './payments/shared.ts';
import { devSigner } from './tokens.ts';

/**
 * `npm run soak`: the embedded default as a new user runs it — `npm run dev` with no DATABASE_URL (PGlite) —
 * with a ticket payment every few seconds and a heartbeat every 30 s, stopped and started again halfway.
 * At the end it waits for the pipeline to drain and checks, in that PGlite, that every payment that was
 * answered 200 has its row and that `beats_recorded = last_seq` for the heartbeat. Prints a table; exit 1
 * when anything is missing. SOAK_MINUTES (10), SOAK_INTERVAL_MS (3000), SOAK_RESTART=0 to run without a restart.
 * State (PGlite, wrangler's) lives in a temporary directory, removed at the end.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const INTERVAL_MS = Number(process.env.SOAK_INTERVAL_MS ?? 3000);
const RESTART = process.env.SOAK_RESTART !== '0';
const DRAIN_TIMEOUT_MS = 6 * 60_000;
const HOST = '127.0.0.1';
const say = (msg: string) => console.log(`[soak] ${new Date().toISOString().slice(11, 19)} ${msg}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'edgepay-soak-'));
const port = await freePort();
const sandboxPort = await freePort();
const base = `http://${HOST}:${port}`;
let stack: BenchStack | null = null;
const logFiles: string[] = [];

async function start(): Promise<BenchStack> {
  const s = spawnStack({
    root,
    port,
    sandboxPort,
    databaseUrl: '',
    env: { DEV_STATE_DIR: stateDir, VELOCITY_LIMITS: BENCH_VELOCITY_LIMITS },
  });
  logFiles.push(s.logFile);
  await waitForHealth(base, s, 180_000);
  return s;
}

/** The HeartbeatDO's newest sequence number, from the cron lines of both runs (the stack's own cron beats too). */
function lastBeat(): number {
  let max = 0;
  for (const file of logFiles) {
    for (const m of readFileSync(file, 'utf8').matchAll(/"job":"heartbeat","result":\{"seq":(\d+)/g)) max = Math.max(max, Number(m[1]));
  }
  return max;
}

async function cleanup() {
  await stack?.stop().catch(() => {});
  rmSync(stateDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  stack = await start();
  say(
    `stack up on ${base} (PGlite in ${stateDir}); ${MINUTES} min, a payment every ${INTERVAL_MS} ms${RESTART ? ', restart halfway' : ''}`,
  );
  const sign = await devSigner(root);
  const tenant = `soak-${Date.now()}`;
  const admin = await sign({ sub: 'soak-admin', tenant, role: 'admin' });
  const json = { 'content-type': 'application/json' };
  const put = (p: string, body: unknown) =>
    fetch(`${base}${p}`, { method: 'PUT', headers: { ...json, authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  const venue = await put('/api/v1/venues/soak', { name: 'Soak Hall', address: { city: 'Knoxville', state: 'TN' } });
  if (!venue.ok) throw new Error(`venue: ${venue.status} ${await venue.text()}`);

  const paid: string[] = [];
  const failures: Record<string, number> = {};
  let beats = 0;
  let restarted = !RESTART;
  const endAt = Date.now() + MINUTES * 60_000;
  let nextBeat = Date.now();
  for (let i = 0; Date.now() < endAt; i++) {
    if (!restarted && Date.now() > endAt - (MINUTES * 60_000) / 2) {
      say('stopping the stack (Ctrl-C), then starting it again');
      await stack.stop();
      stack = await start();
      restarted = true;
      say('stack up again');
    }
    if (Date.now() >= nextBeat) {
      const r = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`).catch(() => null);
      if (r?.ok) beats++;
      nextBeat = Date.now() + 30_000;
    }
    // A new event and buyer per payment, so the event's purchase limits never refuse one.
    const eventId = `soak-${i}`;
    await put(`/api/v1/events/${eventId}`, {
      venueId: 'soak',
      name: `Soak ${i}`,
      startsAt: '2027-06-01T20:00:00Z',
      ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
    });
    const buyer = await sign({ sub: `soak-buyer-${i}`, tenant, role: 'user' });
    const res = await fetch(`${base}/api/v1/payments/process`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${buyer}`, 'idempotency-key': crypto.randomUUID(), 'user-agent': BUYER_TRACE.userAgent },
      body: JSON.stringify({
        venueId: 'soak',
        eventId,
        tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
        sessionData: BUYER_TRACE.sessionData,
      }),
    }).catch(() => null);
    const body = res ? ((await res.json().catch(() => ({}))) as { transaction?: { id?: string; status?: string } }) : {};
    if (res?.status === 200 && body.transaction?.id && body.transaction.status === 'completed') paid.push(body.transaction.id);
    else failures[String(res?.status ?? 'network')] = (failures[String(res?.status ?? 'network')] ?? 0) + 1;
    await sleep(INTERVAL_MS);
  }
  say(`${paid.length} payments answered 200, ${beats} heartbeats fired; waiting for Postgres to hold them all`);

  // Read PGlite through the stack's own ws proxy, as the Worker does.
  const log = readFileSync(stack.logFile, 'utf8');
  const where = /PGlite \(single session\) at (127\.0\.0\.1:\d+) via ws proxy (127\.0\.0\.1:\d+\/v1)/.exec(log);
  if (!where) throw new Error('could not find the PGlite and ws proxy addresses in the stack log');
  const [, pgliteAddress, proxy] = where;
  // PGlite's socket server takes any password; this is the embedded dev database, not a secret.
  const dbUrl = `postgres://postgres:postgres@${pgliteAddress}/postgres`;
  neonConfig.webSocketConstructor = WebSocket;
  neonConfig.wsProxy = (h, p) => `${proxy}?address=${h}:${p}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  const pool = new Pool({ connectionString: dbUrl, max: 1 });
  let missing = paid.length;
  let heartbeat = { last_seq: 0, beats_recorded: 0 };
  const started = Date.now();
  while (Date.now() - started < DRAIN_TIMEOUT_MS) {
    const rows = await pool.query('SELECT id FROM payment_transactions WHERE tenant_id = $1 AND status = $2', [tenant, 'completed']);
    const have = new Set(rows.rows.map((r: { id: string }) => r.id));
    missing = paid.filter((id) => !have.has(id)).length;
    const hb = await pool.query('SELECT last_seq, beats_recorded FROM pipeline_heartbeats');
    heartbeat = { last_seq: Number(hb.rows[0]?.last_seq ?? 0), beats_recorded: Number(hb.rows[0]?.beats_recorded ?? 0) };
    if (missing === 0 && heartbeat.last_seq === lastBeat() && heartbeat.beats_recorded === heartbeat.last_seq) break;
    await sleep(5000);
  }
  await pool.end();
  const health = (await (await fetch(`${base}/health`)).json()) as { status: string; components: { queues: unknown } };

  console.log(
    '\n| payments answered 200 | in Postgres (completed) | missing | other answers | beats fired by soak | HeartbeatDO seq | last_seq | beats_recorded | drained after | /health |',
  );
  console.log('|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
  console.log(
    `| ${paid.length} | ${paid.length - missing} | ${missing} | ${JSON.stringify(failures)} | ${beats} | ${lastBeat()} | ${heartbeat.last_seq} | ${heartbeat.beats_recorded} | ${Math.round((Date.now() - started) / 1000)} s | ${health.status} |`,
  );
  const ok = missing === 0 && heartbeat.beats_recorded === heartbeat.last_seq && heartbeat.last_seq === lastBeat();
  say(ok ? 'every payment and every heartbeat reached Postgres' : 'SOMETHING IS MISSING');
  await cleanup();
  process.exit(ok ? 0 : 1);
} catch (err) {
  console.error(`[soak] ${err instanceof Error ? err.message : err}`);
  if (stack) console.error(stack.logTail(30));
  await cleanup();
  process.exit(1);
}
