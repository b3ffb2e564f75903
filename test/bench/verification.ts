import { randomUUID } from 'node:crypto';
import { machineLoad, message, ms, type PaymentBenchOptions, percentile, type Reply, send } from './payments/shared.ts';
import { formatColumns } from './table.ts';
import type { Signer } from './tokens.ts';

/**
 * NoTap benchmark of `npm run bench`, against the dev stack and its sandbox:
 *  (f) initiate latency — with sandbox Stripe latency 300 ms and then 500 ms, ROUNDS sequential requests of each
 *      kind on one connection, interleaved (A, B, C, A, B, C, …) so drift hits all three alike:
 *        A  POST /v1/verification/initiate without psp_config (the verification work alone),
 *        B  POST /v1/verification/initiate with a Stripe psp_config (both threads in parallel),
 *        C  POST /v1/checkout-sessions with the same psp_config (the PSP thread alone).
 *      Printed: p50 of each, ratio = p50(B) / max(p50(A), p50(C)) (in parallel B should cost the slower of A, C; goal ≤ 1.05),
 *      and the sequential baseline p50(A) + p50(C) for comparison.
 * Results are printed, never asserted. Each kind and latency has its own merchant subject (per-user limit 60/min).
 */
const LATENCIES_MS = [300, 500];
const ROUNDS = 20;
const WARMUP = 2;
const USER = 'bench.notap.sol';
const PSP_CONFIG = { psp: 'stripe', psp_merchant_id: 'acct_bench', currency: 'USD' };

type Kind = 'plain' | 'psp' | 'direct';

class VerificationBench {
  readonly tenant = `bench-notap-${randomUUID().slice(0, 8)}`;
  readonly o: PaymentBenchOptions;
  private readonly sign: Signer;
  private readonly headerCache = new Map<string, Record<string, string>>();
  constructor(o: PaymentBenchOptions, sign: Signer) {
    this.o = o;
    this.sign = sign;
  }

  async headers(sub: string): Promise<Record<string, string>> {
    let h = this.headerCache.get(sub);
    if (!h) {
      h = {
        authorization: `Bearer ${await this.sign({ sub, tenant: this.tenant, role: 'merchant' })}`,
        'content-type': 'application/json',
      };
      this.headerCache.set(sub, h);
    }
    return h;
  }

  async post(path: string, sub: string, body: unknown): Promise<Reply> {
    return send(
      `${this.o.baseUrl}${path}`,
      { method: 'POST', headers: await this.headers(sub), body: JSON.stringify(body) },
      this.o.signal,
    );
  }

  async stripeLatency(latencyMs: number): Promise<void> {
    const reply = await send(
      `${this.o.sandboxUrl}/__sandbox/config`,
      { method: 'POST', body: JSON.stringify({ providers: { stripe: { latencyMs } } }) },
      this.o.signal,
    );
    if (reply.status !== 200) throw new Error(`sandbox config answered ${reply.status || reply.error}: ${reply.text.slice(0, 200)}`);
  }

  async enrol(): Promise<void> {
    for (const [factor, value] of [
      ['PIN', '48213579'],
      ['PATTERN', [0, 4, 8, 5]],
      ['EMOJI', ['🦊', '🚀', '🌵', '🍕']],
    ] as const) {
      const r = await this.post(`/v1/users/${USER}/factors`, 'notap-enrol', { factor, value });
      if (r.status !== 201 && r.status !== 200)
        throw new Error(`enrolling ${factor} answered ${r.status || r.error}: ${r.text.slice(0, 200)}`);
    }
  }

  request(kind: Kind, latencyMs: number): Promise<Reply> {
    const sub = `notap-${kind}-${latencyMs}`;
    if (kind === 'direct')
      return this.post('/v1/checkout-sessions', sub, { amount: 4999, description: 'NoTap bench', psp_config: PSP_CONFIG });
    return this.post('/v1/verification/initiate', sub, {
      user_uuid: USER,
      transaction_amount: 49.99,
      risk_level: 'LOW',
      ...(kind === 'psp' ? { psp_config: PSP_CONFIG } : {}),
    });
  }
}

