import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { neonConfig, Pool } from '@neondatabase/serverless';
import { postgresAddress, startWsProxy } from '../../../dev/ws-proxy.ts';
import type { AutocannonOptions, AutocannonResult } from '../autocannon.ts';
import type { Signer } from '../tokens.ts';

/**
 * The payment benchmarks of `npm run bench`, against the dev stack and its PSP sandbox (127.0.0.1 only):
 *  (a) retry storm — 100 concurrent identical POST /api/v1/payments/process: one PaymentIntent, 200/409 mix, replay;
 *  (b) throughput — distinct payments with sandbox Stripe latency 0 and 200 ms (10 and 1 connections): requests/s,
 *      p50/p99, our overhead; then one payment at a time with its background work done (one-at-a-time.ts);
 *  (c) outbox lag — from a payment's 200 to its 'completed' row in Postgres payment_transactions.
 * Results are printed, never asserted; a failing benchmark prints a WARNING and the next one runs.
 * (c) runs before (b): (b) leaves hundreds of payments (two or more outbox messages each) queued ahead of (c)'s rows.
 * Alongside the client-side numbers, Worker-side durations are read from the app's request log lines in the stack's log.
 */
export type PaymentBenchOptions = {
  /** GET /health of the same run at 10 connections: what every table is printed beside. */
  health: { rps: number; p50: number };
  root: string;
  baseUrl: string;
  sandboxUrl: string;
  databaseUrl: string;
  databaseKind: 'external' | 'cluster' | 'pglite';
  /** The stack's log (wrangler dev output), where the Worker logs one JSON line per request with its duration. */
  logFile: string;
  /** Why the stack is gone, or null while it runs (something else may stop it mid-run). */
  stackGone: () => string | null;
  /** autocannon, refusing to start once the run was interrupted. */
  measure: (opts: AutocannonOptions) => Promise<AutocannonResult>;
  signal: AbortSignal;
  say: (msg: string) => void;
};

export const STORM_SIZE = 100;
/**
 * The rows of (b): the asked-for runs at 10 connections with Stripe latency 0 and 200 ms, then the same latencies
 * at 1 connection, where p50 − latency is the per-request overhead without queueing behind other requests.
 */
export const THROUGHPUT_RUNS = [
  { latencyMs: 0, connections: 10, seconds: 10 },
  { latencyMs: 200, connections: 10, seconds: 10 },
  { latencyMs: 0, connections: 1, seconds: 5 },
  { latencyMs: 200, connections: 1, seconds: 5 },
];
export const THROUGHPUT_WARMUP_S = 2;
/** Payments of a throughput run are spread over this many events (limits 1000) and users. */
export const THROUGHPUT_EVENTS = 16;
// Enough buyers that none buys more than once or twice a run: a buyer with many purchases in an hour is what the
// fraud score challenges, as it would a real one.
export const THROUGHPUT_USERS = 3000;
export const LAG_REQUESTS = 50;
/** (c) sends one payment at most every this many ms, so rows do not all land in one queue batch. */
export const LAG_SPACING_MS = 100;
export const LAG_POLL_MS = 20;
export const LAG_TIMEOUT_MS = 30_000;
export const REQUEST_TIMEOUT_MS = 30_000;

export const PRICE = 5000;
export const HIGH_LIMITS = { perUser: 1000, perPaymentMethod: 1000, perAddress: 1000, perOrder: 1000 };

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function pooled<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
export const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(1));

/** The machine's load, printed under each table: the stack, the database and the load generator share its cores. */
export function machineLoad(): string {
  const [one] = os.loadavg();
  return `machine: ${os.availableParallelism()} cores, 1-min load average ${(one ?? 0).toFixed(2)} at the end of this benchmark`;
}

/** The line under a table that names this run's GET /health, for the ratio. */
export function healthLine(health: { rps: number; p50: number }): string {
  return `GET /health in the same run: ${health.rps.toFixed(1)} requests/s, p50 ${health.p50.toFixed(1)} ms (10 connections)`;
}

/**
 * The floor under a burst goal: `count` GET /health sent at once, as the burst under test sends its requests.
 * Whatever a burst of heavier requests achieves, it cannot beat this on the same stack and machine.
 */
