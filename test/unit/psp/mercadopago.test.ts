import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMercadoPagoProvider } from '../../../dev/sandbox/mercadopago.ts';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { CheckoutInput, CheckoutRef, CheckoutRefundInput } from '../../../src/psp/checkout.ts';
import { MercadoPagoCheckoutAdapter, MercadoPagoLookupError } from '../../../src/psp/mercadopago/client.ts';
import { inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The MercadoPago adapter against the in-process MercadoPago emulator over real HTTP. */
const SECRET = 'mp_unit_webhook_secret';
const TOKEN = 'TEST-6295877106812064-unit-access-token';

const sandbox = useProviderSandbox(createMercadoPagoProvider, { mercadopagoWebhookSecret: SECRET });
let adapter: MercadoPagoCheckoutAdapter;
const { control } = sandbox;

beforeEach(async () => {
  adapter = makeAdapter();
});

function makeAdapter(over: Partial<ConstructorParameters<typeof MercadoPagoCheckoutAdapter>[0]> = {}) {
  return new MercadoPagoCheckoutAdapter({
    apiUrl: `${sandbox.url}/mercadopago`,
    accessToken: TOKEN,
    webhookSecret: SECRET,
    timeoutMs: 10_000,
    ...over,
  });
}

let n = 0;
function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  n++;
  const sessionId = `cko${n.toString(16).padStart(32, '0')}`;
  return {
    sessionId,
    tenantId: 'tenant-1',
    amount: 1050,
    currency: 'USD',
    merchantAccount: '202809963',
    description: 'Concert ticket',
    metadata: { venue: 'v-42' },
    successUrl: 'https://app.example/checkout/return',
    cancelUrl: 'https://app.example/checkout/cancel',
    expiresAt: Date.now() + 2 * 3600_000,
    notificationUrl: `https://edgepay.example/v1/webhooks/mercadopago?session=${sessionId}`,
    idempotencyKey: `checkout-create-${n}`,
    customerEmail: 'payer@example.com',
    ...over,
  };
}

const requests = async (): Promise<RecordedRequest[]> => (await control('GET', '/__sandbox/requests')).body;
const webhooks = async (): Promise<RecordedWebhook[]> => (await control('GET', '/__sandbox/webhooks?provider=mercadopago')).body;

async function created(i: CheckoutInput) {
  const res = await adapter.createSession(i);
  if (!res.ok) throw new Error(`create failed: ${JSON.stringify(res.failure)}`);
  return res.value;
}

const refOf = (i: CheckoutInput, reference: string, paymentReference: string | null): CheckoutRef => ({
  sessionId: i.sessionId,
  reference,
  merchantAccount: i.merchantAccount,
  amount: i.amount,
  currency: i.currency,
  paymentReference,
});

/** Creates, pays in the sandbox and parses the payment.created webhook. */
async function paid(i = input()) {
  const session = await created(i);
  expect((await control('POST', `/__sandbox/complete/mercadopago/${session.reference}`)).body).toEqual({ completed: true, notified: true });
  const [w] = await webhooks();
  const [notification] = await adapter.parseNotification(inbound(w!));
  return { session, input: i, webhook: w!, notification: notification!, ref: refOf(i, session.reference, notification!.paymentReference) };
}

const refundInput = (ref: CheckoutRef, refundAmount: number, refundId: string): CheckoutRefundInput => ({
  ...ref,
  refundId,
  refundAmount,
  idempotencyKey: `refund-${ref.sessionId}-${refundId}`,
});

