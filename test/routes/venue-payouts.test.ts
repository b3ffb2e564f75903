import { describe, expect, it } from 'vitest';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { configureSandbox, deliverStripeEventsAbout, type SandboxRequest, sandbox } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';
import { venueShop } from '../helpers/venues';

const ACCOUNT = 'acct_1VenueHall0000001';

/** A venue whose event ended a moment after `sales` purchases of two tickets at `price`, settled at once. */
async function settledVenue(sales: number, price = 5000, reserveBps = 0) {
  const shop = await venueShop({
    delayHours: 0,
    stripeAccountId: ACCOUNT,
    reserveBps,
    price,
    startsAt: new Date(Date.now() - 3_600_000),
    endsAt: new Date(Date.now() + 3_000 + sales * 400),
  });
  for (let i = 0; i < sales; i++) await shop.buy(`fan-${i}`);
  const expected = sales * 2 * price;
  await eventually(async () => ((await shop.balance()).balance.available === expected ? true : undefined), 30_000);
  const payout = (body: unknown, key: string = crypto.randomUUID(), headers: Record<string, string> = shop.admin) =>
    call('/api/v1/venues/hall/payout', { method: 'POST', headers: { ...headers, 'Idempotency-Key': key }, body: JSON.stringify(body) });
  return { ...shop, payout };
}

async function stripeCalls(path: string, payoutId: string): Promise<SandboxRequest[]> {
  const all = (await sandbox('/__sandbox/requests')) as SandboxRequest[];
  return all.filter((r) => r.provider === 'stripe' && r.path === path && r.body?.['metadata[payout_id]'] === payoutId);
}

