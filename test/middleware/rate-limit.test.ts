import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, callWithEnv, json } from '../helpers/app';
import { createSession, merchantHeaders } from '../helpers/checkout';
import { bearer, signToken } from '../helpers/tokens';

/**
 * The Rate Limiting binding counts in fixed windows, so a burst can straddle a window edge. These tests
 * send until the first 429 (at most two windows' worth) and check that at least `limit` went through first.
 */
async function untilLimited(limit: number, send: () => Promise<Response>, parallel = 1) {
  const allowed: Response[] = [];
  while (allowed.length < 2 * limit + 1) {
    const batch = await Promise.all(Array.from({ length: parallel }, send));
    const limited = batch.find((r) => r.status === 429);
    allowed.push(...batch.filter((r) => r.status !== 429));
    if (limited) return { allowed, limited };
  }
  return { allowed, limited: null };
}

/** An address from the documentation range, different on every run (the binding's counts outlive a test). */
const randomIp = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;

/**
 * A stand-in for a binding whose real budget is more than a test can send within one window on a shared
 * machine (1000 or 600 per 10 s): the same fixed count per key, with a small limit, recording the keys.
 */
function countingLimiter(limit: number) {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  const binding: RateLimit = {
    async limit({ key }) {
      keys.push(key);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { success: n <= limit };
    },
  };
  return { binding, keys };
}

async function expectLimited(limited: Response | null, retryAfter: string) {
  expect(limited).not.toBeNull();
  expect(limited?.headers.get('retry-after')).toBe(retryAfter);
  expect((await json<ErrorBody>(limited as Response)).code).toBe('RATE_LIMIT_EXCEEDED');
}

describe('buyers: per-user rate limit (RATE_LIMIT_USER: 60 per 60 s)', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a buyer passes the limit, and not other buyers', async () => {
    const tenant = `t-rl-${crypto.randomUUID().slice(0, 8)}`;
    const buyer = async (sub: string) => ({
      ...bearer(await signToken({ role: 'user', tenant_id: tenant, sub })),
      'content-type': 'application/json',
    });
    // An empty body fails validation, which runs after the limit: each request is cheap but counted.
    const fees = (headers: Record<string, string>) => call('/api/v1/payments/calculate-fees', { method: 'POST', headers, body: '{}' });
    const heavy = await buyer('heavy');
    const { allowed, limited } = await untilLimited(60, () => fees(heavy));
    await expectLimited(limited, '60');
    expect(allowed.length).toBeGreaterThanOrEqual(60);
    expect(new Set(allowed.map((r) => r.status))).toEqual(new Set([422]));

    expect((await fees(await buyer('light'))).status).toBe(422);
  });
});

