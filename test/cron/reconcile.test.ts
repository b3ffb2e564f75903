import { createExecutionContext, createScheduledController, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CRON } from '../../src/cron/schedules';
import worker from '../../src/index';
import { paymentStub } from '../../src/lib/stubs';
import { eventually, rows, sql } from '../helpers/db';
import { shopFixture, statusOf } from '../helpers/payments';
import { configureSandbox, sandbox } from '../helpers/sandbox';

/** Makes a payment look untouched for 20 minutes, in its object and in the projection the cron reads. */
async function age(transactionId: string) {
  await eventually(async () => (await rows(sql`SELECT 1 FROM payment_transactions WHERE id = ${transactionId}`))[0]);
  await runInDurableObject(paymentStub(env, transactionId), (_i, state) => {
    state.storage.sql.exec('UPDATE payment SET updated_at = ?', Date.now() - 20 * 60_000);
  });
  await rows(sql`UPDATE payment_transactions SET updated_at = now() - interval '20 minutes' WHERE id = ${transactionId}`);
}

async function runReconciliation() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: CRON.everyFiveMinutes }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('reconciliation (every 5 minutes)', () => {
  it('asks the PSP about a payment stuck in PROCESSING and converges it', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('stuck');
    const started = await shop.pay(buyer, 'pm_card_authenticationRequired', { returnUrl: 'https://shop.example/back' });
    const id = started.body.transactionId;
    const pi = new URL(started.body.nextAction.url).pathname.split('/').pop();
    await sandbox(`/__sandbox/complete/stripe/${pi}`, { method: 'POST' }); // paid; its webhook is never delivered
    await age(id);
    await runReconciliation();
    expect((await statusOf(id, buyer)).status).toBe('completed');
  });

  it('gives up on a charge whose PSP call never answered, and releases its tickets', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('lost');
    // Scoped to this shop's tenant (in the PaymentIntent's metadata): tests running beside it are unaffected.
    await configureSandbox({ providers: { stripe: { failRate: 1, failStatus: 503, match: shop.tenant } } });
    let id: string;
    try {
      const down = await shop.pay(buyer);
      expect(down.status).toBe(502);
      id = down.body.transactionId;
    } finally {
      await configureSandbox({ providers: { stripe: { failRate: 0, match: null } } });
    }
    await age(id);
    await runReconciliation();
    expect((await statusOf(id, buyer)).status).toBe('failed');
  });

  it('leaves fresh payments alone', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('fresh');
    const started = await shop.pay(buyer, 'pm_card_authenticationRequired', { returnUrl: 'https://shop.example/back' });
    expect(await paymentStub(env, started.body.transactionId).reconcile()).toEqual({ action: 'none' });
  });
});