describe('venue payouts', () => {
  it('refuse a payout below 10000 (422), above payable (400 INSUFFICIENT_FUNDS) or without a connected account (409)', async () => {
    const shop = await settledVenue(2);
    const small = await shop.payout({ amount: 9_999 });
    expect(small.status).toBe(422);
    expect((await json<any>(small)).errors).toEqual([{ field: 'amount', message: 'amount must be at least 10000' }]);
    const big = await shop.payout({ amount: 20_001 });
    expect(big.status).toBe(400);
    expect((await json<any>(big)).code).toBe('INSUFFICIENT_FUNDS');
    for (const body of [{}, { amount: 10_000.5 }, { amount: -1 }, { amount: 10_000, instant: 'yes' }, { amount: 10_000, extra: 1 }]) {
      expect((await shop.payout(body)).status).toBe(422);
    }
    expect((await shop.balance()).balance.available).toBe(20_000);

    const plain = await venueShop();
    const none = await call('/api/v1/venues/hall/payout', {
      method: 'POST',
      headers: { ...plain.admin, 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({ amount: 10_000 }),
    });
    expect(none.status).toBe(409);
  });

  it('an instant payout costs exactly 1 %: the bank gets 99 %, the platform collects the fee once Stripe pays it; balances equal the ledger', async () => {
    const shop = await settledVenue(2);
    const res = await shop.payout({ amount: 15_000, instant: true });
    expect(res.status).toBe(200);
    const body = await json<any>(res);
    expect(body).toMatchObject({
      success: true,
      message: 'Payout initiated',
      amount: 15_000,
      type: 'instant',
      estimatedArrival: '30 minutes',
    });
    expect(body.payout).toMatchObject({ amount: 15_000, fee: 150, netAmount: 14_850, status: 'pending', currency: 'USD' });
    expect((await shop.balance()).balance.available).toBe(5_000);

    const [created] = await stripeCalls('/v1/payouts', body.payout.id);
    expect(created?.headers['stripe-account']).toBe(ACCOUNT);
    expect(created?.body).toMatchObject({ amount: '14850', currency: 'usd', method: 'instant' });
    await sandbox(`/__sandbox/complete/stripe/${body.payout.stripePayoutId}`, { method: 'POST' });
    expect(await deliverStripeEventsAbout(body.payout.stripePayoutId, 'payout.paid')).toEqual([200]);
    const paid = await eventually(async () => {
      const list = await json<any>(await call('/api/v1/venues/hall/payouts', { headers: shop.admin }));
      return list.payouts[0]?.status === 'paid' ? list.payouts[0] : undefined;
    });
    expect(paid).toMatchObject({ id: body.payout.id, fee: 150, netAmount: 14_850 });
    // The fee moves from the venue's connected account to the platform's (an account debit).
    const debit = await eventually(async () => (await stripeCalls('/v1/transfers', body.payout.id))[0]);
    expect(debit.headers['stripe-account']).toBe(ACCOUNT);
    expect(debit.body).toMatchObject({ amount: '150', destination: 'acct_1EdgepayPlatform0' });

    const ledger = await eventually(async () => {
      const lines = await rows<{ account: string; total: string }>(
        sql`SELECT account, SUM(amount)::text AS total FROM ledger_entries WHERE transaction_id = ${body.payout.id} GROUP BY account`,
      );
      return lines.length === 4 ? lines : undefined;
    });
    expect(Object.fromEntries(ledger.map((l) => [l.account, Number(l.total)]))).toEqual({
      'venue:hall:available': 15_000,
      'venue:hall:in_transit': 0,
      'venue:hall:paid_out': -14_850,
      'platform:fees': -150,
    });
    await eventually(async () => ((await shop.check()).allMatch ? true : undefined));
    const [projected] = await eventually(async () => {
      const r = await rows<{ status: string; fee: number }>(sql`SELECT status, fee FROM venue_payouts WHERE id = ${body.payout.id}`);
      return r[0]?.status === 'paid' ? r : undefined;
    });
    expect(Number(projected?.fee)).toBe(150);
  });

  it('a failed payout gives the whole amount back to the balance', async () => {
    const shop = await settledVenue(1);
    await configureSandbox({ providers: { stripe: { payouts: 'failed' } } });
    try {
      const body = await json<any>(await shop.payout({ amount: 10_000 }));
      expect(body.payout).toMatchObject({ type: 'standard', fee: 0, netAmount: 10_000, status: 'pending' });
      expect((await shop.balance()).balance.available).toBe(0);
      await sandbox(`/__sandbox/complete/stripe/${body.payout.stripePayoutId}`, { method: 'POST' });
      expect(await deliverStripeEventsAbout(body.payout.stripePayoutId, 'payout.failed')).toEqual([200]);
      const failed = await eventually(async () => {
        const list = await json<any>(await call('/api/v1/venues/hall/payouts', { headers: shop.admin }));
        return list.payouts[0]?.status === 'failed' ? list.payouts[0] : undefined;
      });
      expect(failed.failureCode).toBeTruthy();
      expect((await shop.balance()).balance.available).toBe(10_000);
      await eventually(async () => ((await shop.check()).allMatch ? true : undefined));
    } finally {
      await configureSandbox({ providers: { stripe: { payouts: 'paid' } } });
    }
  });

  it('of concurrent payouts that only one fits, exactly one passes', async () => {
    const shop = await settledVenue(1);
    const answers = await Promise.all(Array.from({ length: 8 }, () => shop.payout({ amount: 10_000 })));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
    for (const r of answers.filter((a) => a.status === 400)) expect((await json<any>(r)).code).toBe('INSUFFICIENT_FUNDS');
    expect((await shop.balance()).balance.available).toBe(0);
  });

  it('at most 5,000,000 a UTC day across the venue’s payouts (400 PAYOUT_LIMIT_EXCEEDED)', async () => {
    const shop = await settledVenue(1, 4_000_000);
    expect((await shop.payout({ amount: 3_000_000 })).status).toBe(200);
    const over = await shop.payout({ amount: 2_000_001 });
    expect(over.status).toBe(400);
    expect((await json<any>(over)).code).toBe('PAYOUT_LIMIT_EXCEEDED');
    expect((await shop.payout({ amount: 2_000_000 })).status).toBe(200);
    expect((await shop.balance()).balance.available).toBe(3_000_000);
  });

  it('one payout per Idempotency-Key: a replay answers the same, another body 422; managers of the venue only', async () => {
    const shop = await settledVenue(2);
    const key = crypto.randomUUID();
    const first = await shop.payout({ amount: 10_000 }, key);
    const again = await shop.payout({ amount: 10_000 }, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
    expect((await shop.payout({ amount: 10_001 }, key)).status).toBe(422);
    expect((await shop.balance()).balance.available).toBe(10_000);

    const manager = {
      ...bearer(await signToken({ tenant_id: shop.tenant, sub: 'mgr', role: 'venue_manager', venues: ['hall'] })),
      'content-type': 'application/json',
    };
    expect((await shop.payout({ amount: 10_000 }, crypto.randomUUID(), manager)).status).toBe(200);
    const stranger = {
      ...bearer(await signToken({ tenant_id: shop.tenant, sub: 'x', role: 'venue_manager', venues: ['other'] })),
      'content-type': 'application/json',
    };
    expect((await shop.payout({ amount: 10_000 }, crypto.randomUUID(), stranger)).status).toBe(404);
    expect((await shop.payout({ amount: 10_000 }, crypto.randomUUID(), await shop.user('fan-0'))).status).toBe(404);
    const list = await json<any>(await call('/api/v1/venues/hall/payouts?limit=1', { headers: manager }));
    expect(list.payouts).toHaveLength(1);
    const next = await json<any>(await call(`/api/v1/venues/hall/payouts?limit=5&cursor=${list.nextCursor}`, { headers: manager }));
    expect(next.payouts).toHaveLength(1);
    expect(next.nextCursor).toBeNull();
  });
});
