import { describe, expect, it } from 'vitest';
import { call, json } from '../helpers/app';
import { sandbox } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

const merchant = async (tenant = 't-val') => ({
  ...bearer(await signToken({ sub: 'merchant-1', tenant_id: tenant, role: 'merchant' })),
  'content-type': 'application/json',
});

const valid = {
  amount: 4999,
  psp_config: {
    psp: 'stripe',
    psp_merchant_id: 'acct_1234567890',
    currency: 'USD',
    metadata: { order_id: 'order_789', success_url: 'https://merchant.com/success', cancel_url: 'https://merchant.com/cancel' },
  },
};

async function post(body: unknown, headers?: Record<string, string>) {
  return call('/v1/checkout-sessions', { method: 'POST', headers: headers ?? (await merchant()), body: JSON.stringify(body) });
}

async function upstreamCalls(): Promise<number> {
  return ((await sandbox('/__sandbox/requests')) as unknown[]).length;
}

describe('POST /v1/checkout-sessions — bad psp_config is a 422 naming the field, and nothing reaches a PSP', () => {
  const cases: Array<[string, (b: typeof valid) => unknown, string]> = [
    ['unknown psp', (b) => ({ ...b, psp_config: { ...b.psp_config, psp: 'invalid_psp' } }), 'psp_config.psp'],
    ['unsupported currency', (b) => ({ ...b, psp_config: { ...b.psp_config, currency: 'XYZ' } }), 'psp_config.currency'],
    ['MNT with a PSP other than QPay', (b) => ({ ...b, psp_config: { ...b.psp_config, currency: 'MNT' } }), 'psp_config.currency'],
    ['QPay in USD', (b) => ({ ...b, psp_config: { ...b.psp_config, psp: 'qpay' } }), 'psp_config.currency'],
    [
      '3 KB of metadata',
      (b) => ({
        ...b,
        psp_config: {
          ...b.psp_config,
          metadata: {
            blob: 'x'.repeat(500),
            a: 'y'.repeat(500),
            c: 'z'.repeat(500),
            d: 'w'.repeat(500),
            e: 'v'.repeat(500),
            f: 'u'.repeat(500),
          },
        },
      }),
      'psp_config.metadata',
    ],
    [
      'an http success_url',
      (b) => ({ ...b, psp_config: { ...b.psp_config, metadata: { success_url: 'http://merchant.com/success' } } }),
      'psp_config.metadata.success_url',
    ],
    [
      'an http cancel_url',
      (b) => ({ ...b, psp_config: { ...b.psp_config, metadata: { cancel_url: 'http://merchant.com/cancel' } } }),
      'psp_config.metadata.cancel_url',
    ],
    ['a fractional amount', (b) => ({ ...b, amount: 49.99 }), 'amount'],
    ['a zero amount', (b) => ({ ...b, amount: 0 }), 'amount'],
    ['no psp_merchant_id', (b) => ({ ...b, psp_config: { ...b.psp_config, psp_merchant_id: '' } }), 'psp_config.psp_merchant_id'],
  ];

  it.each(cases)('%s → 422 on %s', async (_name, mutate, field) => {
    const before = await upstreamCalls();
    const res = await post(mutate(valid));
    expect(res.status).toBe(422);
    const body = await json<{ code: string; errors: { field: string; message: string }[] }>(res);
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.errors.map((e) => e.field)).toContain(field);
    expect(await upstreamCalls()).toBe(before);
  });

  it('malformed JSON is a 400, a user token a 403, no token a 401', async () => {
    const headers = await merchant();
    expect((await call('/v1/checkout-sessions', { method: 'POST', headers, body: '{"amount":' })).status).toBe(400);
    const user = { ...bearer(await signToken({ role: 'user' })), 'content-type': 'application/json' };
    expect((await post(valid, user)).status).toBe(403);
    expect((await call('/v1/checkout-sessions', { method: 'POST', body: JSON.stringify(valid) })).status).toBe(401);
  });

  it('an unknown or other-tenant session id is a 404, a malformed one a 422', async () => {
    const created = await post(valid);
    expect(created.status).toBe(201);
    const { session_id } = await json<{ session_id: string }>(created);
    const other = await merchant('t-other');
    expect((await call(`/v1/checkout-sessions/${session_id}`, { headers: other })).status).toBe(404);
    expect((await call(`/v1/checkout-sessions/cko${'0'.repeat(32)}`, { headers: await merchant() })).status).toBe(404);
    expect((await call('/v1/checkout-sessions/not-an-id', { headers: await merchant() })).status).toBe(422);
  });
});

describe('POST /v1/checkout-sessions — idempotency', () => {
  it('the same Idempotency-Key and body returns the same session (one provider call); another body is 422', async () => {
    const key = crypto.randomUUID();
    const headers = { ...(await merchant()), 'idempotency-key': key };
    const first = await post(valid, headers);
    expect(first.status).toBe(201);
    const a = await json<{ session_id: string; provider_session_id: string }>(first);
    const again = await post(valid, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await json<{ session_id: string }>(again)).session_id).toBe(a.session_id);
    const creates = ((await sandbox('/__sandbox/requests')) as { path: string; response: { id?: string } }[]).filter(
      (r) => r.path === '/v1/checkout/sessions' && r.response?.id === a.provider_session_id,
    );
    expect(creates).toHaveLength(1);
    const other = await post({ ...valid, amount: 5000 }, headers);
    expect(other.status).toBe(422);
    expect((await json<{ code: string }>(other)).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
