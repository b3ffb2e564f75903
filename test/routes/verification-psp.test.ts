import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkoutStub, userFactorsStub, verificationStub } from '../../src/lib/stubs';
import { completeAtSandbox, deliverNew, getSession, lastWebhookIndex, merchantHeaders, type SessionBody } from '../helpers/checkout';
import { eventually, rows, sql } from '../helpers/db';
import { configureSandbox, sandbox } from '../helpers/sandbox';
import { enrol, initiate, request, settle, takeResponses, VALUE_FORMS, VALUES, verify, WRONG, withBindings } from '../helpers/verification';

/**
 * NoTap with a parallel PSP checkout session: the whole flow through Stripe's
 * sandbox to a succeeded session and Postgres row, a PSP that does not answer in time, and factor values
 * that appear nowhere (objects' storage, Postgres, logs, responses).
 */
const SEED_KEYS = [
  'success',
  'session_id',
  'uuid',
  'required_factors',
  'enrolled_factors',
  'initial_required_count',
  'transaction_amount',
  'risk_level',
  'expires_in',
  'message',
];
const PSP_TIMEOUT_MS = Number(env.PSP_TIMEOUT_MS);
const STRIPE = {
  psp: 'stripe',
  psp_merchant_id: 'acct_1234567890',
  currency: 'USD',
  merchant_id: 'merchant_xyz',
  metadata: {
    order_id: 'order_789',
    customer_email: 'alice@example.com',
    success_url: 'https://merchant.com/success',
    cancel_url: 'https://merchant.com/cancel',
  },
};

const tenantName = (label: string) => `t-notap-${label}-${crypto.randomUUID().slice(0, 8)}`;

afterEach(async () => {
  vi.restoreAllMocks();
  await settle();
});

type StateBody = {
  status: string;
  psp_ready?: boolean;
  psp_session?: { provider: string; session_id: string; checkout_url: string; status: string; expires_at: string | null };
  psp_error?: string;
};

/** Delivers the sandbox's recorded Stripe webhooks until the checkout session is succeeded. */
async function payAndNotify(h: Record<string, string>, checkoutSessionId: string): Promise<SessionBody> {
  const session = (await getSession(h, checkoutSessionId)).body;
  let after = await lastWebhookIndex();
  const completed = (await completeAtSandbox('stripe', session.provider_session_id)).body as { completed?: boolean };
  expect(completed.completed).toBe(true);
  let current = session;
  for (let round = 0; round < 6 && current.status !== 'succeeded'; round++) {
    const delivered = await deliverNew('stripe', after);
    for (const d of delivered) {
      expect(d.status, `${d.webhook.type}: ${d.text}`).toBeLessThan(400);
      after = Math.max(after, d.webhook.index);
    }
    current = (await getSession(h, checkoutSessionId)).body;
    if (current.status !== 'succeeded' && delivered.length === 0) await new Promise((r) => setTimeout(r, 300));
  }
  return current;
}

