import { describe, expect, it } from 'vitest';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { refund } from '../helpers/payments';
import { closeStripeDispute, deliverStripeEventsAbout } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';
import { venueShop } from '../helpers/venues';

describe('venue balances', () => {
  it('credit a sale of a future event to pending, hold 5 % of the month’s sales in reserve, and show them to the venue’s managers only', async () => {
    const shop = await venueShop();
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
    const shop = await venueShop();
    const { id, headers } = await shop.buy('fan');
    await eventually(async () => ((await shop.balance()).balance.pending === 10_000 ? true : undefined));
    expect((await refund(id, headers, { amount: 11_845 })).status).toBe(200);
    await eventually(async () => ((await shop.balance()).balance.pending === 0 ? true : undefined));
    expect((await shop.balance()).balance.available).toBe(0);
    await eventually(async () => ((await shop.check()).allMatch ? true : undefined));
  });

  it('release an ended event’s sales to available after the settlement delay; a later refund comes out of available; balances equal the ledger', async () => {
    // Ends in a few seconds, and this venue settles at once.
    const shop = await venueShop({ delayHours: 0, startsAt: new Date(Date.now() - 3_600_000), endsAt: new Date(Date.now() + 6_000) });
    await shop.buy('early');
    const late = await shop.buy('late');
    expect((await shop.balance()).balance.available).toBe(0);
    const settled = await eventually(async () => {
      const b = await shop.balance();
      return b.balance.available === 20_000 ? b : undefined;
    }, 30_000);
    expect(settled).toEqual({
      balance: { available: 20_000, pending: 0, reserved: 1_000, currency: 'USD' },
      payoutInfo: { available: 20_000, reserved: 1_000, payable: 19_000 },
    });
    // The event has ended: it sells nothing more.
    const { res } = await shop.purchase('too-late');
    expect(res.status).toBe(422);
    expect((await json<any>(res)).errors).toEqual([{ field: 'eventId', message: 'the event has ended' }]);
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

  it('a rescheduled event settles at its new end', async () => {
    const shop = await venueShop({ delayHours: 0 });
    await shop.buy('fan');
    await eventually(async () => ((await shop.balance()).balance.pending === 10_000 ? true : undefined));
    const startsAt = new Date(Date.now() - 3_600_000).toISOString();
    const endsAt = new Date(Date.now() + 2_000).toISOString();
    const moved = await call('/api/v1/events/gig', {
      method: 'PUT',
      headers: shop.admin,
      body: JSON.stringify({ venueId: 'hall', name: 'Gig', startsAt, endsAt, ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }] }),
    });
    expect(moved.status).toBe(200);
    await eventually(async () => ((await shop.balance()).balance.available === 10_000 ? true : undefined), 30_000);
  });

  it('a chargeback takes the venue’s share out of pending at once; a dispute won brings it back; balances equal the ledger', async () => {
    const shop = await venueShop();
    const { res } = await shop.purchase('disputer', 2, 'pm_card_createDispute');
    expect(res.status).toBe(200);
    const pi = (await json<any>(res)).transaction.stripePaymentIntentId as string;
    await eventually(async () => ((await shop.balance()).balance.pending === 10_000 ? true : undefined));
    expect(await deliverStripeEventsAbout(pi, 'charge.dispute.created')).toEqual([200]);
    await eventually(async () => ((await shop.balance()).balance.pending === 0 ? true : undefined));
    await eventually(async () => ((await shop.check()).allMatch ? true : undefined));
    const disputeId = await closeStripeDispute(pi, 'winning_evidence');
    expect(await deliverStripeEventsAbout(pi, 'charge.dispute.closed')).toEqual([200]);
    await eventually(async () => ((await shop.balance()).balance.pending === 10_000 ? true : undefined));
    // Delivered again: applied once.
    expect(await deliverStripeEventsAbout(pi, 'charge.dispute.created')).toEqual([200]);
    const check = await eventually(async () => {
      const c = await shop.check();
      return c.allMatch ? c : undefined;
    });
    expect(check.venues[0]).toMatchObject({ object: { pending: 10_000, available: 0 } });
    const lines = await rows<{ total: string }>(
      sql`SELECT SUM(amount)::text AS total FROM ledger_entries WHERE transaction_id = ${`dispute:${disputeId}`}`,
    );
    expect(Number(lines[0]?.total)).toBe(0);
  });

  it('the balance check is for admins only', async () => {
    const shop = await venueShop();
    expect((await call('/admin/venues/balance-check', { headers: await shop.user('nosy') })).status).toBe(403);
  });
});