describe('createSession', () => {
  it('POSTs /checkout/preferences with one item, back URLs, our reference and expiry; test token → sandbox_init_point', async () => {
    const i = input();
    const session = await created(i);
    expect(session.reference).toMatch(/^202809963-[0-9a-f-]{36}$/);
    expect(session.checkoutUrl).toBe(`${sandbox.url}/mercadopago/sandbox/checkout/v1/redirect?pref_id=${session.reference}`);
    expect(session.expiresAt).toBe(i.expiresAt);
    const [req] = await requests();
    expect(req).toMatchObject({ method: 'POST', path: '/checkout/preferences', status: 201 });
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers['x-idempotency-key']).toBe(i.idempotencyKey);
    expect(req!.body).toEqual({
      items: [{ id: i.sessionId, title: 'Concert ticket', quantity: 1, unit_price: 10.5, currency_id: 'USD' }],
      back_urls: { success: i.successUrl, failure: i.cancelUrl, pending: i.successUrl },
      auto_return: 'approved',
      external_reference: i.sessionId,
      notification_url: i.notificationUrl,
      expires: true,
      expiration_date_to: new Date(i.expiresAt).toISOString().replace('Z', '+00:00'),
      metadata: { venue: 'v-42' },
      payer: { email: 'payer@example.com' },
    });
  });

  it('live credentials pay on init_point', async () => {
    const live = await makeAdapter({ accessToken: 'APP_USR-6295877106812064-live' }).createSession(input());
    expect(live.ok && live.value.checkoutUrl).toMatch(/\/mercadopago\/checkout\/v1\/redirect\?pref_id=/);
  });

  it.each([
    ['BRL', 1999, 19.99],
    ['ARS', 100000, 1000],
    ['CLP', 5000, 5000],
    ['COP', 150000, 1500],
    ['MXN', 5, 0.05],
  ])('%s %i minor units → unit_price %d', async (currency, amount, price) => {
    await created(input({ currency, amount }));
    expect(((await requests())[0]!.body as any).items[0]).toMatchObject({ unit_price: price, currency_id: currency });
  });

  it('refuses COP with cents (whole pesos only) and unknown currencies without calling MercadoPago', async () => {
    expect(await adapter.createSession(input({ currency: 'COP', amount: 150050 }))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', code: 'unsupported_amount' },
    });
    expect((await adapter.createSession(input({ currency: 'XXX' }))).ok).toBe(false);
    expect(await requests()).toEqual([]);
  });

  it('the same key replays the same preference; another body with that key is a 409 conflict', async () => {
    const i = input();
    const a = await created(i);
    const b = await created(i);
    expect(b.reference).toBe(a.reference);
    const other = await adapter.createSession({ ...i, amount: 999 });
    expect(other).toMatchObject({ ok: false, failure: { kind: 'conflict', status: 409, code: 'idempotency_key_already_used' } });
  });

  it('a sandbox validation error is invalid_request with the cause code', async () => {
    const res = await adapter.createSession(input({ description: '' }));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 400, code: 'invalid_title', retryable: false } });
    expect(await requests()).toHaveLength(1);
  });
});

