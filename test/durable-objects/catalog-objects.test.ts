import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PurchaseRequest } from '../../durable-objects/event/types';
import { BALANCE_SCHEMA_STEPS } from '../../durable-objects/venue/balances';
import { PAYOUT_SCHEMA_STEPS } from '../../durable-objects/venue/payouts';
import { eventStub, venueStub } from '../../src/lib/stubs';

/** EventDO (purchase limits, reservations and their expiry) and VenueDO (sales volume, once per event id). */
const limits = { perUser: 4, perPaymentMethod: 6, perAddress: 8, perOrder: 4 };

async function freshEvent() {
  const tenantId = `t-${crypto.randomUUID()}`;
  const stub = eventStub(env, tenantId, 'show');
  await stub.putProfile({
    venueId: 'knox',
    eventId: 'show',
    tenantId,
    name: 'Show',
    startsAt: '2027-01-01T20:00:00Z',
    currency: 'USD',
    ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
    limits,
  });
  return stub;
}

const order = (over: Partial<PurchaseRequest> = {}): PurchaseRequest => ({
  reservationId: crypto.randomUUID(),
  userId: 'u1',
  paymentMethod: 'pm_1',
  addressKey: null,
  quantity: 2,
  ...over,
});

describe('EventDO', () => {
  it("the limit check reads a buyer's, a card's and an address's purchases through an index, not the whole event", async () => {
    const stub = await freshEvent();
    await stub.reserve(order());
    const plans = await runInDurableObject(stub, (_instance, state) =>
      ['user_id', 'payment_method', 'address_key'].map((column) =>
        state.storage.sql
          .exec<{ detail: string }>(
            `EXPLAIN QUERY PLAN SELECT SUM(quantity) AS n FROM purchases WHERE ${column} = ? AND status != 'released' AND reservation_id != ?`,
            'x',
            'y',
          )
          .toArray()
          .map((r) => r.detail)
          .join('; '),
      ),
    );
    expect(plans).toEqual([
      expect.stringMatching(/USING INDEX purchases_user\b/),
      expect.stringMatching(/USING INDEX purchases_payment_method\b/),
      expect.stringMatching(/USING INDEX purchases_address\b/),
    ]);
  });

  it('reserves against the limits, idempotent per reservation, and refuses past them as a result', async () => {
    const stub = await freshEvent();
    const first = order();
    expect(await stub.reserve(first)).toEqual({ ok: true, alreadyReserved: false });
    expect(await stub.reserve(first)).toEqual({ ok: true, alreadyReserved: true });
    expect(await stub.reserve(order({ quantity: 2 }))).toEqual({ ok: true, alreadyReserved: false });
    expect(await stub.reserve(order({ quantity: 1 }))).toMatchObject({ ok: false, code: 'PURCHASE_LIMIT_EXCEEDED', field: 'perUser' });
    // Released tickets count no more.
    expect(await stub.release(first.reservationId)).toBe(true);
    expect(await stub.release(first.reservationId)).toBe(false);
    expect((await stub.reserve(order({ quantity: 2 }))).ok).toBe(true);
  });

  it('without a profile there is nothing to reserve', async () => {
    expect(await eventStub(env, `t-${crypto.randomUUID()}`, 'none').reserve(order())).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('its alarm releases a reservation that outlived its time, and only that one', async () => {
    const stub = await freshEvent();
    const stale = order({ quantity: 4 });
    const live = order({ userId: 'u2', quantity: 1 });
    await stub.reserve(stale);
    await stub.reserve(live);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec('UPDATE purchases SET expires_at = ? WHERE reservation_id = ?', Date.now() - 1000, stale.reservationId);
    });
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, (_i, state) => {
      const rows = state.storage.sql
        .exec<{ reservation_id: string; status: string }>('SELECT reservation_id, status FROM purchases')
        .toArray();
      expect(Object.fromEntries(rows.map((r) => [r.reservation_id, r.status]))).toEqual({
        [stale.reservationId]: 'released',
        [live.reservationId]: 'reserved',
      });
    });
    expect(await stub.confirm(live.reservationId)).toBe(true);
    expect(await stub.confirm(stale.reservationId)).toBe(false);
  });
});

describe('VenueDO', () => {
  it('counts a sale once per event id toward the 30-day volume', async () => {
    const stub = venueStub(env, `t-${crypto.randomUUID()}`, 'knox');
    const eventId = crypto.randomUUID();
    expect(await stub.recordSale(eventId, 5000, Date.now())).toBe(true);
    expect(await stub.recordSale(eventId, 5000, Date.now())).toBe(false);
    expect(await stub.recordSale(crypto.randomUUID(), 2500, Date.now() - 40 * 86_400_000)).toBe(true);
    expect(await stub.volume30d()).toBe(5000);
  });

  it('the volume a payment prices with includes every sale recorded since the last read', async () => {
    const stub = venueStub(env, `t-${crypto.randomUUID()}`, 'knox');
    expect((await stub.pricing()).volume30d).toBe(0);
    await stub.recordSales([
      { eventId: crypto.randomUUID(), amount: 4000, at: Date.now() },
      { eventId: crypto.randomUUID(), amount: 1000, at: Date.now() },
    ]);
    expect((await stub.pricing()).volume30d).toBe(5000);
    expect(await stub.recordSale(crypto.randomUUID(), 700, Date.now())).toBe(true);
    expect(await stub.volume30d()).toBe(5700);
    // 31 days on, the window has moved past every one of them.
    expect(await stub.volume30d(Date.now() + 31 * 86_400_000)).toBe(0);
  });

  it('an object upgraded from its own applied_events table keeps the ids it had applied', async () => {
    const stub = venueStub(env, `t-${crypto.randomUUID()}`, 'knox');
    const applied = crypto.randomUUID();
    await stub.volume30d(); // the object exists, its schema is current
    // The storage as the release before dedup_inbox left it: the id is only in applied_events, and neither the two
    // dedup steps nor the balance, idempotency and payout steps after them applied.
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec('DROP TABLE dedup_inbox');
      const later = ['balance_events', 'balance', 'idempotency', 'payouts', 'payout_tasks'];
      for (const table of later) state.storage.sql.exec(`DROP TABLE ${table}`);
      state.storage.sql.exec('INSERT INTO applied_events (event_id, applied_at) VALUES (?, ?)', applied, Date.now());
      const laterSteps = BALANCE_SCHEMA_STEPS.length + 1 + PAYOUT_SCHEMA_STEPS.length;
      state.storage.sql.exec(`UPDATE _schema SET version = version - ${2 + laterSteps}`);
    });
    await evictDurableObject(stub);
    expect(await stub.recordSale(applied, 5000, Date.now())).toBe(false);
    expect(await stub.recordSale(crypto.randomUUID(), 5000, Date.now())).toBe(true);
    expect(await stub.volume30d()).toBe(5000);
  });
});
