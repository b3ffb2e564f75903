import { describe, expect, it } from 'vitest';
import { call, json } from '../helpers/app';
import { eventually } from '../helpers/db';
import { refund } from '../helpers/payments';
import { bearer, signToken } from '../helpers/tokens';

/** A tenant with one venue (settling `delayHours` after an event's end) and an event starting `startsInHours` from now. */
async function venueShop(delayHours: number, startsInHours: number) {
  const tenant = `bal-${crypto.randomUUID()}`;
  const admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  await call('/api/v1/venues/hall', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ name: 'Hall', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter', settlementDelayHours: delayHours }),
  });
  const startsAt = new Date(Date.now() + startsInHours * 3600_000).toISOString();
  const limits = { perUser: 100, perPaymentMethod: 1000, perAddress: 100, perOrder: 10 };
  await call('/api/v1/events/gig', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ venueId: 'hall', name: 'Gig', startsAt, ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }], limits }),
  });
  const user = async (sub: string) => ({
    ...bearer(await signToken({ tenant_id: tenant, sub, role: 'user' })),
    'content-type': 'application/json',
  });
  const buy = async (sub: string) => {
    const headers = await user(sub);
    const res = await call('/api/v1/payments/process', {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({
        venueId: 'hall',
        eventId: 'gig',
        tickets: [{ ticketTypeId: 'ga', quantity: 2, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
      }),
    });
    expect(res.status).toBe(200);
    return { id: (await json<any>(res)).transaction.id as string, headers };
  };
  const balance = async (headers: Record<string, string> = admin) => json<any>(await call('/api/v1/venues/hall/balance', { headers }));
  const check = async () => json<any>(await call('/admin/venues/balance-check', { headers: admin }));
  return { tenant, admin, user, buy, balance, check };
}

describe('venue balances', () => {
  it('credit a sale of a future event to pending, hold 5 % of the month’s sales in reserve, and show them to the venue’s managers only', async () => {
    const shop = await venueShop(48, 24 * 30);
    await shop.buy('fan');
    const body = await eventually(async () => {
      const b = await shop.balance();
      return b.balance?.pending === 10_000 ? b : undefined;
    });
    expect(body).toEqual({
      balance: { available: 0, pending: 10_000, reserved: 500, currency: 'USD' },
      payoutInfo: { available: 0, reserved: 500, payable: 0 },
    });
    const manager = bearer(await signToken({ tenant_id: shop.tenant, sub: 'mgr', role: 'venue_manager', venues: ['hall'] }));
    expect((await call('/api/v1/venues/hall/balance', { headers: manager })).status).toBe(200);
    const otherManager = bearer(await signToken({ tenant_id: shop.tenant, sub: 'mgr2', role: 'venue_manager', venues: ['elsewhere'] }));
    expect((await call('/api/v1/venues/hall/balance', { headers: otherManager })).status).toBe(404);
    expect((await call('/api/v1/venues/hall/balance', { headers: await shop.user('fan') })).status).toBe(404);
    expect((await call('/api/v1/venues/nowhere/balance', { headers: shop.admin })).status).toBe(404);
  });

  it('a refund of a pending sale comes out of pending', async () => {
    const shop = await venueShop(48, 24 * 30);
    const { id, headers } = await shop.buy('fan');
    await eventually(async () => ((await shop.balance()).balance.pending === 10_000 ? true : undefined));
    expect((await refund(id, headers, { amount: 11_845 })).status).toBe(200);
    await eventually(async () => ((await shop.balance()).balance.pending === 0 ? true : undefined));
    expect((await shop.balance()).balance.available).toBe(0);
    await eventually(async () => ((await shop.check()).allMatch ? true : undefined));
  });

  it('release an ended event’s sales to available after the settlement delay; a later refund comes out of available; balances equal the ledger', async () => {
    // Started 5 hours ago: ended an hour ago (4 h by default), and this venue settles at once.
    const shop = await venueShop(0, -5);
    await shop.buy('early');
    await eventually(async () => ((await shop.balance()).balance.available === 10_000 ? true : undefined));
    const late = await shop.buy('late');
    const settled = await eventually(async () => {
      const b = await shop.balance();
      return b.balance.available === 20_000 ? b : undefined;
    });
    expect(settled).toEqual({
      balance: { available: 20_000, pending: 0, reserved: 1_000, currency: 'USD' },
      payoutInfo: { available: 20_000, reserved: 1_000, payable: 19_000 },
    });
    expect((await refund(late.id, late.headers)).status).toBe(200);
    await eventually(async () => ((await shop.balance()).balance.available === 10_000 ? true : undefined));
    const check = await eventually(async () => {
      const c = await shop.check();
      return c.allMatch ? c : undefined;
    });
    expect(check.venues).toEqual([
      { venueId: 'hall', object: { pending: 0, available: 10_000 }, ledger: { pending: 0, available: 10_000 }, matches: true },
    ]);
  });

  it('the balance check is for admins only', async () => {
    const shop = await venueShop(48, 24);
    expect((await call('/admin/venues/balance-check', { headers: await shop.user('nosy') })).status).toBe(403);
  });
});
