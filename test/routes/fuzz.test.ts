import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FuzzCase, type FuzzTarget, listOperations, sampleCases, type WebhookIds } from '../fuzz/engine';
import { existingIds, type FixtureCall, type Fixtures, fixtureHints, HANDLE, makeFixtures } from '../fuzz/fixtures';
import type { OpenApiDoc, Role } from '../fuzz/openapi-arbitraries';
import { type Finding, judge, prepare, type Reply, repro, type Signers, summarize } from '../fuzz/oracle';
import { BASE, call } from '../helpers/app';
import { rows, sql } from '../helpers/db';
import { signToken } from '../helpers/tokens';

/**
 * A fuzz test generated from GET /openapi.json: for every operation, RUNS_PER_OP requests sampled with a
 * fixed seed (test/fuzz/engine.ts) — valid bodies from the JSON Schemas and mutations of them, existing ids
 * and random or broken ones in paths, every role's token and none, signed and unsigned webhooks. It asserts:
 *  - no answer is 5xx;
 *  - every error is the one envelope { error, code, timestamp, path, requestId, errors? } as JSON with X-Request-Id;
 *  - the contract's answer where the input is one it names: NUL, lone surrogates and deep nesting → 422
 *    VALIDATION_ERROR naming the field, a wrong content type → 415, a wrong method → 405, an unsigned Stripe or
 *    Square notification → 400, a body over MAX_BODY_BYTES → 413;
 *  - a rejected request changed nothing: the object it names reads the same through its GET route before and
 *    after; the PSP sandbox recorded no writing call (create, capture, refund…) while it ran; and at the end, once
 *    the outboxes have drained, every Postgres row of the fuzz tenant is named by a request the app accepted, and
 *    every payment, checkout session and recovery transaction an accepted request created has its row.
 * Every distinct failure is reported once, grouped by (what was wrong, operation, input shape), with a curl
 * command that reproduces it.
 */

const SEED = 20_261_207;
const RUNS_PER_OP = 36;
/** The per-user limit is 60/min: a new subject every so many requests keeps 429 from answering instead. */
const REQUESTS_PER_SUBJECT = 40;
const tenant = `fuzz-${crypto.randomUUID().slice(0, 8)}`;

const sandboxUrl = () => inject('sandboxUrl');

// ---------------------------------------------------------------------------------------------------------
// Tokens: one subject per role at a time, rotated.

const tokenCache = new Map<string, string>();
const uses = new Map<string, number>();
async function tokenFor(role: Role | 'snap', sub?: string): Promise<string> {
  const n = (uses.get(role) ?? 0) + 1;
  uses.set(role, n);
  const subject = sub ?? `fz-${role}-${Math.floor(n / REQUESTS_PER_SUBJECT)}`;
  const key = `${role}:${subject}`;
  let t = tokenCache.get(key);
  if (!t) {
    t = await signToken({ tenant_id: tenant, sub: subject, role: role === 'snap' ? 'admin' : role });
    tokenCache.set(key, t);
  }
  return t;
}

const signers: Signers = {
  token: (role) => tokenFor(role),
  stripeWebhookSecret: 'whsec_test',
  squareSignatureKey: env.SQUARE_WEBHOOK_SIGNATURE_KEY as string,
  squareNotificationUrl: env.SQUARE_WEBHOOK_NOTIFICATION_URL as string,
  internalServiceSecret: env.INTERNAL_SERVICE_SECRET as string,
  internalService: 'order-service',
};

async function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const started = performance.now();
  const res = await call(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, ms: performance.now() - started };
}

async function admin(method: string, url: string, body?: unknown, role: Role = 'admin', sub = 'fz-setup'): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${await tokenFor(role, sub)}`, 'content-type': 'application/json' };
  if (method === 'POST' && /process|refund/.test(url)) headers['idempotency-key'] = crypto.randomUUID();
  const r = await send(method, url, headers, body === undefined ? undefined : JSON.stringify(body));
  if (r.status >= 300) throw new Error(`fixture ${method} ${url} answered ${r.status}: ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text);
}

let fx: Fixtures;
let doc: OpenApiDoc;

const fixtureCall: FixtureCall = (method, url, body, role, sub) => admin(method, url, body, role, sub);

// ---------------------------------------------------------------------------------------------------------
// "Changed nothing": the object a request names, read through its GET route.