describe('sandbox preference validation', () => {
  const post = async (body: unknown) => {
    const res = await fetch(`${sandbox.url}/mercadopago/checkout/preferences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const item = { title: 'T', quantity: 1, unit_price: 10.5, currency_id: 'USD' };

  it.each([
    [{}, 'invalid_items'],
    [{ items: [] }, 'invalid_items'],
    [{ items: [{ ...item, title: undefined }] }, 'invalid_title'],
    [{ items: [{ ...item, unit_price: undefined }] }, 'invalid_unit_price'],
    [{ items: [{ ...item, unit_price: 10.505 }] }, 'invalid_unit_price'],
    [{ items: [{ ...item, quantity: 0 }] }, 'invalid_quantity'],
    [{ items: [item], auto_return: 'approved' }, 'invalid_auto_return'],
    [{ items: [item], notification_url: 'not-a-url' }, 'invalid_notification_url'],
    [{ items: [item], expires: true, expiration_date_to: '2026-02-01' }, 'invalid_date'],
  ])('%j → 400 %s in the MercadoPago error format', async (body, code) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'bad_request', status: 400, cause: [{ code }] });
    expect(typeof res.body.message).toBe('string');
  });

  it('401 without a bearer token', async () => {
    const res = await fetch(`${sandbox.url}/mercadopago/v1/payments/1`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'invalid access token', error: 'unauthorized', status: 401, cause: [] });
  });
});

describe('retrieveSession', () => {
  it('without a payment: open, or expired past expiration_date_to (read from the preference)', async () => {
    const i = input();
    const session = await created(i);
    expect(await adapter.retrieveSession(refOf(i, session.reference, null))).toEqual({
      ok: true,
      value: { status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 },
    });
    expect((await requests()).at(-1)).toMatchObject({ method: 'GET', path: `/checkout/preferences/${session.reference}` });
    const old = input({ expiresAt: Date.now() - 1000 });
    const expired = await created(old);
    expect(await adapter.retrieveSession(refOf(old, expired.reference, null))).toMatchObject({ ok: true, value: { status: 'expired' } });
    expect((await control('POST', `/__sandbox/complete/mercadopago/${expired.reference}`)).body).toEqual({
      completed: true,
      notified: false,
    });
  });

  it('with a payment: GET /v1/payments/{id}; a payment of another session is refused', async () => {
    const { ref } = await paid();
    expect(await adapter.retrieveSession(ref)).toEqual({
      ok: true,
      value: { status: 'succeeded', paymentReference: ref.paymentReference, amountPaid: 1050, amountRefunded: 0 },
    });
    expect(await adapter.retrieveSession({ ...ref, sessionId: 'cko-other' })).toMatchObject({
      ok: false,
      failure: { code: 'payment_mismatch' },
    });
    expect(await adapter.retrieveSession({ ...ref, currency: 'BRL' })).toMatchObject({ ok: false, failure: { code: 'payment_mismatch' } });
    expect(await adapter.retrieveSession({ ...ref, paymentReference: '123' })).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 404, code: '2000' },
    });
  });

  it('cancelSession is a no-op', async () => {
    expect(await adapter.cancelSession(refOf(input(), 'x', null))).toEqual({ ok: true, value: false });
  });
});

describe('notifications', () => {
  it('complete → signed webhook to notification_url (query kept) → fetched payment → succeeded for our session', async () => {
    const { notification, webhook, input: i } = await paid();
    const body = JSON.parse(webhook.body);
    expect(body).toMatchObject({
      live_mode: false,
      type: 'payment',
      api_version: 'v1',
      action: 'payment.created',
      data: { id: expect.any(String) },
    });
    const paymentId = body.data.id;
    expect(webhook.url).toBe(`${i.notificationUrl}&data.id=${paymentId}&type=payment`);
    const [, v1] = /v1=([0-9a-f]{64})/.exec(webhook.headers['x-signature']!)!;
    const ts = /ts=(\d+)/.exec(webhook.headers['x-signature']!)![1];
    expect(v1).toBe(
      createHmac('sha256', SECRET).update(`id:${paymentId};request-id:${webhook.headers['x-request-id']};ts:${ts};`).digest('hex'),
    );
    expect(notification).toEqual({
      provider: 'mercadopago',
      eventId: String(body.id),
      type: 'payment.created',
      sessionId: i.sessionId,
      reference: null,
      paymentReference: paymentId,
      observed: { kind: 'payment', status: 'succeeded', amount: 1050, amountRefunded: 0 },
      occurredAt: Date.parse(body.date_created),
    });
    expect((await requests()).at(-1)).toMatchObject({ method: 'GET', path: `/v1/payments/${paymentId}`, status: 200 });
  });

  it.each([
    ['rejected', 'failed'],
    ['pending', 'processing'],
  ])('a %s payment → %s', async (outcome, status) => {
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { payment: outcome } } });
    const { notification, ref } = await paid();
    expect(notification.observed).toMatchObject({ kind: 'payment', status, amount: 1050 });
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: true, value: { status, amountPaid: 0 } });
  });

  it('a CLP payment reads back in minor units', async () => {
    const { notification } = await paid(input({ currency: 'CLP', amount: 5000 }));
    expect(notification.observed).toMatchObject({ status: 'succeeded', amount: 5000 });
  });

  it('a payment that cannot be read makes parseNotification throw MercadoPagoLookupError (MercadoPago retries)', async () => {
    await created(input()).then((s) => control('POST', `/__sandbox/complete/mercadopago/${s.reference}`));
    const [w] = await webhooks();
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { failRate: 1, failStatus: 503 } } });
    await expect(adapter.parseNotification(inbound(w!))).rejects.toBeInstanceOf(MercadoPagoLookupError);
  });
});

describe('refund', () => {
  it('partial then full: amount in major units, X-Idempotency-Key; partially_refunded then refunded from amounts', async () => {
    const { ref } = await paid();
    const first = await adapter.refund(refundInput(ref, 400, 'rf1'));
    expect(first).toMatchObject({ ok: true, value: { status: 'succeeded', amount: 400 } });
    const req = (await requests()).at(-1)!;
    expect(req).toMatchObject({ method: 'POST', path: `/v1/payments/${ref.paymentReference}/refunds`, status: 201, body: { amount: 4 } });
    expect(req.headers['x-idempotency-key']).toBe(`refund-${ref.sessionId}-rf1`);
    expect(await adapter.retrieveSession(ref)).toMatchObject({
      ok: true,
      value: { status: 'partially_refunded', amountPaid: 1050, amountRefunded: 400 },
    });
    const [updated] = (await webhooks()).filter((w) => w.type === 'payment.updated');
    expect((await adapter.parseNotification(inbound(updated!)))[0]!.observed).toEqual({
      kind: 'payment',
      status: 'partially_refunded',
      amount: 1050,
      amountRefunded: 400,
    });

    expect(await adapter.refund(refundInput(ref, 651, 'rf2'))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', code: 'invalid_refund_amount' },
    });
    expect((await adapter.refund(refundInput(ref, 650, 'rf3'))).ok).toBe(true);
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: true, value: { status: 'refunded', amountRefunded: 1050 } });
    // The same refund again (same key and body) is a replay, not a second refund.
    expect((await adapter.refund(refundInput(ref, 650, 'rf3'))).ok).toBe(true);
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: true, value: { amountRefunded: 1050 } });
  });

  it('in_process refunds are pending until the sandbox approves them; retrieveRefund reads them back', async () => {
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { refunds: 'in_process' } } });
    const { ref } = await paid();
    const r = await adapter.refund(refundInput(ref, 1050, 'rf1'));
    expect(r).toMatchObject({ ok: true, value: { status: 'pending', amount: 1050 } });
    const reference = r.ok ? r.value.reference : '';
    expect(await adapter.retrieveRefund(ref, reference)).toEqual({ ok: true, value: { reference, status: 'pending', amount: 1050 } });
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: true, value: { status: 'succeeded', amountRefunded: 0 } });
    expect((await control('POST', `/__sandbox/complete/mercadopago/${reference}`)).body).toEqual({ completed: true, notified: true });
    expect(await adapter.retrieveRefund(ref, reference)).toMatchObject({ ok: true, value: { status: 'succeeded' } });
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: true, value: { status: 'refunded', amountRefunded: 1050 } });
  });

  it('a rejected refund is failed', async () => {
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { refunds: 'rejected' } } });
    const { ref } = await paid();
    expect(await adapter.refund(refundInput(ref, 100, 'rf1'))).toMatchObject({ ok: true, value: { status: 'failed', amount: 100 } });
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: true, value: { status: 'succeeded', amountRefunded: 0 } });
  });

  it('the sandbox requires X-Idempotency-Key on refunds (cause 4292)', async () => {
    const { ref } = await paid();
    const res = await fetch(`${sandbox.url}/mercadopago/v1/payments/${ref.paymentReference}/refunds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"amount":1}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      message: "Header-X-Idempotency-Key-can't-be-null",
      error: 'bad_request',
      status: 400,
      cause: [{ code: 4292, description: "Header-X-Idempotency-Key-can't-be-null" }],
    });
  });
});