const ok = (kind: Kind, r: Reply) => {
  if (kind === 'direct') return r.status === 201;
  if (r.status !== 200) return false;
  if (kind === 'plain') return true;
  try {
    return (JSON.parse(r.text) as { psp_ready?: boolean }).psp_ready === true;
  } catch {
    return false;
  }
};

function statusMix(replies: Reply[]): string {
  const counts = new Map<string, number>();
  for (const r of replies) counts.set(r.status ? String(r.status) : 'error', (counts.get(r.status ? String(r.status) : 'error') ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${s}×${n}`).join(' ');
}

async function measureAt(b: VerificationBench, latencyMs: number): Promise<string[]> {
  const { say } = b.o;
  say(
    `(f) NoTap initiate: sandbox Stripe latency ${latencyMs} ms, ${ROUNDS} rounds of A (no psp_config), B (stripe psp_config), C (direct checkout)`,
  );
  await b.stripeLatency(latencyMs);
  const kinds: Kind[] = ['plain', 'psp', 'direct'];
  for (let i = 0; i < WARMUP; i++) for (const k of kinds) await b.request(k, latencyMs);
  const replies: Record<Kind, Reply[]> = { plain: [], psp: [], direct: [] };
  for (let i = 0; i < ROUNDS; i++) {
    if (b.o.signal.aborted) throw new Error('interrupted');
    for (const k of kinds) replies[k].push(await b.request(k, latencyMs));
  }
  const p50 = (k: Kind) =>
    percentile(
      replies[k].filter((r) => ok(k, r)).map((r) => r.ms),
      50,
    );
  const p99 = (k: Kind) =>
    percentile(
      replies[k].filter((r) => ok(k, r)).map((r) => r.ms),
      99,
    );
  const [a, bp, c] = [p50('plain'), p50('psp'), p50('direct')];
  const parallel = a === undefined || c === undefined ? undefined : Math.max(a, c);
  const sequential = a === undefined || c === undefined ? undefined : a + c;
  const ratio = bp === undefined || parallel === undefined ? undefined : bp / parallel;
  const failures = kinds.filter((k) => replies[k].some((r) => !ok(k, r)));
  return [
    String(latencyMs),
    ms(a),
    ms(c),
    ms(parallel),
    ms(bp),
    ratio === undefined ? '-' : `${ratio.toFixed(3)}${ratio <= 1.05 ? '' : ' (over goal)'}`,
    ms(sequential),
    ms(sequential === undefined || bp === undefined ? undefined : sequential - bp),
    ms(p99('psp')),
    `${replies.psp.filter((r) => ok('psp', r)).length}/${ROUNDS}`,
    failures.length ? failures.map((k) => `${k}: ${statusMix(replies[k])}`).join('; ') : 'all ok',
  ];
}

async function initiateLatency(b: VerificationBench): Promise<string> {
  await b.stripeLatency(0);
  await b.enrol();
  const cells: string[][] = [];
  try {
    for (const latency of LATENCIES_MS) cells.push(await measureAt(b, latency));
  } finally {
    await b.stripeLatency(0).catch(() => {});
  }
  return [
    `(f) NoTap initiate with a parallel PSP session (1 connection, ${ROUNDS} sequential requests per kind, interleaved; ms)`,
    formatColumns(
      [
        'stripe latency',
        'A p50 no psp',
        'C p50 checkout',
        'max(A,C)',
        'B p50 with psp',
        'B / max (goal ≤ 1.05)',
        'A+C sequential',
        'saved vs sequential',
        'B p99',
        'psp_ready',
        'non-ok answers',
      ],
      cells,
    ),
    'A = initiate without psp_config; B = initiate with a Stripe psp_config; C = POST /v1/checkout-sessions alone (p50s over successful answers)',
    machineLoad(),
  ].join('\n');
}

export async function runVerificationBench(o: PaymentBenchOptions, sign: Signer): Promise<void> {
  if (o.signal.aborted) throw new Error('interrupted');
  const gone = o.stackGone();
  if (gone) {
    console.log(`\n!!! WARNING: (f) NoTap initiate skipped: ${gone} !!!\n`);
    return;
  }
  try {
    console.log(`\n${await initiateLatency(new VerificationBench(o, sign))}\n`);
  } catch (err) {
    if (o.signal.aborted) throw err;
    console.log(`\n!!! WARNING: (f) NoTap initiate failed: ${message(err)} !!!\n`);
  }
}