/** The GET route showing the state a request to `c` could change, or null when it names no existing object. */
function stateRoute(c: FuzzCase): string | null {
  const p = c.pathParams;
  const body = (c.bodyValue ?? {}) as Record<string, unknown>;
  switch (c.op.id) {
    case 'PUT /api/v1/venues/{venueId}':
      return p.venueId === fx.venueId ? `/api/v1/venues/${fx.venueId}` : null;
    case 'PUT /api/v1/events/{eventId}':
      return p.eventId === fx.eventId ? `/api/v1/events/${fx.eventId}` : null;
    case 'POST /api/v1/payments/transaction/{transactionId}/refund':
      return p.transactionId === fx.transactionId ? `/api/v1/payments/transaction/${fx.transactionId}` : null;
    case 'POST /internal/payment-complete':
      return body.paymentId === fx.transactionId ? `/api/v1/payments/transaction/${fx.transactionId}` : null;
    case 'POST /v1/checkout-sessions/{sessionId}/refund':
      return p.sessionId === fx.checkoutSessionId ? `/v1/checkout-sessions/${fx.checkoutSessionId}` : null;
    case 'POST /v1/users/{userUuid}/factors':
      return p.userUuid === fx.userUuid || p.userUuid === HANDLE ? `/v1/users/${fx.userUuid}/factors` : null;
    case 'POST /v1/verification/{sessionId}/verify':
      return p.sessionId === fx.verificationId ? `/v1/verification/${fx.verificationId}` : null;
    case 'POST /v1/payments/stripe/checkout-sessions':
    case 'POST /v1/payments/stripe/payment-links':
      return body.transactionId === fx.recoveryTransactionId ? `/v1/transactions/${fx.recoveryTransactionId}` : null;
  }
  // Webhooks may name the fixture payment or checkout session.
  if (c.kind === 'webhook') {
    const text = c.body ?? '';
    if (text.includes(fx.transactionId)) return `/api/v1/payments/transaction/${fx.transactionId}`;
    if (text.includes(fx.checkoutSessionId)) return `/v1/checkout-sessions/${fx.checkoutSessionId}`;
  }
  return null;
}

/** Fields that move with the clock or on their own (the mint queue minting a payment's tickets), not with requests. */
const VOLATILE = /^(expires_in|timestamp|checkedAt|now|nftStatus)$/;
const stable = (text: string) => JSON.stringify(JSON.parse(text), (k, v) => (VOLATILE.test(k) ? undefined : v));

let snapSub = 0;
async function readState(route: string): Promise<string> {
  // Reads use admin subjects of their own, rotated like the fuzz callers'.
  const sub = `fz-snap-${Math.floor(snapSub++ / REQUESTS_PER_SUBJECT)}`;
  const r = await send('GET', route, { authorization: `Bearer ${await tokenFor('snap', sub)}` });
  return `${r.status} ${r.status === 200 ? stable(r.text) : r.text}`;
}

/** Operations that may call a PSP: around their rejected requests the sandbox is watched for calls from this tenant. */
const PSP_OPS = /process|refund|checkout-sessions|create-payment-session|payment-sessions|verification|stripe|webhooks/;
type SandboxEntry = { provider: string; method: string; path: string; rawBody?: string; headers?: Record<string, string> };
async function sandboxCount(): Promise<number> {
  return ((await (await fetch(`${sandboxUrl()}/__sandbox/requests`)).json()) as unknown[]).length;
}
async function sandboxSince(n: number): Promise<SandboxEntry[]> {
  return ((await (await fetch(`${sandboxUrl()}/__sandbox/requests`)).json()) as SandboxEntry[]).slice(n);
}
/**
 * A PSP call that writes (creates, captures, refunds, cancels): reads and token requests change nothing there.
 * One that names another tenant belongs to another test file running alongside.
 */
/**
 * E-mail and SMS are not PSPs: recovery reminders go out from the deliveries queue on their own schedule,
 * whichever request is in flight when they do, so they say nothing about the request under test.
 */
const NOTIFICATION_PROVIDERS = new Set(['email', 'sms']);

const pspWrite = (e: SandboxEntry) => {
  if (NOTIFICATION_PROVIDERS.has(e.provider)) return false;
  if (e.method === 'GET' || /token|oauth/i.test(e.path)) return false;
  const text = JSON.stringify(e);
  return !(/tenant_id/.test(text) && !text.includes(tenant));
};