describe('merchants and admins: per-tenant rate limit (RATE_LIMIT_TENANT: 1000 per 10 s)', () => {
  it('a merchant sending 150 checkout-session creates in a burst is not throttled (the per-user limit would stop it at 60)', async () => {
    const headers = await merchantHeaders(`t-rl-burst-${crypto.randomUUID().slice(0, 8)}`);
    // Refused by validation after the limit, so each is counted like a real create without creating 150 provider sessions.
    const create = () => call('/v1/checkout-sessions', { method: 'POST', headers, body: '{"amount":-1}' });
    const statuses: number[] = [];
    for (let round = 0; round < 6; round++) statuses.push(...(await Promise.all(Array.from({ length: 25 }, create))).map((r) => r.status));
    expect(statuses).toHaveLength(150);
    expect(statuses.filter((s) => s !== 422)).toEqual([]);
    // And a real create right after the burst goes through.
    const created = await createSession(headers, {
      amount: 1000,
      psp_config: {
        psp: 'stripe',
        psp_merchant_id: 'acct_1234567890',
        currency: 'USD',
        metadata: { success_url: 'https://merchant.example/success', cancel_url: 'https://merchant.example/cancel' },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });

  it('merchants, venue managers and admins of one tenant share one budget, keyed by the tenant; past it 429 with Retry-After 10', async () => {
    const tenant = `t-rl-tenant-${crypto.randomUUID().slice(0, 8)}`;
    const tenantLimit = countingLimiter(3);
    const userLimit = countingLimiter(1000);
    const as = async (role: string, sub: string, tenantId = tenant) => ({
      ...bearer(await signToken({ role, tenant_id: tenantId, sub })),
      'content-type': 'application/json',
    });
    // An invalid create is refused by validation after the limit: counted, and cheap.
    const invalidCreate = (headers: Record<string, string>) =>
      callWithEnv({ RATE_LIMIT_TENANT: tenantLimit.binding, RATE_LIMIT_USER: userLimit.binding }, '/v1/checkout-sessions', {
        method: 'POST',
        headers,
        body: '{"amount":-1}',
      });
    const people = [await as('merchant', 'm-1'), await as('admin', 'a-1'), await as('merchant', 'm-2')];
    for (const headers of people) expect((await invalidCreate(headers)).status).toBe(422);
    await expectLimited(await invalidCreate(await as('merchant', 'm-3')), '10');
    expect(tenantLimit.keys).toEqual(Array(4).fill(`tenant:${tenant}`));
    expect(userLimit.keys).toEqual([]);

    // A venue manager counts against the tenant too; another tenant has its own budget.
    const fees = (headers: Record<string, string>) =>
      callWithEnv({ RATE_LIMIT_TENANT: tenantLimit.binding, RATE_LIMIT_USER: userLimit.binding }, '/api/v1/payments/calculate-fees', {
        method: 'POST',
        headers,
        body: '{}',
      });
    expect((await fees(await as('venue_manager', 'vm-1'))).status).toBe(429);
    expect((await invalidCreate(await as('merchant', 'm-1', `${tenant}-other`))).status).toBe(422);
    // A buyer of the same tenant is counted as a person.
    expect((await fees(await as('user', 'buyer-1'))).status).toBe(422);
    expect(userLimit.keys).toEqual([`${tenant}:buyer-1`]);
  });
});

describe('per-IP budgets without a token', () => {
  const forged = (overrides: Parameters<typeof callWithEnv>[0], from: string | null, path = '/api/v1/webhooks/stripe') =>
    callWithEnv(overrides, path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': 't=1,v1=00',
        ...(from === null ? {} : { 'cf-connecting-ip': from }),
      },
      body: '{"id":"evt_flood","type":"payment_intent.succeeded"}',
    });

  it('an unauthenticated webhook endpoint flooded from one IP answers 429 with Retry-After 10; another IP still passes', async () => {
    const webhooks = countingLimiter(5);
    const publicLimit = countingLimiter(1000);
    const env = { RATE_LIMIT_WEBHOOK_IP: webhooks.binding, RATE_LIMIT_PUBLIC_IP: publicLimit.binding };
    const ip = randomIp();
    // No valid signature: each is refused (400) after the limit, as a forged flood would be.
    for (let i = 0; i < 5; i++) expect((await forged(env, ip)).status).toBe(400);
    await expectLimited(await forged(env, ip), '10');
    // The budget is per address: another one passes; it covers every webhook endpoint of the limited one.
    expect((await forged(env, randomIp())).status).toBe(400);
    for (const path of [`/v1/webhooks/qpay?session=cko${'0'.repeat(32)}`, '/v1/webhooks/tilopay', '/v1/payments/stripe/webhooks']) {
      expect((await forged(env, ip, path)).status, path).toBe(429);
    }
    expect(new Set(webhooks.keys)).toEqual(new Set([`webhook:${ip}`, expect.stringMatching(/^webhook:2001:db8::/)]));
    expect(publicLimit.keys).toEqual([]);
  });

  it('no per-IP budget without an internet client: loopback (wrangler dev: the local sandbox, benchmarks) or no cf-connecting-ip', async () => {
    const webhooks = countingLimiter(0);
    const publicLimit = countingLimiter(0);
    const env = { RATE_LIMIT_WEBHOOK_IP: webhooks.binding, RATE_LIMIT_PUBLIC_IP: publicLimit.binding };
    for (const from of ['127.0.0.1', '::1', null]) {
      expect((await forged(env, from)).status).toBe(400);
      expect((await callWithEnv(env, '/info', { headers: from ? { 'cf-connecting-ip': from } : {} })).status).toBe(200);
    }
    expect([...webhooks.keys, ...publicLimit.keys]).toEqual([]);
  });

  it('other routes without a token: 300 per 60 s per IP, then 429 with Retry-After 60; a caller with a token is not counted there', async () => {
    const ip = randomIp();
    const info = (from: string) => call('/info', { headers: { 'cf-connecting-ip': from } });
    const { allowed, limited } = await untilLimited(300, () => info(ip), 25);
    await expectLimited(limited, '60');
    expect(allowed.length).toBeGreaterThanOrEqual(300);
    expect(allowed.every((r) => r.status === 200)).toBe(true);
    expect((await info(randomIp())).status).toBe(200);
    const merchant = await merchantHeaders(`t-rl-ip-${crypto.randomUUID().slice(0, 8)}`);
    const withToken = await call('/v1/checkout-sessions', {
      method: 'POST',
      headers: { ...merchant, 'cf-connecting-ip': ip },
      body: '{"amount":-1}',
    });
    expect(withToken.status).toBe(422);
  }, 60_000);
});

describe('per-IP budget for invalid tokens (RATE_LIMIT_IP: 100 per 60 s)', () => {
  it('answers 429 after 100 rejected tokens from one IP; other IPs are unaffected', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const garbage = { Authorization: 'Bearer not.a.jwt', 'cf-connecting-ip': ip };
    const { allowed, limited } = await untilLimited(100, () => call('/admin/stats', { headers: garbage }));
    expect(limited).not.toBeNull();
    expect(allowed.length).toBeGreaterThanOrEqual(100);
    expect(allowed.every((r) => r.status === 401)).toBe(true);
    expect((await json<ErrorBody>(limited as Response)).code).toBe('RATE_LIMIT_EXCEEDED');
    const elsewhere = await call('/admin/stats', { headers: { ...garbage, 'cf-connecting-ip': '203.0.113.7' } });
    expect((await json<ErrorBody>(elsewhere)).code).toBe('INVALID_TOKEN');
  });
});
