import { randomUUID } from 'node:crypto';
import {
  healthBurst,
  healthLine,
  machineLoad,
  message,
  ms,
  type PaymentBenchOptions,
  percentile,
  type Reply,
  send,
  sleep,
  workerDurations,
} from './payments/shared.ts';
import { formatColumns, formatKeyValue } from './table.ts';
import type { Signer } from './tokens.ts';

/**
 * Checkout-session benchmarks of `npm run bench`, against the dev stack and its sandbox:
 *  (d) token stampede — 500 concurrent QPay invoice creations (POST /api/create-payment-session) with a cold
 *      token and 200 ms QPay latency: upstream token requests (goal 1) and p50/p99; then again across an
 *      expiry boundary (the cached token inside its 60 s refresh margin), with the other `expires_in` style;
 *  (e) checkout-session overhead per provider: POST /v1/checkout-sessions one at a time with 200 ms sandbox
 *      latency; overhead = p50 − latency × upstream calls per create.
 * The stack is started with a QPay client id of its own (BENCH_QPAY_CLIENT_ID), so its TokenBrokerDO starts cold.
 */
type SandboxRequest = { provider: string; method: string; path: string; status: number };

export const STAMPEDE_SIZE = 500;
const TOKEN_LATENCY_MS = 200;
const OVERHEAD_LATENCY_MS = 200;
const OVERHEAD_CREATES = 15;

const PROVIDER_CONFIGS: Record<string, { currency: string; merchant: string; amount: number; metadata?: Record<string, string> }> = {
  stripe: { currency: 'USD', merchant: 'acct_bench', amount: 4999 },
  adyen: { currency: 'EUR', merchant: 'EdgepayECOM', amount: 4999 },
  square: { currency: 'USD', merchant: 'LSBX0EDGEPAY1', amount: 4999 },
  mercadopago: { currency: 'BRL', merchant: '123456789', amount: 4999 },
  paypal: { currency: 'USD', merchant: 'MERCHANT1234A', amount: 4999 },
  tilopay: { currency: 'CRC', merchant: 'merchant_123', amount: 4999, metadata: { customer_email: 'payer@example.com' } },
  qpay: { currency: 'MNT', merchant: 'TEST_INVOICE', amount: 1_000_000 },
};

class CheckoutBench {
  readonly tenant = `bench-co-${randomUUID().slice(0, 8)}`;
  readonly o: PaymentBenchOptions;
  private readonly sign: Signer;
  constructor(o: PaymentBenchOptions, sign: Signer) {
    this.o = o;
    this.sign = sign;
  }

  async sandbox(path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.o.sandboxUrl}${path}`, {
      method: body === undefined && !path.endsWith('/reset') ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json();
  }

  async requests(): Promise<SandboxRequest[]> {
    return (await this.sandbox('/__sandbox/requests')) as SandboxRequest[];
  }

  async headers(sub: string, role: 'user' | 'merchant'): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.sign({ sub, tenant: this.tenant, role })}`, 'content-type': 'application/json' };
  }

  post(path: string, headers: Record<string, string>, body: unknown): Promise<Reply> {
    return send(`${this.o.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }, this.o.signal);
  }
}

const tokenRequests = (rs: SandboxRequest[]) => rs.filter((r) => r.provider === 'qpay' && r.path.startsWith('/v2/auth/')).length;

function statusMix(replies: Reply[]): string {
  const counts = new Map<string, number>();
  for (const r of replies) counts.set(r.status ? String(r.status) : 'error', (counts.get(r.status ? String(r.status) : 'error') ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${s}×${n}`).join(', ');
}

async function stampede(b: CheckoutBench, label: string, round: number): Promise<[string, string][]> {
  // One buyer per request: the per-user rate limit (60/min) must not be what is measured.
  const headers = await Promise.all(Array.from({ length: STAMPEDE_SIZE }, (_, i) => b.headers(`qpay-buyer-${round}-${i}`, 'user')));
  const before = tokenRequests(await b.requests());
  const replies = await Promise.all(
    headers.map((h, i) => b.post('/api/create-payment-session', h, { amount: 1_000_000, description: `${label} ${i}` })),
  );
  await sleep(200);
  const after = tokenRequests(await b.requests());
  const latencies = replies.map((r) => r.ms);
  return [
    [`${label}: upstream token requests`, `${after - before} (goal 1)`],
    [`${label}: status mix`, statusMix(replies)],
    [`${label}: latency p50 / p99 ms`, `${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`],
  ];
}

