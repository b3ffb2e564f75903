import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { hmacSha256Hex } from '../../src/lib/crypto';
import type { ErrorBody } from '../../src/lib/errors';
import { paymentStub } from '../../src/lib/stubs';
import { internalSigningPayload } from '../../src/middleware/internal-hmac';
import { call, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

type SignOptions = { service?: string; secret?: string; signedPath?: string; timestamp?: number };

/** Signed as internal callers sign (the same payload as test/middleware/internal-hmac.test.ts). */
async function signedHeaders(path: string, body: string, options: SignOptions = {}) {
  const service = options.service ?? 'order-service';
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = await hmacSha256Hex(
    options.secret ?? env.INTERNAL_SERVICE_SECRET,
    internalSigningPayload(service, timestamp, 'POST', options.signedPath ?? path, body),
  );
  return {
    'content-type': 'application/json',
    'x-internal-service': service,
    'x-internal-timestamp': timestamp,
    'x-internal-signature': signature,
  };
}

/**
 * Every body carries a fresh nonce (unknown keys are stripped by the schemas), so two identical calls
 * in the same second still have different signatures and replay protection does not reject them.
 */
function withNonce(body: unknown): string {
  return typeof body === 'object' && body !== null ? JSON.stringify({ ...body, nonce: crypto.randomUUID() }) : String(body);
}

async function internalPost(path: string, body: unknown, options: SignOptions = {}) {
  const raw = withNonce(body);
  return call(path, { method: 'POST', headers: await signedHeaders(path, raw, options), body: raw });
}

async function expectError(res: Response, status: number, code: string) {
  const err = await json<ErrorBody>(res);
  expect([res.status, err.code]).toEqual([status, code]);
  return err;
}

const nashville = { street: '501 Broadway', city: 'Nashville', state: 'TN', zip: '37203' };

describe('POST /internal/calculate-tax', () => {
  const path = '/internal/calculate-tax';

  it('Nashville TN, 10000 → 700 + 225 + 100 = 1025 with the per-component breakdown', async () => {
    const res = await internalPost(path, { amount: 10_000, venueAddress: nashville, customerAddress: { city: 'Nashville', state: 'TN' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      taxableAmount: 10_000,
      stateTax: 700,
      localTax: 225,
      specialTax: 100,
      totalTax: 1025,
      breakdown: {
        state: { name: 'Tennessee Sales Tax', rate: 7, amount: 700 },
        local: { name: 'Nashville Local Tax', rate: 2.25, amount: 225 },
        special: { name: 'Entertainment Tax', rate: 1, amount: 100 },
      },
    });
  });

  it('omits the components a city does not levy: Knoxville has no entertainment tax', async () => {
    const res = await internalPost(path, { amount: 10_000, venueAddress: { city: 'Knoxville', state: 'Tennessee' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      taxableAmount: 10_000,
      stateTax: 700,
      localTax: 225,
      specialTax: 0,
      totalTax: 925,
      breakdown: {
        state: { name: 'Tennessee Sales Tax', rate: 7, amount: 700 },
        local: { name: 'Knoxville Local Tax', rate: 2.25, amount: 225 },
      },
    });
  });

  it('taxes at the venue, rounding each part half up: 7 % of 1050 → 74, and the customer address does not matter', async () => {
    const res = await internalPost(path, {
      amount: 1050,
      venueAddress: { city: 'Chattanooga', state: 'TN' },
      customerAddress: nashville,
    });
    expect(await res.json()).toMatchObject({
      stateTax: 74,
      localTax: 0,
      specialTax: 0,
      totalTax: 74,
      breakdown: { state: { amount: 74 } },
    });
  });

  it('answers 422 on venueAddress.state for an unknown state, and with field paths for schema violations', async () => {
    const unknown = await expectError(
      await internalPost(path, { amount: 10_000, venueAddress: { city: 'Atlantis', state: 'ZZ' } }),
      422,
      'VALIDATION_ERROR',
    );
    expect(unknown.errors?.map((e) => e.field)).toEqual(['venueAddress.state']);
    const cases: Array<[unknown, string[]]> = [
      [{ amount: -1, venueAddress: nashville }, ['amount']],
      [{ amount: 10.5, venueAddress: nashville }, ['amount']],
      [{ amount: 10_000 }, ['venueAddress']],
      [{ amount: 10_000, venueAddress: { state: 'TN' } }, ['venueAddress.city']],
      [{ amount: 10_000, venueAddress: nashville, customerAddress: { city: 'Nashville' } }, ['customerAddress.state']],
    ];
    for (const [body, fields] of cases) {
      const err = await expectError(await internalPost(path, body), 422, 'VALIDATION_ERROR');
      expect(err.errors?.map((e) => e.field)).toEqual(fields);
    }
  });

  it('answers 400 for malformed JSON that is correctly signed', async () => {
    const raw = '{"amount": ';
    const res = await call(path, { method: 'POST', headers: await signedHeaders(path, raw), body: raw });
    expect(res.status).toBe(400);
  });
});

describe('internal routes — authentication', () => {
  const path = '/internal/calculate-tax';
  const body = { amount: 10_000, venueAddress: nashville };

  it('rejects unsigned calls, even with an invalid body (authentication runs before validation)', async () => {
    for (const raw of [JSON.stringify(body), '{"amount": -1}']) {
      const res = await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      await expectError(res, 401, 'INVALID_TOKEN');
    }
    const complete = await call('/internal/payment-complete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await expectError(complete, 401, 'INVALID_TOKEN');
  });

  it('rejects a user JWT: internal routes only take the service signature', async () => {
    const res = await call(path, {
      method: 'POST',
      headers: { ...bearer(await signToken({ role: 'admin' })), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await expectError(res, 401, 'INVALID_TOKEN');
  });

  it('rejects forged signatures: wrong secret, signed for another path, unknown service, stale timestamp', async () => {
    await expectError(await internalPost(path, body, { secret: 'not-the-internal-secret-0123456789abcdef' }), 401, 'INVALID_TOKEN');
    await expectError(await internalPost(path, body, { signedPath: '/internal/payment-complete' }), 401, 'INVALID_TOKEN');
    await expectError(await internalPost(path, body, { service: 'evil-service' }), 401, 'INVALID_TOKEN');
    await expectError(await internalPost(path, body, { timestamp: Math.floor(Date.now() / 1000) - 301 }), 401, 'INVALID_TOKEN');
  });

  it('accepts a signed request once: the same headers and body again are a replay', async () => {
    const raw = withNonce(body);
    const headers = await signedHeaders(path, raw);
    expect((await call(path, { method: 'POST', headers, body: raw })).status).toBe(200);
    const replay = await expectError(await call(path, { method: 'POST', headers, body: raw }), 401, 'INVALID_TOKEN');
    expect(replay.error).toBe('Replayed internal request');
  });
});

describe('POST /internal/payment-complete', () => {
  const path = '/internal/payment-complete';
  const tenant = `int-${crypto.randomUUID()}`;
  const eventId = `show-${crypto.randomUUID().slice(0, 8)}`;
  let paidId: string;
  let paidIntent: string;
  let declinedId: string;

  async function pay(paymentMethodId: string, sub: string) {
    return call('/api/v1/payments/process', {
      method: 'POST',
      headers: {
        ...bearer(await signToken({ tenant_id: tenant, sub, role: 'user' })),
        'content-type': 'application/json',
        'Idempotency-Key': crypto.randomUUID(),
      },
      body: JSON.stringify({
        venueId: 'knox',
        eventId,
        tickets: [{ ticketTypeId: 'ga', quantity: 2, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId },
      }),
    });
  }

  beforeAll(async () => {
    const admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
    const venue = { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' };
    expect((await call('/api/v1/venues/knox', { method: 'PUT', headers: admin, body: JSON.stringify(venue) })).status).toBe(201);
    const show = { venueId: 'knox', name: 'Show', startsAt: '2027-01-01T20:00:00Z', ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }] };
    expect((await call(`/api/v1/events/${eventId}`, { method: 'PUT', headers: admin, body: JSON.stringify(show) })).status).toBe(201);

    const paid = await pay('pm_card_visa', 'buyer-paid');
    expect(paid.status).toBe(200);
    const paidBody = await json<{ transaction: { id: string; stripePaymentIntentId: string } }>(paid);
    paidId = paidBody.transaction.id;
    paidIntent = paidBody.transaction.stripePaymentIntentId;

    const declined = await pay('pm_card_chargeDeclined', 'buyer-declined');
    const declinedBody = await json<ErrorBody & { transactionId: string }>(declined);
    expect([declined.status, declinedBody.code]).toEqual([402, 'PAYMENT_FAILED']);
    declinedId = declinedBody.transactionId;
  });

  it('confirms a completed payment of the tenant with its transaction, and records nothing', async () => {
    const before = await paymentStub(env, paidId).snapshot();
    const orderId = crypto.randomUUID();
    const res = await internalPost(path, { orderId, paymentId: paidId, tenantId: tenant });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      orderId,
      paymentId: paidId,
      transaction: { id: paidId, amount: 11_845, currency: 'USD', status: 'completed', stripePaymentIntentId: paidIntent },
    });
    expect(paidIntent).toMatch(/^pi_/);
    const after = await paymentStub(env, paidId).snapshot();
    expect([after?.version, after?.state]).toEqual([before?.version, 'PAID']);
    // Read-only, so the order service may ask again (with a new signature).
    expect((await internalPost(path, { orderId, paymentId: paidId, tenantId: tenant })).status).toBe(200);
  });

  it('answers 409 INVALID_STATE_TRANSITION for a payment that was declined', async () => {
    const err = await expectError(
      await internalPost(path, { orderId: crypto.randomUUID(), paymentId: declinedId, tenantId: tenant }),
      409,
      'INVALID_STATE_TRANSITION',
    );
    expect(err.error).toMatch(/failed/);
  });

  it('answers 404 for an unknown payment and for another tenant’s payment', async () => {
    await expectError(
      await internalPost(path, { orderId: crypto.randomUUID(), paymentId: crypto.randomUUID(), tenantId: tenant }),
      404,
      'NOT_FOUND',
    );
    await expectError(
      await internalPost(path, { orderId: crypto.randomUUID(), paymentId: paidId, tenantId: `x-${tenant}` }),
      404,
      'NOT_FOUND',
    );
  });

  it('answers 422 with field paths for bad bodies', async () => {
    const orderId = crypto.randomUUID();
    const cases: Array<[unknown, string[]]> = [
      [{ orderId, paymentId: 'not-a-uuid', tenantId: tenant }, ['paymentId']],
      [{ orderId, paymentId: paidId }, ['tenantId']],
      [{ orderId, paymentId: paidId, tenantId: '' }, ['tenantId']],
      [{ paymentId: paidId, tenantId: tenant }, ['orderId']],
      [{ orderId: 'bad id!', paymentId: paidId, tenantId: tenant }, ['orderId']],
    ];
    for (const [body, fields] of cases) {
      const err = await expectError(await internalPost(path, body), 422, 'VALIDATION_ERROR');
      expect(err.errors?.map((e) => e.field)).toEqual(fields);
    }
  });
});