describe('NoTap with a parallel Stripe checkout session', () => {
  it('enrol → initiate with stripe → verify each factor → token and checkout_url → paid at the sandbox → webhook → succeeded in Postgres', async () => {
    const tenant = tenantName('flow');
    const h = await merchantHeaders(tenant);
    const uuid = await enrol(h, 'alice.notap.sol', ['PIN', 'PATTERN', 'EMOJI']);

    const r = await initiate(h, { user_uuid: 'alice.notap.sol', transaction_amount: 49.99, risk_level: 'LOW', psp_config: STRIPE });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual([...SEED_KEYS, 'psp_ready', 'psp_session'].sort());
    expect(r.body).toMatchObject({ success: true, uuid, required_factors: ['PIN', 'PATTERN'], psp_ready: true });
    const psp = r.body.psp_session;
    if (!psp) throw new Error('no psp_session');
    expect(Object.keys(psp).sort()).toEqual(['checkout_url', 'expires_at', 'provider', 'session_id', 'status']);
    expect(psp).toMatchObject({ provider: 'stripe', status: 'open', session_id: expect.stringMatching(/^cko[0-9a-f]{32}$/) });
    expect(psp.checkout_url).toMatch(/^https?:\/\//);
    // NoTap's 5-minute TTL.
    expect(Date.parse(psp.expires_at ?? '')).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(Date.parse(psp.expires_at ?? '')).toBeGreaterThan(Date.now() + 280_000);
    // The provider got the amount in minor units.
    const creates = ((await sandbox('/__sandbox/requests')) as { provider: string; path: string; body: Record<string, string> }[]).filter(
      (q) =>
        q.provider === 'stripe' &&
        q.path === '/v1/checkout/sessions' &&
        q.body?.['metadata[edgepay_verification_session_id]'] === r.body.session_id,
    );
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body['line_items[0][price_data][unit_amount]']).toBe('4999');

    const first = await verify(h, r.body.session_id, 'PIN', VALUES.PIN);
    expect(first.body).toMatchObject({ status: 'pending', remaining_factors: ['PATTERN'] });
    expect(first.body.checkout_url).toBeUndefined();
    const last = await verify(h, r.body.session_id, 'PATTERN', VALUES.PATTERN);
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ status: 'verified', checkout_url: psp.checkout_url });

    // The token verifies with the published key set, for this merchant, user and session only.
    const jwks = await request<{ keys: Record<string, string>[] }>('GET', '/.well-known/jwks.json', {});
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.body.keys[0]?.d).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(last.body.verification_token ?? '', createLocalJWKSet(jwks.body as never), {
      audience: tenant,
      issuer: 'http://edgepay.test',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.kid).toBe(jwks.body.keys[0]?.kid);
    expect(payload).toMatchObject({ sub: uuid, sid: r.body.session_id, amr: ['PIN', 'PATTERN'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    await expect(
      jwtVerify(last.body.verification_token ?? '', createLocalJWKSet(jwks.body as never), { audience: 'another-merchant' }),
    ).rejects.toThrow();

    // The payer pays at the sandbox; Stripe's signed webhook reaches the app.
    const paid = await payAndNotify(h, psp.session_id);
    expect(paid).toMatchObject({ status: 'succeeded', amount_paid: 4999, currency: 'USD' });
    const row = await eventually(async () => {
      const [x] = await rows<{ status: string; amount_paid: string; tenant_id: string; purpose: string }>(
        sql`SELECT status, amount_paid, tenant_id, purpose FROM checkout_sessions WHERE id = ${psp.session_id}`,
      );
      return x?.status === 'succeeded' ? x : undefined;
    });
    expect(row).toMatchObject({ tenant_id: tenant, purpose: 'verification' });
    expect(Number(row.amount_paid)).toBe(4999);
    const state = await request<StateBody>('GET', `/v1/verification/${r.body.session_id}`, h);
    expect(state.body).toMatchObject({
      status: 'verified',
      psp_ready: true,
      psp_session: { session_id: psp.session_id, status: 'succeeded' },
    });
  });

  it('with Stripe timing out, initiate answers within the PSP timeout with verification intact; the given-up session is reported and verification still completes', async () => {
    const tenant = tenantName('timeout');
    const h = await merchantHeaders(tenant);
    await enrol(h, 'ivan', ['PIN', 'PATTERN']);
    // `match`: only requests carrying this tenant (in the session's metadata) meet the knob.
    await configureSandbox({ providers: { stripe: { timeoutRate: 1, timeoutMs: PSP_TIMEOUT_MS * 3, match: tenant } } });
    let r: Awaited<ReturnType<typeof initiate>>;
    let elapsed: number;
    let state: StateBody;
    try {
      const started = Date.now();
      r = await initiate(h, { user_uuid: 'ivan', transaction_amount: 12.5, risk_level: 'LOW', psp_config: STRIPE });
      elapsed = Date.now() - started;
      // PSP_TIMEOUT_MS bounds the checkout object's whole create (retries included): it gives up too, and
      // the verification session records why, so nobody waits for a session that will not come.
      state = await eventually(async () => {
        const s = await request<StateBody>('GET', `/v1/verification/${r.body.session_id}`, h);
        return s.body.psp_error === 'PSP_UNAVAILABLE' ? s.body : undefined;
      }, 10_000);
    } finally {
      await configureSandbox({ providers: { stripe: { timeoutRate: 0, timeoutMs: 30_000, match: null } } });
    }
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(PSP_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(PSP_TIMEOUT_MS + 1500);
    expect(Object.keys(r.body).sort()).toEqual([...SEED_KEYS, 'psp_ready', 'psp_error'].sort());
    expect(r.body).toMatchObject({ success: true, required_factors: ['PIN', 'PATTERN'], psp_ready: false });
    // The answer's own wait and the checkout object's deadline end at about the same moment: whichever is first names it.
    expect(['PSP_TIMEOUT', 'PSP_UNAVAILABLE']).toContain(r.body.psp_error);
    expect(state.psp_ready).toBe(false);

    expect((await verify(h, r.body.session_id, 'PIN', VALUES.PIN)).status).toBe(200);
    const done = await verify(h, r.body.session_id, 'PATTERN', VALUES.PATTERN);
    expect(done.body).toMatchObject({ status: 'verified', checkout_url: null });
  }, 40_000);

  it('a PSP that refuses the request gives psp_ready false with its code and still 200', async () => {
    const tenant = tenantName('psp-fail');
    const h = await merchantHeaders(tenant);
    await enrol(h, 'judy', ['PIN', 'PATTERN']);
    // Stripe rejects the request (invalid amount for the sandbox's rule: a 400 from the provider).
    await configureSandbox({ providers: { stripe: { failRate: 1, failStatus: 400, match: tenant } } });
    let r: Awaited<ReturnType<typeof initiate>>;
    try {
      r = await initiate(h, { user_uuid: 'judy', transaction_amount: 7, psp_config: STRIPE });
    } finally {
      await configureSandbox({ providers: { stripe: { failRate: 0, failStatus: 500, match: null } } });
    }
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ psp_ready: false, psp_error: 'PSP_REQUEST_REJECTED', required_factors: ['PIN', 'PATTERN'] });
    const state = await eventually(async () => {
      const s = await request<StateBody>('GET', `/v1/verification/${r.body.session_id}`, h);
      return s.body.psp_error === 'PSP_REQUEST_REJECTED' ? s.body : undefined;
    });
    expect(state.psp_ready).toBe(false);
  });
});