export async function healthBurst(baseUrl: string, count: number, signal: AbortSignal): Promise<string> {
  const replies = await Promise.all(Array.from({ length: count }, () => send(`${baseUrl}/health`, {}, signal)));
  const mix = new Map<string, number>();
  for (const r of replies) {
    const label =
      r.status === 0 ? `error ${r.error ?? ''}`.trim() : r.status === 200 ? '200' : `${r.status} ${errorCode(r.text) ?? ''}`.trim();
    mix.set(label, (mix.get(label) ?? 0) + 1);
  }
  const statuses = [...mix].map(([label, n]) => `${n} × ${label}`).join(', ');
  const latencies = replies.map((r) => r.ms);
  return `${count} concurrent GET /health in the same run: p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms (${statuses})`;
}

/** requests/s as a share of GET /health's in the same run. */
export const ratioToHealth = (rps: number, health: { rps: number }) =>
  Number.isFinite(health.rps) && health.rps > 0 ? `${((100 * rps) / health.rps).toFixed(1)}%` : '-';

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export type Reply = { status: number; headers: Headers | null; text: string; ms: number; error?: string };

export function loopbackOnly(url: string): string {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`refusing to call ${url}: the bench only targets 127.0.0.1`);
  return url;
}

/** One request; a network error or timeout is a Reply with status 0, never a throw. */
export async function send(url: string, init: RequestInit, signal: AbortSignal): Promise<Reply> {
  const start = performance.now();
  try {
    const res = await fetch(loopbackOnly(url), {
      ...init,
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, ms: performance.now() - start };
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return { status: 0, headers: null, text: '', ms: performance.now() - start, error: `${message(err)}${cause}` };
  }
}

export const errorCode = (text: string): string | undefined => {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
};

export function transactionIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { transaction?: { id?: unknown } }).transaction?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Durations the Worker logged for its own requests (`{"msg":"request","path",…,"ms"}` lines in the stack's log)
 * of answers to `path` (2xx unless `accept` says otherwise) between `from` and `to` (epoch ms).
 */
export function workerDurations(
  logFile: string,
  path: string,
  from: number,
  to: number,
  accept: (status: number) => boolean = (status) => status < 300,
): number[] {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || !line.includes(path)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; path?: string; status?: number; ms?: number; time?: string };
      const at = Date.parse(entry.time ?? '');
      if (entry.msg !== 'request' || entry.path !== path || typeof entry.ms !== 'number') continue;
      if (!accept(entry.status ?? 0) || !(at >= from && at <= to + 1000)) continue;
      out.push(entry.ms);
    } catch {
      // not a log line of the app
    }
  }
  return out;
}

/** How often wrangler dev has reloaded the Worker so far (it watches the sources; other edits reload it mid-run). */
export function workerReloads(logFile: string): number {
  try {
    return readFileSync(logFile, 'utf8').split('Reloading local server').length - 1;
  } catch {
    return 0;
  }
}

/** A human buyer's trace from the bot detector's fixtures: the benches' buyers look like people, as real ones do. */
export const BUYER_TRACE = (
  JSON.parse(readFileSync(new URL('../../fixtures/bot-traces/human.json', import.meta.url), 'utf8')) as Array<{
    userAgent: string;
    sessionData: unknown;
  }>
)[0] as { userAgent: string; sessionData: unknown };

const BENCH_CARDS = ['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex', 'pm_card_discover', 'pm_card_visa_debit'];

/**
 * What a buyer's browser sends besides the body: its user agent, and — as Cloudflare would set it — its own
 * address (wrangler dev keeps a client's CF-Connecting-IP), so buyers are not all one IP as they would be here.
 */
