import { env } from 'cloudflare:workers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { venueStub } from '../../src/lib/stubs';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { configureSandbox, stripeCallsFor } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

// A tenant per test: the velocity limits (5 purchases an hour per buyer, 3 buyers a day per card) count per
// tenant, and these tests buy again and again with the same test card.
let tenant = `pay-${crypto.randomUUID()}`;
let adminHeaders: Record<string, string>;
let buyer: Record<string, string>;

// Test cards are shared by every test, and purchase limits count per payment method: each test buys
// tickets for its own event, so limits only meet where a test means them to.
let currentEvent = 'show';
const order = (overrides: Record<string, unknown> = {}) => ({
  venueId: 'knox',
  eventId: currentEvent,
  tickets: [{ ticketTypeId: 'ga', quantity: 2, price: 5000 }],
  paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
  ...overrides,
});

function process(body: unknown, key: string | null = crypto.randomUUID(), headers = buyer) {
  return call('/api/v1/payments/process', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', ...(key === null ? {} : { 'Idempotency-Key': key }) },
    body: JSON.stringify(body),
  });
}

async function asUser(sub: string) {
  return bearer(await signToken({ tenant_id: tenant, sub, role: 'user' }));
}

beforeEach(async () => {
  tenant = `pay-${crypto.randomUUID()}`;
  adminHeaders = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  buyer = await asUser('buyer-1');
  const venue = { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' };
  expect((await call('/api/v1/venues/knox', { method: 'PUT', headers: adminHeaders, body: JSON.stringify(venue) })).status).toBe(201);
  expect((await call('/api/v1/venues/other', { method: 'PUT', headers: adminHeaders, body: JSON.stringify(venue) })).status).toBe(201);
  currentEvent = `show-${crypto.randomUUID().slice(0, 8)}`;
  const show = { venueId: 'knox', name: 'Show', startsAt: '2027-01-01T20:00:00Z', ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }] };
  expect((await call(`/api/v1/events/${currentEvent}`, { method: 'PUT', headers: adminHeaders, body: JSON.stringify(show) })).status).toBe(
    201,
  );
});

describe('POST /api/v1/payments/process — happy path', () => {
  it('charges the catalog price plus fees and tax once, and answers with the worked numbers', async () => {
    const res = await process(order());
    expect(res.status).toBe(200);
    const body = await json<any>(res);
    expect(body).toMatchObject({
      success: true,
      transaction: { amount: 11_845, currency: 'USD', status: 'completed', stripePaymentIntentId: expect.stringMatching(/^pi_/) },
      fees: { ticketPrice: 10_000, platformFee: 820, gasEstimate: 100, stateTax: 700, localTax: 225, specialTax: 0, total: 11_845 },
    });
    const calls = await stripeCallsFor(body.transaction.id);
    const creates = calls.filter((c) => c.method === 'POST' && c.path === '/v1/payment_intents');
    expect(creates).toHaveLength(1);
    expect(creates[0]?.body).toMatchObject({ amount: '11845', currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' });
    expect(creates[0]?.headers['idempotency-key']).toBe(`${body.transaction.id}:charge:1`);
  });

  it('replays the stored response byte for byte for the same key and body, without a second charge', async () => {
    const key = crypto.randomUUID();
    const first = await process(order(), key);
    const firstText = await first.text();
    const again = await process(order(), key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstText);
    const id = JSON.parse(firstText).transaction.id;
    expect((await stripeCallsFor(id)).filter((c) => c.path === '/v1/payment_intents')).toHaveLength(1);
  });

  it('lets concurrent duplicates through once: one PaymentIntent, every answer the same 200 body or a 409', async () => {
    const key = crypto.randomUUID();
    const responses = await Promise.all(Array.from({ length: 20 }, () => process(order(), key)));
    const texts = await Promise.all(responses.map((r) => r.text()));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const oks = texts.filter((_, i) => statuses[i] === 200);
    expect(oks.length).toBeGreaterThanOrEqual(1);
    expect(new Set(oks).size).toBe(1);
    for (const t of texts.filter((_, i) => statuses[i] === 409)) expect(JSON.parse(t).code).toBe('DUPLICATE_IN_PROGRESS');
    const id = JSON.parse(oks[0] as string).transaction.id;
    expect((await stripeCallsFor(id)).filter((c) => c.path === '/v1/payment_intents')).toHaveLength(1);
  });

  it('projects the payment once to Postgres with a balanced ledger, and credits the venue once', async () => {
    const res = await json<any>(
      await process(order({ tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }] }), undefined, await asUser('ledger-buyer')),
    );
    const id = res.transaction.id;
    const row = await eventually(async () => {
      const [r] = await rows<{ status: string; amount: string }>(sql`SELECT status, amount FROM payment_transactions WHERE id = ${id}`);
      return r?.status === 'completed' ? r : undefined;
    });
    expect(Number(row.amount)).toBe(res.transaction.amount);
    const ledger = await rows<{ account: string; amount: string; tenant_id: string }>(
      sql`SELECT account, amount, tenant_id FROM ledger_entries WHERE transaction_id = ${id}`,
    );
    expect(ledger.reduce((sum, l) => sum + Number(l.amount), 0)).toBe(0);
    // Account names are the tenant's own ids (another tenant may have a venue "knox" too): every line says whose books it is in.
    expect(new Set(ledger.map((l) => l.tenant_id))).toEqual(new Set([tenant]));
    expect(ledger.map((l) => l.account)).toEqual(
      expect.arrayContaining(['buyer:ledger-buyer', 'venue:knox:pending', 'platform:fees', 'psp:stripe:fees']),
    );
    expect(await eventually(async () => ((await venueStub(env, tenant, 'knox').volume30d()) >= 5000 ? true : undefined))).toBe(true);
  });
});