export async function tokenStampede(b: CheckoutBench): Promise<string> {
  const { say } = b.o;
  const headers = await b.headers('qpay-primer', 'user');
  say(`(d) token stampede: ${STAMPEDE_SIZE} concurrent QPay invoice creations, cold token, ${TOKEN_LATENCY_MS} ms QPay latency`);
  await b.sandbox('/__sandbox/config', {
    providers: { qpay: { latencyMs: TOKEN_LATENCY_MS, tokenTtlSeconds: 86_400, expiresInStyle: 'epoch' } },
  });
  const cold = await stampede(b, 'cold, expires_in as epoch', 1);

  say('(d) token stampede: again across an expiry boundary (cached token inside the 60 s margin), expires_in as a lifetime');
  // A token that lives 63 s is usable for ~3 s (60 s margin); after 4 s the broker must refresh it, once.
  // After a reset the cached token is unknown to QPay: the priming call gets 401, invalidates it and fetches a 63 s one.
  await b.sandbox('/__sandbox/reset');
  await b.sandbox('/__sandbox/config', { providers: { qpay: { latencyMs: 0, tokenTtlSeconds: 63, expiresInStyle: 'duration' } } });
  const warm = await b.post('/api/create-payment-session', headers, { amount: 1_000_000, description: 'prime' });
  if (warm.status !== 201) throw new Error(`priming invoice answered ${warm.status}: ${warm.text.slice(0, 200)}`);
  await sleep(4_000);
  await b.sandbox('/__sandbox/config', {
    providers: { qpay: { latencyMs: TOKEN_LATENCY_MS, tokenTtlSeconds: 86_400, expiresInStyle: 'duration' } },
  });
  const boundary = await stampede(b, 'expiry boundary, expires_in as lifetime', 2);
  await b.sandbox('/__sandbox/config', { providers: { qpay: { latencyMs: 0 } } });
  const floor = await healthBurst(b.o.baseUrl, STAMPEDE_SIZE, b.o.signal);
  return formatKeyValue(`(d) token stampede: ${STAMPEDE_SIZE} concurrent POST /api/create-payment-session`, [
    ...cold,
    ...boundary,
    ['note', 'one TokenBrokerDO per (provider, client id) single-flights the token request: waiters share it, none fetches its own'],
    ['GET /health (same run)', healthLine(b.o.health)],
    ['the same burst of GET /health', floor],
    ['machine', machineLoad()],
  ]);
}

export async function checkoutOverhead(b: CheckoutBench): Promise<string> {
  const { say } = b.o;
  const cells: string[][] = [];
  for (const [psp, cfg] of Object.entries(PROVIDER_CONFIGS)) {
    // A merchant per provider: 17 creates each stay under the per-user rate limit (60/min).
    const headers = await b.headers(`checkout-overhead-${psp}`, 'merchant');
    say(`(e) checkout overhead: ${psp}, ${OVERHEAD_CREATES} sequential creates, sandbox latency ${OVERHEAD_LATENCY_MS} ms`);
    await b.sandbox('/__sandbox/config', { providers: { [psp]: { latencyMs: 0 } } });
    const body = (i: number) => ({
      amount: cfg.amount,
      description: `overhead ${i}`,
      psp_config: { psp, psp_merchant_id: cfg.merchant, currency: cfg.currency, ...(cfg.metadata ? { metadata: cfg.metadata } : {}) },
    });
    // Warm-up at 0 latency: token fetched, adapters built, objects' code loaded.
    for (let i = 0; i < 2; i++) await b.post('/v1/checkout-sessions', headers, body(i));
    await b.sandbox('/__sandbox/config', { providers: { [psp]: { latencyMs: OVERHEAD_LATENCY_MS } } });
    const before = (await b.requests()).filter((r) => r.provider === psp).length;
    const replies: Reply[] = [];
    const from = Date.now();
    for (let i = 0; i < OVERHEAD_CREATES; i++) replies.push(await b.post('/v1/checkout-sessions', headers, body(i)));
    const workerP50 = percentile(
      workerDurations(b.o.logFile, '/v1/checkout-sessions', from, Date.now(), (s) => s === 201),
      50,
    );
    const upstream = (await b.requests()).filter((r) => r.provider === psp).length - before;
    await b.sandbox('/__sandbox/config', { providers: { [psp]: { latencyMs: 0 } } });
    const ok = replies.filter((r) => r.status === 201);
    const latencies = ok.map((r) => r.ms);
    const perCreate = ok.length ? upstream / ok.length : Number.NaN;
    const p50 = percentile(latencies, 50);
    cells.push([
      psp,
      statusMix(replies),
      ms(p50),
      ms(percentile(latencies, 99)),
      perCreate.toFixed(1),
      ms(perCreate * OVERHEAD_LATENCY_MS),
      ms(p50 === undefined ? undefined : p50 - perCreate * OVERHEAD_LATENCY_MS),
      ms(workerP50 === undefined ? undefined : workerP50 - perCreate * OVERHEAD_LATENCY_MS),
    ]);
  }
  return [
    `(e) checkout-session overhead per provider (POST /v1/checkout-sessions, 1 connection, sandbox latency ${OVERHEAD_LATENCY_MS} ms per upstream call)`,
    formatColumns(
      [
        'provider',
        'status mix',
        'p50 ms',
        'p99 ms',
        'upstream calls/create',
        'sandbox latency ms',
        'overhead p50 ms',
        'Worker overhead p50 ms',
      ],
      cells,
    ),
    'goal: overhead p50 ≤ 15 ms per provider',
    "Worker overhead = the app's own logged duration (its request line) minus the sandbox latency: without wrangler dev's proxying",
    healthLine(b.o.health),
    machineLoad(),
  ].join('\n');
}

export async function runCheckoutBenches(o: PaymentBenchOptions, sign: Signer): Promise<void> {
  const b = new CheckoutBench(o, sign);
  for (const [name, bench] of [
    ['(d) token stampede', tokenStampede],
    ['(e) checkout overhead', checkoutOverhead],
  ] as const) {
    if (o.signal.aborted) throw new Error('interrupted');
    const gone = o.stackGone();
    if (gone) {
      console.log(`\n!!! WARNING: ${name} skipped: ${gone} !!!\n`);
      continue;
    }
    try {
      console.log(`\n${await bench(b)}\n`);
    } catch (err) {
      if (o.signal.aborted) throw err;
      console.log(`\n!!! WARNING: ${name} failed: ${message(err)} !!!\n`);
    }
  }
}
