import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { shopFixture, statusOf } from '../helpers/payments';
import { sandbox } from '../helpers/sandbox';

const SECRET = 'whsec_test'; // STRIPE_WEBHOOK_SECRET in the test bindings
const stripe = new Stripe('sk_test_x', { httpClient: Stripe.createFetchHttpClient() });
const cryptoProvider = Stripe.createSubtleCryptoProvider();

async function signed(payload: string, timestamp?: number) {
  return stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: SECRET, timestamp, cryptoProvider });
}

function post(body: string, signature?: string) {
  return call('/api/v1/webhooks/stripe', { method: 'POST', headers: signature ? { 'stripe-signature': signature } : {}, body });
}

const event = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: `evt_${crypto.randomUUID().replace(/-/g, '')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: 'pi_x',
        object: 'payment_intent',
        amount: 100,
        currency: 'usd',
        status: 'succeeded',
        metadata: { transaction_id: crypto.randomUUID(), tenant_id: 't' },
      },
    },
    ...over,
  });

async function recordedStripeHooks(filter: (h: any) => boolean) {
  return ((await sandbox('/__sandbox/webhooks?provider=stripe')) as any[]).filter(filter);
}

describe('POST /api/v1/webhooks/stripe — signatures', () => {
  it('accepts an event signed with the stripe package’s test-header helper', async () => {
    const body = event();
    const res = await post(body, await signed(body));
    expect(res.status).toBe(200);
    expect(await json<any>(res)).toEqual({ received: true, status: 'unmatched' });
  });

  it('rejects a tampered body, an hour-old signature and a missing header with 400 WEBHOOK_SIGNATURE_INVALID', async () => {
    const body = event();
    const header = await signed(body);
    const old = await signed(body, Math.floor(Date.now() / 1000) - 3600);
    for (const [b, h] of [
      [body.replace('"amount":100', '"amount":1'), header],
      [body, old],
      [body, undefined],
    ] as const) {
      const res = await post(b, h);
      expect([res.status, (await json<ErrorBody>(res)).code]).toEqual([400, 'WEBHOOK_SIGNATURE_INVALID']);
    }
  });

  it('keeps events for unknown transactions as unmatched in webhook_inbox, once', async () => {
    const body = event();
    const id = JSON.parse(body).id;
    await post(body, await signed(body));
    const again = await post(body, await signed(body));
    expect((await json<any>(again)).status).toBe('duplicate');
    const row = await eventually(
      async () => (await rows<{ status: string }>(sql`SELECT status FROM webhook_inbox WHERE webhook_id = ${id}`))[0],
    );
    expect(row.status).toBe('unmatched');
  });
});

describe('PSP events applied by the transaction’s object', () => {
  it('a replayed webhook has no second effect', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('hooks');
    const id = (await shop.pay(buyer)).body.transaction.id;
    const [hook] = await recordedStripeHooks((h) => h.type === 'payment_intent.succeeded' && h.body.includes(id));
    const first = await json<any>(await call('/api/v1/webhooks/stripe', { method: 'POST', headers: hook.headers, body: hook.body }));
    expect(first.status).toBe('stale'); // the synchronous answer already made it PAID
    const second = await json<any>(await call('/api/v1/webhooks/stripe', { method: 'POST', headers: hook.headers, body: hook.body }));
    expect(second.status).toBe('duplicate');
    expect((await statusOf(id, buyer)).status).toBe('completed');
  });

  it('a refund notified before the payment’s success is parked, then applied: the payment ends refunded', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('order');
    // 3-D Secure: the process call answers 402 and the payment waits in PROCESSING.
    const started = await shop.pay(buyer, 'pm_card_authenticationRequired', { returnUrl: 'https://shop.example/back' });
    expect(started.status).toBe(402);
    const id = started.body.transactionId;
    const pi = new URL(started.body.nextAction.url).pathname.split('/').pop();
    await sandbox(`/__sandbox/complete/stripe/${pi}`, { method: 'POST' });
    // A refund made outside edgepay (e.g. in the Stripe dashboard), noting our transaction.
    await sandbox('/stripe/v1/refunds', {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_sandbox', 'content-type': 'application/x-www-form-urlencoded' },
      body: `payment_intent=${pi}&metadata[transaction_id]=${id}&metadata[tenant_id]=${shop.tenant}`,
    });
    const [succeeded] = await recordedStripeHooks((h) => h.type === 'payment_intent.succeeded' && h.body.includes(pi));
    const [refunded] = await recordedStripeHooks((h) => h.type === 'refund.created' && h.body.includes(pi));
    const deliver = async (h: any) =>
      (await json<any>(await call('/api/v1/webhooks/stripe', { method: 'POST', headers: h.headers, body: h.body }))).status;

    expect(await deliver(refunded)).toBe('parked');
    expect((await statusOf(id, buyer)).status).toBe('processing');
    expect(await deliver(succeeded)).toBe('applied');
    expect(await statusOf(id, buyer)).toMatchObject({ status: 'refunded', refundedAmount: 11_845 });

    const inbox = await eventually(async () => {
      const r = await rows<{ status: string }>(sql`SELECT status FROM webhook_inbox WHERE webhook_id = ${JSON.parse(refunded.body).id}`);
      return r[0]?.status === 'processed' ? r : undefined;
    });
    expect(inbox).toHaveLength(1);
    const ledger = await eventually(async () => {
      const lines = await rows<{ transaction_id: string; amount: string }>(
        sql`SELECT transaction_id, amount FROM ledger_entries WHERE transaction_id IN (SELECT id::text FROM payment_refunds WHERE transaction_id = ${id}) OR transaction_id = ${id}`,
      );
      return lines.length >= 2 ? lines : undefined;
    });
    expect(ledger.reduce((s, l) => s + Number(l.amount), 0)).toBe(0);
  });
});

describe('POST /api/v1/webhooks/square', () => {
  const NOTIFICATION_URL = 'http://edgepay.test/api/v1/webhooks/square';
  async function squareSign(body: string, key = 'sq_sig_key_test') {
    const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(NOTIFICATION_URL + body)));
    return btoa(String.fromCharCode(...mac));
  }
  const squareEvent = (referenceId: string | null) =>
    JSON.stringify({
      merchant_id: 'M1',
      type: 'payment.updated',
      event_id: crypto.randomUUID(),
      created_at: new Date().toISOString(),
      data: {
        type: 'payment',
        id: 'sq_pay_1',
        object: {
          payment: { id: 'sq_pay_1', status: 'COMPLETED', amount_money: { amount: 100, currency: 'USD' }, reference_id: referenceId },
        },
      },
    });
  const postSquare = (body: string, signature?: string) =>
    call('/api/v1/webhooks/square', { method: 'POST', headers: signature ? { 'x-square-hmacsha256-signature': signature } : {}, body });

  it('accepts a correctly signed event and keeps an unknown one as unmatched, once', async () => {
    const body = squareEvent(crypto.randomUUID());
    const res = await postSquare(body, await squareSign(body));
    expect(await json<any>(res)).toEqual({ received: true, status: 'unmatched' });
    expect((await json<any>(await postSquare(body, await squareSign(body)))).status).toBe('duplicate');
  });

  it('rejects a wrong key, a tampered body and a missing signature with 400', async () => {
    const body = squareEvent(null);
    for (const [b, sig] of [
      [body, await squareSign(body, 'other-key')],
      [body.replace('COMPLETED', 'FAILED'), await squareSign(body)],
      [body, undefined],
    ] as const) {
      const res = await postSquare(b, sig);
      expect([res.status, (await json<ErrorBody>(res)).code]).toEqual([400, 'WEBHOOK_SIGNATURE_INVALID']);
    }
  });

  it('verifies the sandbox’s own Square signatures (recorded deliveries replayed as sent)', async () => {
    await sandbox('/square/v2/payments', {
      method: 'POST',
      headers: { authorization: 'Bearer EAAAsandbox-test', 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotency_key: crypto.randomUUID(),
        source_id: 'cnon:card-nonce-ok',
        amount_money: { amount: 500, currency: 'USD' },
      }),
    });
    const hooks = (await sandbox('/__sandbox/webhooks?provider=square&type=payment.created')) as any[];
    const hook = hooks.at(-1);
    const res = await call('/api/v1/webhooks/square', { method: 'POST', headers: hook.headers, body: hook.body });
    expect(res.status).toBe(200);
  });
});