describe('POST /api/v1/payments/process — refusals', () => {
  it('requires a UUID v4 Idempotency-Key', async () => {
    const missing = await process(order(), null);
    expect([missing.status, (await json<ErrorBody>(missing)).code]).toEqual([400, 'IDEMPOTENCY_KEY_MISSING']);
    const invalid = await process(order(), 'not-a-uuid');
    expect([invalid.status, (await json<ErrorBody>(invalid)).code]).toEqual([400, 'IDEMPOTENCY_KEY_INVALID']);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const key = crypto.randomUUID();
    expect((await process(order(), key)).status).toBe(200);
    const reused = await process(order({ tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }] }), key);
    expect([reused.status, (await json<ErrorBody>(reused)).code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('takes prices from the catalog: a different price, an unknown ticket type, event or venue is a 422 on that field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 4000 }] }, 'tickets.0.price'],
      [{ tickets: [{ ticketTypeId: 'vip', quantity: 1, price: 5000 }] }, 'tickets.0.ticketTypeId'],
      [{ eventId: 'nope' }, 'eventId'],
      [{ venueId: 'other' }, 'venueId'],
    ];
    for (const [overrides, field] of cases) {
      const res = await process(order(overrides));
      expect(res.status).toBe(422);
      expect((await json<ErrorBody>(res)).errors?.map((e) => e.field)).toEqual([field]);
    }
  });

  it('rejects a schema violation with 422 and field paths, before any charge', async () => {
    const res = await process({ ...order(), tickets: [{ ticketTypeId: 'ga', quantity: 11, price: 5000 }] });
    expect(res.status).toBe(422);
    expect((await json<ErrorBody>(res)).errors?.[0]?.field).toBe('tickets.0.quantity');
  });

  it('enforces purchase limits per order and per user (403 PURCHASE_LIMIT_EXCEEDED)', async () => {
    const limited = await asUser('limited');
    const five = await process(order({ tickets: [{ ticketTypeId: 'ga', quantity: 5, price: 5000 }] }), undefined, limited);
    expect([five.status, (await json<ErrorBody>(five)).code]).toEqual([403, 'PURCHASE_LIMIT_EXCEEDED']);
    expect((await process(order({ tickets: [{ ticketTypeId: 'ga', quantity: 4, price: 5000 }] }), undefined, limited)).status).toBe(200);
    const more = await process(
      order({
        tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_mastercard' },
      }),
      undefined,
      limited,
    );
    const err = await json<ErrorBody>(more);
    expect([more.status, err.code, err.errors?.[0]?.field]).toEqual([403, 'PURCHASE_LIMIT_EXCEEDED', 'perUser']);
  });

  it('answers a decline with 402 PAYMENT_FAILED and its decline code, and gives the tickets back', async () => {
    const decliner = await asUser('decliner');
    const res = await process(
      order({
        tickets: [{ ticketTypeId: 'ga', quantity: 4, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' },
      }),
      undefined,
      decliner,
    );
    const body = await json<ErrorBody & { declineCode: string; transactionId: string }>(res);
    expect([res.status, body.code, body.declineCode]).toEqual([402, 'PAYMENT_FAILED', 'insufficient_funds']);
    const view = await json<any>(await call(`/api/v1/payments/transaction/${body.transactionId}`, { headers: decliner }));
    expect(view.transaction.status).toBe('failed');
    // The declined order's 4 tickets were released: the same user can still buy 4.
    expect((await process(order({ tickets: [{ ticketTypeId: 'ga', quantity: 4, price: 5000 }] }), undefined, decliner)).status).toBe(200);
  });

  it('answers 402 PAYMENT_REQUIRES_ACTION with the next action when 3-D Secure is needed', async () => {
    const res = await process(
      order({
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_authenticationRequired' },
        returnUrl: 'https://shop.example/return',
      }),
      undefined,
      await asUser('threeds'),
    );
    const body = await json<any>(res);
    expect([res.status, body.code]).toEqual([402, 'PAYMENT_REQUIRES_ACTION']);
    expect(body.nextAction).toMatchObject({ type: 'redirect_to_url', url: expect.stringContaining('/__sandbox/3ds/') });
  });

  it('answers 422 on paymentMethodId when the PSP does not know the payment method', async () => {
    const res = await process(
      order({ paymentMethod: { type: 'card', paymentMethodId: 'pm_does_not_exist' } }),
      undefined,
      await asUser('unknown-pm'),
    );
    expect(res.status).toBe(422);
    expect((await json<ErrorBody>(res)).errors?.[0]?.field).toBe('paymentMethod.paymentMethodId');
  });
});

describe('POST /api/v1/payments/process — PSP outage', () => {
  afterAll(() => configureSandbox({ providers: { stripe: { failRate: 0, match: null } } }));

  it('answers 502 PSP_UNAVAILABLE, keeps the payment retryable, and a retry with the same key charges once', async () => {
    const key = crypto.randomUUID();
    const user = await asUser('outage');
    // Scoped to this file's tenant (it is in the PaymentIntent's metadata): tests running beside it are unaffected.
    await configureSandbox({ providers: { stripe: { failRate: 1, failStatus: 503, match: tenant } } });
    const down = await process(order(), key, user);
    const err = await json<ErrorBody & { transactionId?: string }>(down);
    expect([down.status, err.code]).toEqual([502, 'PSP_UNAVAILABLE']);
    await configureSandbox({ providers: { stripe: { failRate: 0, match: null } } });
    const retried = await process(order(), key, user);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const id = (await json<any>(retried)).transaction.id;
    const creates = (await stripeCallsFor(id)).filter((c) => c.path === '/v1/payment_intents');
    expect(creates.map((c) => c.status)).toEqual([503, 200]);
    expect(new Set(creates.map((c) => c.headers['idempotency-key']))).toEqual(new Set([`${id}:charge:1`]));
  });
});

describe('GET /api/v1/payments/transaction/:id', () => {
  it('shows the owner and admins of the tenant their transaction; everyone else gets 404', async () => {
    const owner = await asUser('viewer');
    const id = (await json<any>(await process(order({ tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }] }), undefined, owner)))
      .transaction.id;
    const mine = await call(`/api/v1/payments/transaction/${id}`, { headers: owner });
    expect(mine.status).toBe(200);
    expect(await json<any>(mine)).toMatchObject({
      transaction: { id, userId: 'viewer', status: 'completed', amount: 5_000 + 410 + 50 + 350 + 113 },
      // Paid, so its ticket is minted after the reply: the job is there from the start.
      nftStatus: { jobId: `mint_${id}`, status: expect.stringMatching(/^(queued|minting|completed)$/) },
    });
    expect((await call(`/api/v1/payments/transaction/${id}`, { headers: adminHeaders })).status).toBe(200);
    expect((await call(`/api/v1/payments/transaction/${id}`, { headers: await asUser('someone-else') })).status).toBe(404);
    const otherTenantAdmin = bearer(await signToken({ tenant_id: `x-${tenant}`, role: 'admin' }));
    expect((await call(`/api/v1/payments/transaction/${id}`, { headers: otherTenantAdmin })).status).toBe(404);
    expect((await call(`/api/v1/payments/transaction/${crypto.randomUUID()}`, { headers: owner })).status).toBe(404);
  });
});