describe('failures', () => {
  it('injected 500s: unavailable and retryable after 3 attempts for POSTs with a key and for reads', async () => {
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { failRate: 1, failStatus: 500 } } });
    const res = await adapter.createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true, status: 500, code: 'internal_server_error' } });
    expect((await requests()).map((r) => r.status)).toEqual([500, 500, 500]);
    const read = await adapter.retrieveSession(refOf(input(), 'pref', '1'));
    expect(read).toMatchObject({ ok: false, failure: { kind: 'unavailable' } });
    expect(await requests()).toHaveLength(6);
  });

  it('timeouts: kind timeout', async () => {
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { timeoutRate: 1, timeoutMs: 5000 } } });
    const res = await makeAdapter({ timeoutMs: 150 }).createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
  });

  it('no token is 401 authentication; failure messages never contain the token or secret', async () => {
    const noToken = await makeAdapter({ accessToken: '' }).createSession(input());
    expect(noToken).toMatchObject({ ok: false, failure: { kind: 'authentication', status: 401 } });
    const messages: string[] = [];
    const missing = await adapter.retrieveSession(refOf(input(), 'pref', '42'));
    if (!missing.ok) messages.push(missing.failure.message);
    await control('POST', '/__sandbox/config', { providers: { mercadopago: { failRate: 1 } } });
    const failed = await adapter.createSession(input());
    if (!failed.ok) messages.push(failed.failure.message);
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).not.toContain(TOKEN);
      expect(m).not.toContain(SECRET);
    }
  });
});
