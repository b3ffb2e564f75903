import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../../dev/ports.ts';
import { type Database, findPostgresBinDir, startPglite, startPostgresCluster } from '../../dev/postgres.ts';
import { type AutocannonRequest, load } from './autocannon.ts';
import { BENCH_VELOCITY_LIMITS, type BenchStack, spawnStack, waitForHealth } from './dev-stack.ts';
import { Bench, buyerHeaders, HIGH_LIMITS, type PaymentBenchOptions } from './payments/shared.ts';
import { formatColumns } from './table.ts';
import { devSigner } from './tokens.ts';

/**
 * `npm run bench:profile`: a CPU profile of the Worker (and its Durable Objects, which run in the same isolate)
 * while a load runs. It starts the dev stack with wrangler's DevTools inspector on a free 127.0.0.1 port
 * (DEV_INSPECTOR_PORT), connects over the Chrome DevTools Protocol, runs Profiler.start, loads the stack for
 * PROFILE_SECONDS (15) at 10 connections, runs Profiler.stop and prints the functions with the most self time
 * and the most total (inclusive) time. The raw profile is written to a .cpuprofile file that Chrome DevTools
 * (Performance → Load profile) opens. PROFILE_LOAD picks the load:
 *   payments (default) — distinct POST /api/v1/payments/process, sandbox Stripe latency 0;
 *   checkout           — POST /v1/checkout-sessions, Stripe, one merchant per connection (the rate limit allows 60/min);
 *   qpay               — 500 concurrent POST /api/create-payment-session (the token stampede of bench (d));
 *   /<path>            — GET of that path (e.g. /info, /health): what every request pays before its route.
 * Results are printed, never asserted.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const HOST = '127.0.0.1';
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 15);
const LOAD = process.env.PROFILE_LOAD ?? 'payments';
const TOP = Number(process.env.PROFILE_TOP ?? 25);
const CONNECTIONS = 10;

const say = (msg: string) => console.log(`[profile] ${msg}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[]; hitCount?: number };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

/** A tiny CDP client: one request at a time is all this script needs. */
class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly ws: WebSocket;
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.error) w?.reject(new Error(msg.error.message));
      else w?.resolve(msg.result);
    });
  }

  static async connect(inspectorPort: number): Promise<Inspector> {
    let targets: Array<{ title?: string; webSocketDebuggerUrl?: string }> = [];
    for (let i = 0; i < 40 && targets.length === 0; i++) {
      try {
        targets = (await (await fetch(`http://${HOST}:${inspectorPort}/json`)).json()) as typeof targets;
      } catch {
        await sleep(500);
      }
    }
    const target = targets.find((t) => t.webSocketDebuggerUrl);
    if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${inspectorPort}`);
    say(`inspector target: ${target.title ?? '?'}`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Inspector(ws);
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Self and total milliseconds per function (name + file:line), from a V8 CPU profile. */
function summarise(profile: CpuProfile): Array<{ fn: string; self: number; total: number }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const label = (f: CallFrame) => {
    const file = f.url ? f.url.split('/').slice(-2).join('/') : '(native)';
    return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
    // Inclusive time: every distinct function on the sample's stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const k = label(n.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  }
  return [...total.keys()].map((fn) => ({ fn, self: self.get(fn) ?? 0, total: total.get(fn) ?? 0 }));
}

function formatProfile(profile: CpuProfile, top: number): string {
  const rows = summarise(profile);
  const wall = (profile.endTime - profile.startTime) / 1000;
  const idle = rows.find((r) => r.fn.startsWith('(idle)'))?.self ?? 0;
  const busy = wall - idle;
  const pct = (ms: number) => `${((100 * ms) / Math.max(busy, 1)).toFixed(1)}%`;
  const bySelf = rows
    .filter((r) => !r.fn.startsWith('(idle)') && !r.fn.startsWith('(root)'))
    .sort((a, b) => b.self - a.self)
    .slice(0, top);
  const byTotal = rows
    .filter((r) => !/^\((idle|root|program|garbage collector)\)/.test(r.fn))
    .sort((a, b) => b.total - a.total)
    .slice(0, top);
  return [
    `profile: ${wall.toFixed(0)} ms wall, ${busy.toFixed(0)} ms busy in the isolate (percentages of busy time)`,
    '',
    `top ${top} by self time`,
    formatColumns(
      ['function', 'self ms', 'self %', 'total ms'],
      bySelf.map((r) => [r.fn, r.self.toFixed(1), pct(r.self), r.total.toFixed(1)]),
    ),
    '',
    `top ${top} by total time`,
    formatColumns(
      ['function', 'total ms', 'total %', 'self ms'],
      byTotal.map((r) => [r.fn, r.total.toFixed(1), pct(r.total), r.self.toFixed(1)]),
    ),
  ].join('\n');
}

async function paymentsLoad(b: Bench): Promise<() => Promise<string>> {
  const events = Array.from({ length: 16 }, () => `prof-${randomUUID().slice(0, 8)}`);
  for (const e of events) await b.event(e, HIGH_LIMITS);
  const users = await Promise.all(Array.from({ length: 3000 }, (_, i) => b.user(`prof-buyer-${i}`)));
  await b.resetSandbox(0);
  let n = 0;
  const request: AutocannonRequest = {
    method: 'POST',
    path: '/api/v1/payments/process',
    setupRequest: (req) => {
      const i = n++;
      return {
        ...req,
        headers: {
          authorization: users[i % users.length] as string,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
          ...buyerHeaders(i),
        },
        body: b.order(events[i % events.length] as string, 1),
      };
    },
  };
  const run = async (seconds: number) => {
    const r = await load({ url: b.o.baseUrl, connections: CONNECTIONS, duration: seconds, requests: [request] });
    return `${r.requests.total} payments, ${r.requests.average.toFixed(1)} req/s, p50 ${r.latency.p50} ms, non-2xx ${r.non2xx}`;
  };
  await run(2); // warm-up: code loaded, caches filled
  return () => run(SECONDS);
}

async function checkoutLoad(b: Bench): Promise<() => Promise<string>> {
  const merchants = await Promise.all(
    Array.from({ length: 40 }, async (_, i) => `Bearer ${await b.sign({ sub: `prof-merchant-${i}`, tenant: b.tenant, role: 'merchant' })}`),
  );
  let n = 0;
  const request: AutocannonRequest = {
    method: 'POST',
    path: '/v1/checkout-sessions',
    setupRequest: (req) => {
      const i = n++;
      return {
        ...req,
        headers: { authorization: merchants[i % merchants.length] as string, 'content-type': 'application/json' },
        body: JSON.stringify({
          amount: 4999,
          description: `profile ${i}`,
          psp_config: { psp: 'stripe', psp_merchant_id: 'acct_bench', currency: 'USD' },
        }),
      };
    },
  };
  const run = async (seconds: number) => {
    const r = await load({ url: b.o.baseUrl, connections: CONNECTIONS, duration: seconds, requests: [request] });
    return `${r.requests.total} sessions, ${r.requests.average.toFixed(1)} req/s, p50 ${r.latency.p50} ms, non-2xx ${r.non2xx}`;
  };
  await run(1);
  return () => run(Math.min(SECONDS, 20)); // 40 merchants × 60/min bounds a run
}

async function qpayLoad(b: Bench): Promise<() => Promise<string>> {
  await b.sandbox('/__sandbox/config', { providers: { qpay: { latencyMs: 200, tokenTtlSeconds: 86_400, expiresInStyle: 'epoch' } } });
  const headers = await Promise.all(
    Array.from({ length: 500 }, async (_, i) => ({
      authorization: `Bearer ${await b.sign({ sub: `prof-qpay-${i}`, tenant: b.tenant, role: 'user' })}`,
      'content-type': 'application/json',
    })),
  );
  return async () => {
    const started = Date.now();
    const statuses = await Promise.all(
      headers.map(async (h, i) => {
        const res = await fetch(`${b.o.baseUrl}/api/create-payment-session`, {
          method: 'POST',
          headers: h,
          body: JSON.stringify({ amount: 1_000_000, description: `profile ${i}` }),
        }).catch(() => null);
        await res?.arrayBuffer();
        return res?.status ?? 0;
      }),
    );
    const mix = new Map<number, number>();
    for (const s of statuses) mix.set(s, (mix.get(s) ?? 0) + 1);
    return `500 invoices in ${Date.now() - started} ms: ${[...mix].map(([s, c]) => `${s}×${c}`).join(', ')}`;
  };
}

async function getLoad(b: Bench, pathname: string): Promise<() => Promise<string>> {
  const run = async (seconds: number) => {
    const r = await load({ url: `${b.o.baseUrl}${pathname}`, connections: CONNECTIONS, duration: seconds });
    return `${r.requests.total} × GET ${pathname}, ${r.requests.average.toFixed(1)} req/s, p50 ${r.latency.p50} ms, non-2xx ${r.non2xx}`;
  };
  await run(2);
  return () => run(SECONDS);
}

async function main(): Promise<void> {
  let db: Database | null = null;
  let stack: BenchStack | null = null;
  let inspector: Inspector | null = null;
  try {
    const bin = findPostgresBinDir();
    db = bin ? await startPostgresCluster(bin) : await startPglite();
    const port = await freePort();
    const sandboxPort = await freePort();
    const inspectorPort = await freePort();
    const baseUrl = `http://${HOST}:${port}`;
    say(`starting the dev stack on ${baseUrl}, inspector on ${inspectorPort}, load: ${LOAD}`);
    stack = spawnStack({
      root,
      port,
      sandboxPort,
      databaseUrl: db.url,
      env: { DEV_INSPECTOR_PORT: String(inspectorPort), VELOCITY_LIMITS: BENCH_VELOCITY_LIMITS },
    });
    await waitForHealth(baseUrl, stack, 120_000);
    const s = stack;
    const o: PaymentBenchOptions = {
      health: { rps: Number.NaN, p50: Number.NaN },
      root,
      baseUrl,
      sandboxUrl: `http://${HOST}:${sandboxPort}`,
      databaseUrl: db.url,
      databaseKind: db.kind,
      logFile: s.logFile,
      stackGone: () => (s.hasExited() ? 'the stack stopped' : null),
      measure: load,
      signal: new AbortController().signal,
      say,
    };
    const b = new Bench(o, await devSigner(root));
    await b.venue();
    const run = LOAD.startsWith('/')
      ? await getLoad(b, LOAD)
      : LOAD === 'checkout'
        ? await checkoutLoad(b)
        : LOAD === 'qpay'
          ? await qpayLoad(b)
          : await paymentsLoad(b);

    inspector = await Inspector.connect(inspectorPort);
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: 200 }); // µs
    await inspector.send('Profiler.start');
    say(`profiling while the load runs (${LOAD})`);
    const summary = await run();
    const { profile } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
    const file = path.join(os.tmpdir(), `edgepay-${LOAD.replace(/[^a-z0-9]+/gi, '-').replace(/^-/, '')}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`\nload: ${summary}\n${formatProfile(profile, TOP)}\n\nraw profile: ${file}\n`);
  } finally {
    inspector?.close();
    await stack?.stop().catch(() => undefined);
    await db?.stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[profile] failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
