import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { venueStub } from '../../src/lib/stubs';
import type { CalculateFeesResponse } from '../../src/schemas/fees';
import { call, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

const tenant = `fees-${crypto.randomUUID()}`;

/** A fresh subject per call keeps each test well inside the per-user rate limit. */
async function as(role = 'user', t = tenant) {
  return bearer(await signToken({ tenant_id: t, sub: `${role}-${crypto.randomUUID().slice(0, 8)}`, role }));
}

async function quote(body: unknown, headers?: Record<string, string>) {
  return call('/api/v1/payments/calculate-fees', {
    method: 'POST',
    headers: { ...(headers ?? (await as())), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function quoteOk(body: unknown, headers?: Record<string, string>) {
  const res = await quote(body, headers);
  expect(res.status).toBe(200);
  return json<CalculateFeesResponse>(res);
}

async function fieldsOf(res: Response) {
  expect(res.status).toBe(422);
  const err = await json<ErrorBody>(res);
  expect(err.code).toBe('VALIDATION_ERROR');
  return err.errors?.map((e) => e.field);
}

const knoxville = { city: 'Knoxville', state: 'TN', zip: '37915' };
const nashville = { street: '501 Broadway', city: 'Nashville', state: 'TN', zip: '37203' };

beforeAll(async () => {
  const admin = { ...(await as('admin')), 'content-type': 'application/json' };
  const venues: Record<string, unknown> = {
    'knox-starter': { name: 'Knoxville Civic', address: knoxville, tier: 'starter' },
    'knox-pro': { name: 'Knoxville Pro', address: knoxville, tier: 'pro' },
    'knox-enterprise': { name: 'Knoxville Arena', address: knoxville, tier: 'enterprise' },
    'knox-new': { name: 'New Knoxville venue', address: knoxville },
    'knox-busy': { name: 'Busy Knoxville venue', address: knoxville },
    nash: { name: 'Ryman', address: nashville, tier: 'starter' },
    nowhere: { name: 'Untaxable', address: { city: 'Atlantis', state: 'ZZ' }, tier: 'starter' },
  };
  for (const [id, venue] of Object.entries(venues)) {
    const res = await call(`/api/v1/venues/${id}`, { method: 'PUT', headers: admin, body: JSON.stringify(venue) });
    expect(res.status).toBe(201);
  }
  // $10 000 of completed sales in the last 30 days: the volume-based tier of knox-busy is pro.
  expect(await venueStub(env, tenant, 'knox-busy').recordSale(`sale-${crypto.randomUUID()}`, 1_000_000, Date.now())).toBe(true);
});

describe('POST /api/v1/payments/calculate-fees — worked numbers', () => {
  it('starter venue in Knoxville TN, 10000 for 2 tickets → 820 + 100 + 700 + 225 = 11845', async () => {
    const body = await quoteOk({ venueId: 'knox-starter', amount: 10_000, ticketCount: 2 });
    expect(body).toMatchObject({
      fees: { ticketPrice: 10_000, platformFee: 820, gasEstimate: 100, stateTax: 700, localTax: 225, specialTax: 0, total: 11_845 },
      total: 11_845,
    });
    // Gas comes from the local chains' fee markets (its own tests below); the charged gas stays 50 per ticket.
    expect(body.gasEstimates.polygon).toMatchObject({ blockchain: 'polygon', estimatedFee: expect.stringMatching(/^\d+(\.\d+)?$/) });
    expect(body.gasEstimates.solana).toMatchObject({ blockchain: 'solana', estimatedFee: expect.stringMatching(/^\d+(\.\d+)?$/) });
  });

  it('pro venue, one 10000 ticket → 790 + 50 + 700 + 225 = 11765', async () => {
    const body = await quoteOk({ venueId: 'knox-pro', amount: 10_000, ticketCount: 1 });
    expect(body.fees).toEqual({
      ticketPrice: 10_000,
      platformFee: 790,
      gasEstimate: 50,
      stateTax: 700,
      localTax: 225,
      specialTax: 0,
      total: 11_765,
    });
    expect(body.total).toBe(11_765);
  });

  it('enterprise venue charges 7.5 %: 10000 → platformFee 750, total 11725', async () => {
    const body = await quoteOk({ venueId: 'knox-enterprise', amount: 10_000, ticketCount: 1 });
    expect([body.fees.platformFee, body.total]).toEqual([750, 10_000 + 750 + 50 + 700 + 225]);
  });

  it('a Nashville venue adds the 1 % entertainment tax: specialTax 100 on 10000', async () => {
    const body = await quoteOk({ venueId: 'nash', amount: 10_000, ticketCount: 1 });
    expect(body.fees).toEqual({
      ticketPrice: 10_000,
      platformFee: 820,
      gasEstimate: 50,
      stateTax: 700,
      localTax: 225,
      specialTax: 100,
      total: 11_895,
    });
  });

  it('without an explicit tier the tier comes from 30-day volume: a new venue is starter, $10 000 of sales makes it pro', async () => {
    expect((await quoteOk({ venueId: 'knox-new', amount: 10_000, ticketCount: 1 })).fees.platformFee).toBe(820);
    expect((await quoteOk({ venueId: 'knox-busy', amount: 10_000, ticketCount: 1 })).fees.platformFee).toBe(790);
  });

  it('taxes at the venue: a customer address elsewhere changes nothing', async () => {
    const plain = await quoteOk({ venueId: 'knox-starter', amount: 10_000, ticketCount: 2 });
    const withCustomer = await quoteOk({ venueId: 'knox-starter', amount: 10_000, ticketCount: 2, customerAddress: nashville });
    expect(withCustomer).toEqual(plain);
  });

  it('rounds each part half up: 1050 at a starter Knoxville venue → 86 + 74 + 24', async () => {
    const body = await quoteOk({ venueId: 'knox-starter', amount: 1050, ticketCount: 1 });
    // 8.2 % of 1050 = 86.1 → 86; 7 % = 73.5 → 74; 2.25 % = 23.625 → 24.
    expect(body.fees).toMatchObject({ platformFee: 86, stateTax: 74, localTax: 24, total: 1050 + 86 + 50 + 74 + 24 });
  });

  it('a free order still pays gas: amount 0, 3 tickets → total 150', async () => {
    const body = await quoteOk({ venueId: 'knox-starter', amount: 0, ticketCount: 3 });
    expect(body.fees).toEqual({ ticketPrice: 0, platformFee: 0, gasEstimate: 150, stateTax: 0, localTax: 0, specialTax: 0, total: 150 });
  });
});

describe('POST /api/v1/payments/calculate-fees — access and side effects', () => {
  it('answers every role of the tenant', async () => {
    for (const role of ['user', 'merchant', 'venue_manager', 'admin']) {
      expect((await quote({ venueId: 'knox-starter', amount: 10_000, ticketCount: 2 }, await as(role))).status).toBe(200);
    }
  });

  it('has no side effects: an Idempotency-Key of any shape is ignored, repeats answer the same, and no volume is recorded', async () => {
    const body = { venueId: 'knox-new', amount: 25_000, ticketCount: 4 };
    const headers = await as();
    const first = await quote(body, { ...headers, 'Idempotency-Key': 'not-a-uuid' });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await quote(body, { ...headers, 'Idempotency-Key': 'not-a-uuid' });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await again.json()).toEqual(await first.json());
    expect(await venueStub(env, tenant, 'knox-new').volume30d()).toBe(0);
  });

  it('requires a token: none → 401 AUTH_REQUIRED, a forged one → 401 INVALID_TOKEN', async () => {
    const none = await call('/api/v1/payments/calculate-fees', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ venueId: 'knox-starter', amount: 10_000, ticketCount: 2 }),
    });
    expect([none.status, (await json<ErrorBody>(none)).code]).toEqual([401, 'AUTH_REQUIRED']);
    const forged = await quote({ venueId: 'knox-starter', amount: 10_000, ticketCount: 2 }, { Authorization: 'Bearer abc.def.ghi' });
    expect([forged.status, (await json<ErrorBody>(forged)).code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('answers 404 for an unknown venue and for another tenant’s venue', async () => {
    const unknown = await quote({ venueId: 'no-such-venue', amount: 10_000, ticketCount: 1 });
    expect([unknown.status, (await json<ErrorBody>(unknown)).code]).toEqual([404, 'NOT_FOUND']);
    const otherTenant = await quote({ venueId: 'knox-starter', amount: 10_000, ticketCount: 1 }, await as('admin', `x-${tenant}`));
    expect([otherTenant.status, (await json<ErrorBody>(otherTenant)).code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('POST /api/v1/payments/calculate-fees — bad input', () => {
  const good = { venueId: 'knox-starter', amount: 10_000, ticketCount: 2 };

  it('answers 422 with the field path of each violation', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ ...good, amount: -1 }, ['amount']],
      [{ ...good, amount: 100.5 }, ['amount']],
      [{ ...good, amount: '10000' }, ['amount']],
      [{ ...good, ticketCount: 0 }, ['ticketCount']],
      [{ ...good, ticketCount: 101 }, ['ticketCount']],
      [{ amount: 10_000, ticketCount: 2 }, ['venueId']],
      [{ ...good, venueId: 'bad id!' }, ['venueId']],
      [{ ...good, customerAddress: { state: 'TN' } }, ['customerAddress.city']],
    ];
    for (const [body, fields] of cases) expect(await fieldsOf(await quote(body))).toEqual(fields);
  });

  it('answers 422 on venueId when the stored venue address cannot be taxed', async () => {
    const res = await quote({ ...good, venueId: 'nowhere' });
    expect(await fieldsOf(res.clone())).toEqual(['venueId']);
    expect((await json<ErrorBody>(res)).errors?.[0]?.message).toMatch(/unknown US state/);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await quote('{"venueId": ');
    expect(res.status).toBe(400);
  });
});
