import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { refund, shopFixture, statusOf } from '../helpers/payments';
import { configureSandbox, sandbox, stripeCallsFor } from '../helpers/sandbox';

describe('POST /api/v1/payments/transaction/:id/refund', () => {
  it('refunds in full when no amount is given; projections and the ledger follow', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('full');
    const { body } = await shop.pay(buyer);
    const id = body.transaction.id;
    const res = await refund(id, buyer, { reason: 'Customer requested cancellation' });
    expect(res.status).toBe(200);
    const r = await json<any>(res);
    expect(r).toMatchObject({ success: true, refund: { amount: 11_845, status: 'completed' } });
    expect(await statusOf(id, buyer)).toMatchObject({ status: 'refunded', refundedAmount: 11_845 });
    const refundRow = await eventually(async () => {
      const [row] = await rows<{ status: string; amount: string }>(
        sql`SELECT status, amount FROM payment_refunds WHERE id = ${r.refund.id}`,
      );
      return row?.status === 'completed' ? row : undefined;
    });
    expect(Number(refundRow.amount)).toBe(11_845);
    const ledger = await eventually(async () => {
      const lines = await rows<{ amount: string }>(sql`SELECT amount FROM ledger_entries WHERE transaction_id = ${r.refund.id}`);
      return lines.length ? lines : undefined;
    });
    expect(ledger.reduce((s, l) => s + Number(l.amount), 0)).toBe(0);
    await eventually(async () => {
      const [row] = await rows<{ status: string }>(sql`SELECT status FROM payment_transactions WHERE id = ${id}`);
      return row?.status === 'refunded' ? true : undefined;
    });
  });

  it('allows partial refunds up to the original and refuses any more (400 REFUND_EXCEEDS_ORIGINAL)', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('partial');
    const id = (await shop.pay(buyer)).body.transaction.id;
    expect((await refund(id, buyer, { amount: 5_000 })).status).toBe(200);
    expect(await statusOf(id, buyer)).toMatchObject({ status: 'partially_refunded', refundedAmount: 5_000 });
    const tooMuch = await refund(id, buyer, { amount: 6_846 });
    expect([tooMuch.status, (await json<ErrorBody>(tooMuch)).code]).toEqual([400, 'REFUND_EXCEEDS_ORIGINAL']);
    expect((await refund(id, buyer, { amount: 6_845 })).status).toBe(200);
    expect(await statusOf(id, buyer)).toMatchObject({ status: 'refunded', refundedAmount: 11_845 });
    const again = await refund(id, buyer);
    expect([again.status, (await json<ErrorBody>(again)).code]).toEqual([400, 'REFUND_EXCEEDS_ORIGINAL']);
  });

  it('replays a refund for the same key without a second PSP refund', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('replay');
    const id = (await shop.pay(buyer)).body.transaction.id;
    const key = crypto.randomUUID();
    const first = await (await refund(id, buyer, { amount: 1_000 }, key)).text();
    const second = await refund(id, buyer, { amount: 1_000 }, key);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.text()).toBe(first);
    expect((await stripeCallsFor(id)).filter((c) => c.path === '/v1/refunds')).toHaveLength(1);
    const reused = await refund(id, buyer, { amount: 2_000 }, key);
    expect((await json<ErrorBody>(reused)).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('is for the owner or an admin only; others get 404', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('owner');
    const id = (await shop.pay(buyer)).body.transaction.id;
    expect((await refund(id, await shop.user('stranger'), { amount: 100 })).status).toBe(404);
    expect((await refund(id, shop.admin, { amount: 100 })).status).toBe(200);
  });

  it('refuses to refund a payment that did not complete (409) and rejects bad amounts (422)', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('declined');
    const declined = await shop.pay(buyer, 'pm_card_chargeDeclined');
    const res = await refund(declined.body.transactionId, buyer);
    expect([res.status, (await json<ErrorBody>(res)).code]).toEqual([409, 'INVALID_STATE_TRANSITION']);
    const paid = (await shop.pay(buyer)).body.transaction.id;
    const bad = await refund(paid, buyer, { amount: 0 });
    expect(bad.status).toBe(422);
  });

  it('a refund pending at the PSP completes when the PSP notifies it', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('pending');
    const id = (await shop.pay(buyer)).body.transaction.id;
    // Scoped to this transaction (its id is in the refund's metadata): refunds of tests beside it are unaffected.
    await configureSandbox({ providers: { stripe: { refunds: 'pending', match: id } } });
    let pending: any;
    try {
      pending = await json<any>(await refund(id, buyer, { amount: 2_000 }));
    } finally {
      await configureSandbox({ providers: { stripe: { refunds: 'succeeded', match: null } } });
    }
    expect(pending.refund.status).toBe('pending');
    expect((await statusOf(id, buyer)).status).toBe('processing'); // REFUNDING
    const reRefund = (await stripeCallsFor(id)).find((c) => c.path === '/v1/refunds')?.response.id;
    await sandbox(`/__sandbox/complete/stripe/${reRefund}`, { method: 'POST' });
    const hooks = (await sandbox('/__sandbox/webhooks?provider=stripe&type=refund.updated')) as any[];
    const hook = hooks.find((h) => h.body.includes(reRefund));
    const delivered = await call('/api/v1/webhooks/stripe', { method: 'POST', headers: hook.headers, body: hook.body });
    expect(await json<any>(delivered)).toEqual({ received: true, status: 'applied' });
    expect(await statusOf(id, buyer)).toMatchObject({ status: 'partially_refunded', refundedAmount: 2_000 });
  });
});