/** Answers that are rejections yet record something on purpose: a declined payment, a spent verification attempt. */
function rejectionChangesState(c: FuzzCase, r: Reply): boolean {
  if (r.status === 402) return true;
  if (c.op.id === 'POST /v1/verification/{sessionId}/verify') {
    const code = (() => {
      try {
        return JSON.parse(r.text).code as string;
      } catch {
        return '';
      }
    })();
    return ![
      'VALIDATION_ERROR',
      'MALFORMED_JSON',
      'AUTH_REQUIRED',
      'INVALID_TOKEN',
      'FORBIDDEN',
      'RATE_LIMIT_EXCEEDED',
      'NOT_FOUND',
    ].includes(code);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------

const findings: Finding[] = [];
const statusCounts = new Map<string, number>();
/** Text of accepted requests and their answers: every Postgres row of the tenant must be named somewhere in it. */
const evidence: string[] = [];
let requests = 0;
/** Objects accepted requests created, by table: each must reach Postgres once the outboxes drain. */
const created: Record<'payment_transactions' | 'checkout_sessions' | 'recovery_transactions', Set<string>> = {
  payment_transactions: new Set(),
  checkout_sessions: new Set(),
  recovery_transactions: new Set(),
};
function noteCreated(c: FuzzCase, r: Reply) {
  if (r.status >= 300 && r.status !== 402) return;
  let b: any;
  try {
    b = JSON.parse(r.text);
  } catch {
    return;
  }
  if (c.op.id === 'POST /api/v1/payments/process') {
    const id = b?.transaction?.id ?? b?.transactionId;
    if (typeof id === 'string') created.payment_transactions.add(id);
  }
  if (c.op.id === 'POST /v1/checkout-sessions' && typeof b?.session_id === 'string') created.checkout_sessions.add(b.session_id);
  if (c.op.id === 'POST /v1/transactions' && typeof b?.transactionId === 'string') created.recovery_transactions.add(b.transactionId);
}

describe('fuzz: every operation of GET /openapi.json', () => {
  beforeAll(async () => {
    const res = await call('/openapi.json');
    doc = (await res.json()) as OpenApiDoc;
    fx = await makeFixtures(tenant, fixtureCall);
    evidence.push(JSON.stringify(fx), fx.venueId, fx.eventId);
  }, 60_000);

  afterAll(() => {
    const byClass = new Map<string, Finding[]>();
    for (const f of findings) byClass.set(f.klass, [...(byClass.get(f.klass) ?? []), f]);
    console.log(
      `[fuzz] seed ${SEED}, ${RUNS_PER_OP} runs per operation, tenant ${tenant}: ${requests} requests, ` +
        `statuses ${[...statusCounts].map(([s, n]) => `${s}×${n}`).join(' ')}; ${byClass.size} distinct failures`,
    );
  });

  it('answers every generated request without 5xx, in the one error format, as the contract says, changing nothing when it refuses', async () => {
    const started = Date.now();
    const target: FuzzTarget = { doc, existing: existingIds(fx), maxBodyBytes: Number(env.MAX_BODY_BYTES), hints: fixtureHints(fx) };
    const ids: WebhookIds = { transactionIds: [fx.transactionId], checkoutSessionIds: [fx.checkoutSessionId], tenant };
    const ops = listOperations(doc);
    const timing: string[] = [];
    for (const op of ops) {
      const opStarted = Date.now();
      const psp = PSP_OPS.test(op.path);
      for (const c of sampleCases(target, op, ids, SEED, RUNS_PER_OP)) {
        const route = stateRoute(c);
        const before = route ? await readState(route) : null;
        const sandboxBefore = psp ? await sandboxCount() : 0;
        const out = await prepare(c, signers);
        const r = await send(out.method, out.url, out.headers, out.body);
        requests++;
        const klass = `${Math.floor(r.status / 100)}xx`;
        statusCounts.set(klass, (statusCounts.get(klass) ?? 0) + 1);
        const found = judge(c, r);
        const rejected = r.status >= 400 && r.status < 500 && !rejectionChangesState(c, r);
        if (rejected && route) {
          const after = await readState(route);
          if (after !== before)
            found.push({
              klass: `state changed by a ${r.status} | ${c.op.id} | ${c.mutation}`,
              detail: `${route}: ${(before ?? '').slice(0, 300)} → ${after.slice(0, 300)}`,
              c,
              status: r.status,
              response: r.text.slice(0, 600),
            });
        }
        if (rejected && psp) {
          const calls = (await sandboxSince(sandboxBefore)).filter(pspWrite);
          if (calls.length)
            found.push({
              klass: `PSP called by a ${r.status} | ${c.op.id} | ${c.mutation}`,
              detail: calls.map((e) => `${e.provider} ${e.method} ${e.path}`).join(', '),
              c,
              status: r.status,
              response: r.text.slice(0, 600),
            });
        }
        if (r.status < 400 || (r.status < 500 && !rejected)) {
          evidence.push(out.url, out.body ?? '', r.text);
          noteCreated(c, r);
        }
        for (const f of found) {
          f.curl = repro(f.c, out, BASE);
          findings.push(f);
          if (findings.filter((x) => x.klass === f.klass).length === 1)
            console.log(`[fuzz] FAIL ${f.klass}: ${f.detail}\n  ${f.curl}\n  → ${f.status} ${f.response.slice(0, 300)}`);
        }
      }
      timing.push(`${op.id} ${Date.now() - opStarted} ms`);
    }
    console.log(`[fuzz] ${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`);
    console.log(
      `[fuzz] slowest operations: ${timing
        .sort((a, b) => Number(b.split(' ').at(-2)) - Number(a.split(' ').at(-2)))
        .slice(0, 5)
        .join('; ')}`,
    );
    if (findings.length) console.log(`[fuzz] failures by defect:\n${summarize(findings)}`);
    const distinct = [...new Map(findings.map((f) => [f.klass, f])).values()];
    expect(distinct.map((f) => `${f.klass}: ${f.detail}`)).toEqual([]);
  }, 600_000);

  it('once the outboxes drained, Postgres holds a row for every object an accepted request created, and no row a rejected one did', async () => {
    const tables = [
      ['payment_transactions', 'id'],
      ['payment_refunds', 'transaction_id'],
      ['venues', 'venue_id'],
      ['events', 'event_id'],
      ['checkout_sessions', 'id'],
      ['checkout_refunds', 'session_id'],
      ['recovery_transactions', 'id'],
      ['recovery_notifications', 'transaction_id'],
    ] as const;
    const snapshot = async () => {
      const out: Record<string, string[]> = {};
      for (const [table, key] of tables)
        out[table] = (
          await rows<{ k: string }>(sql.raw(`SELECT ${key}::text AS k FROM ${table} WHERE tenant_id = '${tenant}' ORDER BY 1`))
        ).map((r) => r.k);
      return out;
    };
    // Drained: every created object's row is there, and three reads in a row agree (queue consumers work in
    // the background, retrying a failed batch after 5 s, 10 s, 20 s…). A row that never arrives is a finding.
    const missing = (now: Record<string, string[]>) =>
      Object.entries(created).flatMap(([table, ids]) => [...ids].filter((id) => !now[table]?.includes(id)).map((id) => `${table}:${id}`));
    let last = '';
    let same = 0;
    const deadline = Date.now() + 75_000;
    let current = await snapshot();
    for (;;) {
      const text = JSON.stringify(current);
      same = text === last && missing(current).length === 0 ? same + 1 : 0;
      if (same >= 2 || Date.now() > deadline) break;
      last = text;
      await new Promise((r) => setTimeout(r, 500));
      current = await snapshot();
    }
    const named = evidence.join('\n');
    const unexplained = Object.entries(current).flatMap(([table, keys]) =>
      keys.filter((k) => !named.includes(k)).map((k) => `${table}:${k}`),
    );
    console.log(
      `[fuzz] Postgres rows of ${tenant}: ${Object.entries(current)
        .map(([t, k]) => `${t} ${k.length}`)
        .join(', ')}; ` +
        `created by accepted requests: ${Object.entries(created)
          .map(([t, ids]) => `${t} ${ids.size}`)
          .join(', ')}`,
    );
    expect({ unexplained, neverArrived: missing(current) }).toEqual({ unexplained: [], neverArrived: [] });
  }, 150_000);
});