export function buyerHeaders(n: number): Record<string, string> {
  return { 'user-agent': BUYER_TRACE.userAgent, 'cf-connecting-ip': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
}

export type SandboxRequest = { provider: string; method: string; path: string; body: any; response: any; handledMs?: number };

export class Bench {
  private adminCount = 0;
  readonly tenant = `bench-${randomUUID()}`;
  readonly o: PaymentBenchOptions;
  readonly sign: Signer;
  constructor(o: PaymentBenchOptions, sign: Signer) {
    this.o = o;
    this.sign = sign;
  }

  private async admin(): Promise<Record<string, string>> {
    // Catalog writes are rate limited per user (60/min): each gets its own admin subject.
    const token = await this.sign({ sub: `bench-admin-${this.adminCount++}`, tenant: this.tenant, role: 'admin' });
    return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  }

  async user(sub: string): Promise<string> {
    return `Bearer ${await this.sign({ sub, tenant: this.tenant, role: 'user' })}`;
  }

  async put(path: string, body: unknown): Promise<void> {
    const reply = await send(
      `${this.o.baseUrl}${path}`,
      { method: 'PUT', headers: await this.admin(), body: JSON.stringify(body) },
      this.o.signal,
    );
    if (reply.status !== 200 && reply.status !== 201) {
      throw new Error(`PUT ${path} answered ${reply.status || reply.error}: ${reply.text.slice(0, 300)}`);
    }
  }

  venue(): Promise<void> {
    return this.put('/api/v1/venues/knox', { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' });
  }

  event(eventId: string, limits?: typeof HIGH_LIMITS): Promise<void> {
    return this.put(`/api/v1/events/${eventId}`, {
      venueId: 'knox',
      name: `Bench ${eventId}`,
      startsAt: '2027-01-01T20:00:00Z',
      ticketTypes: [{ id: 'ga', name: 'GA', price: PRICE }],
      ...(limits ? { limits } : {}),
    });
  }

  private orders = 0;

  /**
   * An order as a buyer's checkout page sends it: with the page's recorded trace, which the bot check reads,
   * paid with the sandbox's succeeding test cards in turn (velocity is counted per card too).
   */
  order(eventId: string, quantity: number): string {
    return JSON.stringify({
      venueId: 'knox',
      eventId,
      tickets: [{ ticketTypeId: 'ga', quantity, price: PRICE }],
      paymentMethod: { type: 'card', paymentMethodId: BENCH_CARDS[this.orders++ % BENCH_CARDS.length] },
      sessionData: BUYER_TRACE.sessionData,
    });
  }

  process(authorization: string, key: string, body: string): Promise<Reply> {
    return send(
      `${this.o.baseUrl}/api/v1/payments/process`,
      {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'idempotency-key': key, ...buyerHeaders(this.orders) },
        body,
      },
      this.o.signal,
    );
  }

  async sandbox(path: string, body?: unknown): Promise<any> {
    const init: RequestInit = body === undefined ? { method: path === '/__sandbox/requests' ? 'GET' : 'POST' } : { method: 'POST' };
    if (body !== undefined) init.body = JSON.stringify(body);
    const reply = await send(`${this.o.sandboxUrl}${path}`, init, this.o.signal);
    if (reply.status !== 200) throw new Error(`sandbox ${path} answered ${reply.status || reply.error}: ${reply.text.slice(0, 200)}`);
    return JSON.parse(reply.text);
  }

  /** Forgets recorded requests and knobs (webhooks back to 'auto'), then sets Stripe's latency. */
  async resetSandbox(stripeLatencyMs = 0): Promise<void> {
    await this.sandbox('/__sandbox/reset');
    if (stripeLatencyMs) await this.sandbox('/__sandbox/config', { providers: { stripe: { latencyMs: stripeLatencyMs } } });
  }

  async paymentIntentCreates(): Promise<SandboxRequest[]> {
    const all = (await this.sandbox('/__sandbox/requests')) as SandboxRequest[];
    return all.filter((r) => r.provider === 'stripe' && r.method === 'POST' && r.path === '/v1/payment_intents');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// (a) Retry storm

/** A Neon-driver pool on the bench's Postgres, through a WebSocket proxy of its own; `close` ends both. */
export async function benchPool(databaseUrl: string): Promise<{ pool: Pool; close: () => Promise<void> }> {
  const proxy = await startWsProxy([postgresAddress(databaseUrl)]);
  neonConfig.wsProxy = (host, port) => `${proxy.address}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined); // an idle client's lost connection must not crash the bench
  return {
    pool,
    close: async () => {
      await pool.end().catch(() => undefined);
      await proxy.close();
    },
  };
}