describe('factor values appear nowhere', () => {
  it('not in the objects’ storage, Postgres, log lines or responses — through enrolment, wrong and right values, and payment', async () => {
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    takeResponses();
    const tenant = tenantName('secrets');
    const h = await merchantHeaders(tenant);
    const { uuid, sessionId, checkoutId } = await withBindings({ LOG_LEVEL: 'debug' }, async () => {
      const uuid = await enrol(h, 'mallory.notap.sol', ['PIN', 'PATTERN', 'EMOJI', 'COLOR']);
      const r = await initiate(h, { user_uuid: 'mallory.notap.sol', transaction_amount: 49.99, risk_level: 'HIGH', psp_config: STRIPE });
      expect(r.body.required_factors).toEqual(['PIN', 'PATTERN', 'EMOJI', 'COLOR']);
      await verify(h, r.body.session_id, 'EMOJI', WRONG.EMOJI);
      await verify(h, r.body.session_id, 'EMOJI', ['🦊', '🚀', '🌵', '🍎']);
      for (const f of ['PIN', 'PATTERN', 'EMOJI', 'COLOR'] as const) {
        expect((await verify(h, r.body.session_id, f, VALUES[f])).status).toBe(200);
      }
      await request('GET', `/v1/verification/${r.body.session_id}`, h);
      await request('GET', '/v1/users/mallory.notap.sol/factors', h);
      return { uuid, sessionId: r.body.session_id, checkoutId: r.body.psp_session?.session_id ?? '' };
    });
    expect(checkoutId).toMatch(/^cko/);
    await payAndNotify(h, checkoutId);
    await settle();
    expect(lines.some((l) => l.includes('"msg":"request"'))).toBe(true); // debug logging did run

    const dump = async (stub: DurableObjectStub) =>
      runInDurableObject(stub as never, (_i, state: DurableObjectState) => {
        const tables = state.storage.sql
          .exec<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
          )
          .toArray();
        return tables.map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray())).join('\n');
      });
    const factorsStorage = await dump(userFactorsStub(env, tenant, uuid) as never);
    expect(factorsStorage).toMatch(/[0-9a-f]{64}/); // digests are there…
    const storage = [
      factorsStorage,
      await dump(verificationStub(env, sessionId) as never),
      await dump(checkoutStub(env, checkoutId) as never),
    ];
    const [pg] = await eventually(async () => {
      const found = await rows<{ metadata: unknown }>(sql`SELECT metadata FROM checkout_sessions WHERE id = ${checkoutId}`);
      return found.length ? found : undefined;
    });
    const places = {
      storage: storage.join('\n'),
      postgres: JSON.stringify(pg?.metadata),
      logs: lines.join('\n'),
      responses: takeResponses(),
    };
    for (const [where, text] of Object.entries(places)) {
      for (const value of VALUE_FORMS) expect(text.includes(value), `${value} found in ${where}`).toBe(false);
      expect(text.includes('🍎'), `a wrong value found in ${where}`).toBe(false);
    }
    expect(places.postgres).toContain('order_789');
  }, 30_000);
});
