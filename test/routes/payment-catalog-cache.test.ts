import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { eventStub, paymentStub } from '../../src/lib/stubs';
import { call, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

// The payment object keeps event profiles per isolate (durable-objects/payment/event-profiles.ts) and
// confirms a paid order's reservation from its alarm (limit-confirm.ts); these tests pin both down.
const tenant = `cache-${crypto.randomUUID()}`;
let admin: Record<string, string>;

const limits = (perOrder: number) => ({ perUser: 50, perPaymentMethod: 50, perAddress: 50, perOrder });

async function putEvent(eventId: string, price: number, perOrder: number) {
  const body = {
    venueId: 'knox',
    name: 'Show',
    startsAt: '2027-01-01T20:00:00Z',
    ticketTypes: [{ id: 'ga', name: 'GA', price }],
    limits: limits(perOrder),
  };
  const res = await call(`/api/v1/events/${eventId}`, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
  expect([200, 201]).toContain(res.status);
}

async function pay(eventId: string, quantity: number, price: number, sub = 'buyer') {
  const headers = bearer(await signToken({ tenant_id: tenant, sub, role: 'user' }));
  return call('/api/v1/payments/process', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
    body: JSON.stringify({
      venueId: 'knox',
      eventId,
      tickets: [{ ticketTypeId: 'ga', quantity, price }],
      paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
    }),
  });
}

beforeAll(async () => {
  admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  const venue = { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' };
  expect((await call('/api/v1/venues/knox', { method: 'PUT', headers: admin, body: JSON.stringify(venue) })).status).toBe(201);
});

describe('payments after an event profile changed', () => {
  it('see the new prices and limits at once, though the previous profile was cached by an earlier payment', async () => {
    const eventId = `cached-${crypto.randomUUID().slice(0, 8)}`;
    await putEvent(eventId, 5000, 4);
    expect((await pay(eventId, 1, 5000)).status).toBe(200); // the profile is now cached

    await putEvent(eventId, 6000, 2);
    const oldPrice = await pay(eventId, 1, 5000);
    const oldPriceBody = await json<ErrorBody>(oldPrice);
    expect([oldPrice.status, oldPriceBody.code, oldPriceBody.errors?.[0]?.field]).toEqual([422, 'VALIDATION_ERROR', 'tickets.0.price']);

    const overLimit = await pay(eventId, 3, 6000);
    const overLimitBody = await json<ErrorBody>(overLimit);
    expect([overLimit.status, overLimitBody.code, overLimitBody.errors?.[0]?.field]).toEqual([403, 'PURCHASE_LIMIT_EXCEEDED', 'perOrder']);

    const ok = await pay(eventId, 2, 6000);
    expect(ok.status).toBe(200);
    expect((await json<{ transaction: { currency: string; amount: number } }>(ok)).transaction.amount).toBeGreaterThanOrEqual(12_000);
  });

  it('a price raised and then lowered back is still checked against the current version', async () => {
    const eventId = `flip-${crypto.randomUUID().slice(0, 8)}`;
    await putEvent(eventId, 5000, 4);
    expect((await pay(eventId, 1, 5000)).status).toBe(200);
    await putEvent(eventId, 7000, 4);
    expect((await pay(eventId, 1, 7000)).status).toBe(200);
    await putEvent(eventId, 5000, 4);
    expect((await pay(eventId, 1, 7000)).status).toBe(422);
    expect((await pay(eventId, 1, 5000)).status).toBe(200);
  });
});

describe('a paid order’s reservation', () => {
  it('is confirmed in the EventDO by the payment object’s alarm, and counts against the limits before that', async () => {
    const eventId = `confirm-${crypto.randomUUID().slice(0, 8)}`;
    await putEvent(eventId, 5000, 50);
    const res = await pay(eventId, 2, 5000, 'confirmer');
    expect(res.status).toBe(200);
    const transactionId = (await json<{ transaction: { id: string } }>(res)).transaction.id;
    const status = () =>
      runInDurableObject(
        eventStub(env, tenant, eventId),
        (_i, state: DurableObjectState) =>
          state.storage.sql.exec<{ status: string }>('SELECT status FROM purchases WHERE reservation_id = ?', transactionId).toArray()[0]
            ?.status,
      );
    // Before the alarm ran (or after: the alarm may already have fired), the purchase is held: never released.
    expect(['reserved', 'confirmed']).toContain(await status());
    await runDurableObjectAlarm(paymentStub(env, transactionId));
    expect(await status()).toBe('confirmed');
    const pending = await runInDurableObject(paymentStub(env, transactionId), (_i, state: DurableObjectState) =>
      state.storage.sql.exec('SELECT 1 FROM limit_confirm').toArray(),
    );
    expect(pending).toEqual([]);
  });
});
