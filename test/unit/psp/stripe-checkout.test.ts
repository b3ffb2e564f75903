import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import { createStripeProvider } from '../../../dev/sandbox/stripe.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { CheckoutInput, CheckoutRef, CheckoutRefundInput, InboundNotification } from '../../../src/psp/checkout.ts';
import { WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { createStripe, StripeCheckoutAdapter } from '../../../src/psp/stripe/client.ts';
import {
  checkoutExpiresAt,
  STRIPE_CHECKOUT_EXPIRY_SLACK_S,
  STRIPE_CHECKOUT_MAX_EXPIRY_S,
  STRIPE_CHECKOUT_MIN_EXPIRY_S,
} from '../../../src/psp/stripe/requests.ts';
import {
  chargeCheckoutStatus,
  checkoutErrorToFailure,
  checkoutSessionStatus,
  checkoutSnapshot,
  fromStripeAmount,
  paymentIntentCheckoutStatus,
  redactStripeSecrets,
  refundCheckoutStatus,
  toStripeAmount,
} from '../../../src/psp/stripe/transformers.ts';
import { inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The Stripe checkout adapter (official stripe package) against the in-process Stripe emulator over real HTTP. */
const SECRET = 'whsec_unit_checkout_secret';
const KEY = 'sk_test_unit_checkout_key_0123456789';

const sandbox = useProviderSandbox(createStripeProvider, { stripeWebhookSecret: SECRET });
let adapter: StripeCheckoutAdapter;
const { control } = sandbox;

beforeEach(async () => {
  adapter = makeAdapter();
});

/** False in tests that send invalid requests on purpose (the emulator's own validation). */
let adapterOnly = true;

afterEach(async () => {
  // Every request the adapter sent validates against the official OpenAPI extract (dev/sandbox/contract.ts).
  const violations = (await control('GET', '/__sandbox/contract-violations')).body as RecordedRequest[];
  if (adapterOnly) expect(violations.map((r) => ({ path: r.path, contract: r.contract }))).toEqual([]);
  adapterOnly = true;
});

function makeAdapter(over: { secretKey?: string; timeoutMs?: number; webhookSecret?: string } = {}) {
  const timeoutMs = over.timeoutMs ?? 10_000;
  const stripe = createStripe({ secretKey: over.secretKey ?? KEY, baseUrl: `${sandbox.url}/stripe`, timeoutMs });
  return new StripeCheckoutAdapter(stripe, { webhookSecret: over.webhookSecret ?? SECRET, timeoutMs });
}

let n = 0;
function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  n++;
  return {
    sessionId: `cko${n.toString(16).padStart(32, 'a')}`,
    tenantId: 'tenant-1',
    amount: 1050,
    currency: 'USD',
    merchantAccount: 'acct_1VenueDest',
    description: 'Concert ticket',
    metadata: { venue: 'v-42' },
    successUrl: 'https://app.example/checkout/return',
    cancelUrl: 'https://app.example/checkout/cancel',
    expiresAt: Date.now() + 2 * 3600_000,
    notificationUrl: 'https://app.example/v1/webhooks/stripe',
    idempotencyKey: `checkout-create-${n}-${Date.now()}`,
    customerEmail: 'payer@example.com',
    ...over,
  };
}

const requests = async (path?: string): Promise<RecordedRequest[]> =>
  ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => !path || r.path === path);
const webhooks = async (type?: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks?provider=stripe${type ? `&type=${type}` : ''}`)).body;
const form = (r: RecordedRequest | undefined) => r?.body as Record<string, string>;

async function created(i: CheckoutInput) {
  const res = await adapter.createSession(i);
  if (!res.ok) throw new Error(`create failed: ${JSON.stringify(res.failure)}`);
  return res.value;
}

function ref(i: CheckoutInput, reference: string, paymentReference: string | null = null): CheckoutRef {
  return {
    sessionId: i.sessionId,
    reference,
    merchantAccount: i.merchantAccount,
    amount: i.amount,
    currency: i.currency,
    paymentReference,
  };
}

async function notificationsFor(type: string) {
  const [w] = await webhooks(type);
  expect(w, `a ${type} webhook`).toBeDefined();
  return adapter.parseNotification(inbound(w!));
}

async function paid(i = input()) {
  const session = await created(i);
  expect((await control('POST', `/__sandbox/complete/stripe/${session.reference}`)).body).toEqual({ completed: true, notified: true });
  const [notification] = await notificationsFor('checkout.session.completed');
  return { session, notification: notification!, input: i };
}

function refundInput(
  i: CheckoutInput,
  reference: string,
  paymentReference: string | null,
  refundAmount: number,
  refundId: string,
): CheckoutRefundInput {
  return { ...ref(i, reference, paymentReference), refundId, refundAmount, idempotencyKey: `refund-${i.sessionId}-${refundId}` };
}

describe('createSession', () => {
  it('creates a payment-mode session with our ids in metadata, on the PaymentIntent and in client_reference_id', async () => {
    const i = input();
    const session = await created(i);
    expect(session.reference).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
    expect(session.checkoutUrl).toBe(`${sandbox.url}/stripe/checkout/${session.reference}`);
    expect(session.expiresAt).toBe(Math.floor(i.expiresAt / 1000) * 1000);
    const [req] = await requests('/v1/checkout/sessions');
    expect(req!.method).toBe('POST');
    expect(req!.headers['idempotency-key']).toBe(i.idempotencyKey);
    expect(req!.contract).toEqual({ operation: 'POST /v1/checkout/sessions', errors: [] });
    expect(form(req)).toEqual({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '1050',
      'line_items[0][price_data][product_data][name]': 'Concert ticket',
      'line_items[0][quantity]': '1',
      success_url: i.successUrl,
      cancel_url: i.cancelUrl,
      expires_at: String(Math.floor(i.expiresAt / 1000)),
      client_reference_id: i.sessionId,
      'metadata[venue]': 'v-42',
      'metadata[edgepay_session_id]': i.sessionId,
      'metadata[edgepay_tenant_id]': 'tenant-1',
      'payment_intent_data[metadata][edgepay_session_id]': i.sessionId,
      'payment_intent_data[metadata][edgepay_tenant_id]': 'tenant-1',
      'payment_intent_data[transfer_data][destination]': 'acct_1VenueDest',
      customer_email: 'payer@example.com',
    });
  });

  it('sends JPY (zero-decimal) as whole yen, ISK ×100 (two-decimal on Stripe), and no destination for a non-acct merchant', async () => {
    await created(input({ amount: 500, currency: 'JPY', merchantAccount: 'platform', customerEmail: undefined }));
    await created(input({ amount: 500, currency: 'ISK' }));
    const [jpy, isk] = (await requests('/v1/checkout/sessions')).map(form);
    expect(jpy).toMatchObject({ 'line_items[0][price_data][currency]': 'jpy', 'line_items[0][price_data][unit_amount]': '500' });
    expect(jpy!['payment_intent_data[transfer_data][destination]']).toBeUndefined();
    expect(jpy!.customer_email).toBeUndefined();
    expect(isk).toMatchObject({ 'line_items[0][price_data][currency]': 'isk', 'line_items[0][price_data][unit_amount]': '50000' });
  });

  it('clamps expiresAt into Stripe’s 30 min … 24 h window', async () => {
    const before = Math.floor(Date.now() / 1000);
    await created(input({ expiresAt: Date.now() + 60_000 }));
    await created(input({ expiresAt: Date.now() + 3 * 86_400_000 }));
    const after = Math.floor(Date.now() / 1000);
    const [soon, late] = (await requests('/v1/checkout/sessions')).map((r) => Number(form(r).expires_at));
    expect(soon).toBeGreaterThanOrEqual(before + 30 * 60);
    expect(soon).toBeLessThanOrEqual(after + 30 * 60 + 300);
    expect(late).toBeLessThanOrEqual(after + 86_400);
    expect(late).toBeGreaterThanOrEqual(before + 86_400 - 300);
  });

  it('a retried create with the same key is the same session', async () => {
    const i = input();
    const first = await created(i);
    const again = await created(i);
    expect(again.reference).toBe(first.reference);
  });

  it('refuses a three-decimal amount Stripe cannot take without calling Stripe', async () => {
    const res = await adapter.createSession(input({ amount: 1005, currency: 'KWD' }));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'invalid_request', retryable: false } });
    expect(await requests('/v1/checkout/sessions')).toHaveLength(0);
  });
});

describe('payment and read-back', () => {
  it('an open session reads back open with nothing paid', async () => {
    const i = input();
    const session = await created(i);
    expect(await adapter.retrieveSession(ref(i, session.reference))).toEqual({
      ok: true,
      value: { status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 },
    });
    const [get] = await requests(`/v1/checkout/sessions/${session.reference}`);
    expect(get!.query).toEqual({ 'expand[0]': 'payment_intent', 'expand[1]': 'payment_intent.latest_charge' });
    expect(get!.contract).toEqual({ operation: 'GET /v1/checkout/sessions/{session}', errors: [] });
  });

  it('the customer pays: checkout.session.completed → succeeded with the amount, and the read-back agrees', async () => {
    const { session, notification, input: i } = await paid();
    expect(notification).toMatchObject({
      provider: 'stripe',
      type: 'checkout.session.completed',
      sessionId: i.sessionId,
      reference: session.reference,
      observed: { kind: 'payment', status: 'succeeded', amount: 1050 },
    });
    expect(notification.paymentReference).toMatch(/^pi_/);
    const [w] = await webhooks('checkout.session.completed');
    expect(notification.eventId).toBe(w!.eventId);
    expect(await adapter.retrieveSession(ref(i, session.reference))).toEqual({
      ok: true,
      value: { status: 'succeeded', paymentReference: notification.paymentReference, amountPaid: 1050, amountRefunded: 0 },
    });
    // The PaymentIntent events carry our metadata but are not checkout notifications.
    expect(await notificationsFor('payment_intent.succeeded')).toEqual([]);
  });

  it('a zero-decimal session pays the whole-yen amount', async () => {
    const i = input({ amount: 500, currency: 'JPY' });
    const { session, notification } = await paid(i);
    expect(notification.observed).toEqual({ kind: 'payment', status: 'succeeded', amount: 500 });
    const snapshot = await adapter.retrieveSession(ref(i, session.reference));
    expect(snapshot).toMatchObject({ ok: true, value: { status: 'succeeded', amountPaid: 500 } });
  });

  it('delayed payment: completed + unpaid → processing, then async_payment_succeeded → succeeded', async () => {
    await control('POST', '/__sandbox/config', { providers: { stripe: { checkout: 'delayed' } } });
    const { session, notification, input: i } = await paid();
    expect(notification.observed).toEqual({ kind: 'payment', status: 'processing', amount: null });
    expect(await adapter.retrieveSession(ref(i, session.reference))).toMatchObject({
      ok: true,
      value: { status: 'processing', amountPaid: 0 },
    });
    await control('POST', `/__sandbox/complete/stripe/${session.reference}`);
    const [settled] = await notificationsFor('checkout.session.async_payment_succeeded');
    expect(settled).toMatchObject({ sessionId: i.sessionId, observed: { kind: 'payment', status: 'succeeded', amount: 1050 } });
    expect(await adapter.retrieveSession(ref(i, session.reference))).toMatchObject({
      ok: true,
      value: { status: 'succeeded', amountPaid: 1050 },
    });
  });

  it('delayed payment that fails: async_payment_failed → failed, and the read-back says failed', async () => {
    await control('POST', '/__sandbox/config', { providers: { stripe: { checkout: 'delayed_failure' } } });
    const { session, input: i } = await paid();
    await control('POST', `/__sandbox/complete/stripe/${session.reference}`);
    const [failed] = await notificationsFor('checkout.session.async_payment_failed');
    expect(failed).toMatchObject({ sessionId: i.sessionId, observed: { kind: 'payment', status: 'failed', amount: null } });
    expect(await adapter.retrieveSession(ref(i, session.reference))).toMatchObject({
      ok: true,
      value: { status: 'failed', amountPaid: 0 },
    });
  });
});

describe('refunds', () => {
  it('partial then full refund: statuses and amounts from the charge, refund notifications routed by metadata', async () => {
    const { session, notification, input: i } = await paid();
    const pi = notification.paymentReference!;
    const first = await adapter.refund(refundInput(i, session.reference, pi, 300, 'rf_1'));
    expect(first).toMatchObject({ ok: true, value: { status: 'succeeded', amount: 300 } });
    const [req] = await requests('/v1/refunds');
    expect(form(req)).toEqual({
      payment_intent: pi,
      amount: '300',
      'metadata[edgepay_session_id]': i.sessionId,
      'metadata[edgepay_refund_id]': 'rf_1',
    });
    expect(req!.headers['idempotency-key']).toBe(`refund-${i.sessionId}-rf_1`);
    expect(req!.contract).toEqual({ operation: 'POST /v1/refunds', errors: [] });
    expect(await adapter.retrieveSession(ref(i, session.reference, pi))).toEqual({
      ok: true,
      value: { status: 'partially_refunded', paymentReference: pi, amountPaid: 1050, amountRefunded: 300 },
    });
    const [chargeRefunded] = await notificationsFor('charge.refunded');
    expect(chargeRefunded).toMatchObject({
      sessionId: i.sessionId,
      paymentReference: pi,
      observed: { kind: 'payment', status: 'partially_refunded', amount: 1050, amountRefunded: 300 },
    });
    const [refundCreated] = await notificationsFor('refund.created');
    expect(refundCreated).toMatchObject({
      sessionId: i.sessionId,
      paymentReference: pi,
      observed: {
        kind: 'refund',
        refundReference: first.ok ? first.value.reference : '',
        refundId: 'rf_1',
        status: 'succeeded',
        amount: 300,
      },
    });

    expect(await adapter.refund(refundInput(i, session.reference, pi, 750, 'rf_2'))).toMatchObject({
      ok: true,
      value: { status: 'succeeded', amount: 750 },
    });
    expect(await adapter.retrieveSession(ref(i, session.reference, pi))).toMatchObject({
      ok: true,
      value: { status: 'refunded', amountRefunded: 1050 },
    });
    const last = (await webhooks('charge.refunded')).at(-1)!;
    expect((await adapter.parseNotification(inbound(last)))[0]?.observed).toEqual({
      kind: 'payment',
      status: 'refunded',
      amount: 1050,
      amountRefunded: 1050,
    });
  });

  it('finds the PaymentIntent from the session when the ref has none; a retried refund is the same refund', async () => {
    const { session, input: i } = await paid();
    const r = refundInput(i, session.reference, null, 1050, 'rf_full');
    const first = await adapter.refund(r);
    const again = await adapter.refund(r);
    expect(first).toMatchObject({ ok: true, value: { status: 'succeeded', amount: 1050 } });
    expect(again).toEqual(first);
    expect(await adapter.retrieveSession(ref(i, session.reference))).toMatchObject({ ok: true, value: { status: 'refunded' } });
  });

  it('a pending refund reads back pending, then succeeded once it settles', async () => {
    await control('POST', '/__sandbox/config', { providers: { stripe: { refunds: 'pending' } } });
    const { session, notification, input: i } = await paid();
    const res = await adapter.refund(refundInput(i, session.reference, notification.paymentReference, 500, 'rf_p'));
    if (!res.ok) throw new Error('refund failed');
    expect(res.value).toMatchObject({ status: 'pending', amount: 500 });
    const r = ref(i, session.reference, notification.paymentReference);
    expect(await adapter.retrieveRefund(r, res.value.reference)).toEqual({ ok: true, value: res.value });
    await control('POST', `/__sandbox/complete/stripe/${res.value.reference}`);
    expect(await adapter.retrieveRefund(r, res.value.reference)).toEqual({ ok: true, value: { ...res.value, status: 'succeeded' } });
    const [updated] = await notificationsFor('refund.updated');
    expect(updated?.observed).toMatchObject({ kind: 'refund', refundId: 'rf_p', status: 'succeeded', amount: 500 });
  });

  it('refusing to refund an unpaid session is an invalid request, not a call to Stripe', async () => {
    const i = input();
    const session = await created(i);
    expect(await adapter.refund(refundInput(i, session.reference, null, 100, 'rf_x'))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', retryable: false },
    });
    expect(await requests('/v1/refunds')).toHaveLength(0);
  });
});

describe('cancelSession', () => {
  it('expires an open session (checkout.session.expired → expired); cancelling again is idempotent', async () => {
    const i = input();
    const session = await created(i);
    expect(await adapter.cancelSession(ref(i, session.reference))).toEqual({ ok: true, value: true });
    const [expire] = await requests(`/v1/checkout/sessions/${session.reference}/expire`);
    expect(expire!.contract).toEqual({ operation: 'POST /v1/checkout/sessions/{session}/expire', errors: [] });
    expect(await adapter.retrieveSession(ref(i, session.reference))).toMatchObject({ ok: true, value: { status: 'expired' } });
    const [expired] = await notificationsFor('checkout.session.expired');
    expect(expired).toMatchObject({
      sessionId: i.sessionId,
      reference: session.reference,
      observed: { kind: 'payment', status: 'expired', amount: null },
    });
    // Cancelling again repeats the same keyed request: Stripe replays the first answer, no second expiry.
    expect(await adapter.cancelSession(ref(i, session.reference))).toEqual({ ok: true, value: true });
    expect(await webhooks('checkout.session.expired')).toHaveLength(1);
    // The sandbox's customer cannot pay an expired session.
    expect(await control('POST', `/__sandbox/complete/stripe/${session.reference}`)).toEqual({
      status: 409,
      body: { completed: false, notified: false, status: 409 },
    });
    expect(await webhooks('checkout.session.completed')).toHaveLength(0);
  });

  it('a paid session cannot be cancelled: ok(false)', async () => {
    const { session, input: i } = await paid();
    expect(await adapter.cancelSession(ref(i, session.reference))).toEqual({ ok: true, value: false });
  });
});

describe('createPaymentLink', () => {
  it('creates a Price with an inline product, then a link with it; a paid link notifies through its session metadata', async () => {
    const sessionId = `cko${'b'.repeat(32)}`;
    const res = await adapter.createPaymentLink({
      amount: 2500,
      currency: 'EUR',
      description: 'Recovered order',
      metadata: { edgepay_session_id: sessionId, recovery: 'r-1' },
      idempotencyKey: 'recovery-r-1',
    });
    if (!res.ok) throw new Error(JSON.stringify(res.failure));
    expect(res.value.id).toMatch(/^plink_/);
    expect(res.value.url).toMatch(/^http/);
    const [price] = await requests('/v1/prices');
    expect(form(price)).toEqual({ currency: 'eur', unit_amount: '2500', 'product_data[name]': 'Recovered order' });
    expect(price!.headers['idempotency-key']).toBe('recovery-r-1:price');
    const [link] = await requests('/v1/payment_links');
    expect(form(link)).toEqual({
      'line_items[0][price]': (price!.response as { id: string }).id,
      'line_items[0][quantity]': '1',
      'metadata[edgepay_session_id]': sessionId,
      'metadata[recovery]': 'r-1',
    });
    expect(link!.headers['idempotency-key']).toBe('recovery-r-1:link');
    expect([price!.contract, link!.contract]).toEqual([
      { operation: 'POST /v1/prices', errors: [] },
      { operation: 'POST /v1/payment_links', errors: [] },
    ]);

    expect((await control('POST', `/__sandbox/complete/stripe/${res.value.id}`)).body).toEqual({ completed: true, notified: true });
    const [w] = await webhooks('checkout.session.completed');
    expect(JSON.parse(w!.body).data.object).toMatchObject({
      payment_link: res.value.id,
      metadata: { recovery: 'r-1' },
      amount_total: 2500,
    });
    const [notification] = await adapter.parseNotification(inbound(w!));
    expect(notification).toMatchObject({ sessionId, observed: { kind: 'payment', status: 'succeeded', amount: 2500 } });
  });
});

describe('failures', () => {
  it('5xx: a keyed create is tried three times, then unavailable and retryable', async () => {
    await control('POST', '/__sandbox/config', { providers: { stripe: { failRate: 1, failStatus: 500 } } });
    const res = await adapter.createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true, status: 500 } });
    const attempts = await requests('/v1/checkout/sessions');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });

  it('a validation error (400) is invalid_request and not retried', async () => {
    const res = await adapter.createSession(input({ description: '' }));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'invalid_request', retryable: false, status: 400 } });
    expect(await requests('/v1/checkout/sessions')).toHaveLength(1);
  });

  it('a timeout is kind timeout, tried once: the attempt used the whole operation’s time', async () => {
    await control('POST', '/__sandbox/config', { providers: { stripe: { timeoutRate: 1, timeoutMs: 3000 } } });
    const slow = makeAdapter({ timeoutMs: 150 });
    const i = input();
    const res = await slow.retrieveSession(ref(i, 'cs_test_missing'));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    expect(await requests('/v1/checkout/sessions/cs_test_missing')).toHaveLength(1);
  });

  it('a refused key is an authentication failure whose message does not carry the key', async () => {
    const badKey = 'sk_test_refused-key-0123456789abcdef';
    const res = await makeAdapter({ secretKey: badKey }).createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'authentication', retryable: false, status: 401 } });
    if (res.ok) return;
    expect(res.failure.message).not.toContain(badKey);
    expect(res.failure.message).not.toMatch(/sk_test_/);
    expect(await requests('/v1/checkout/sessions')).toHaveLength(1);
  });

  it('an unknown session is invalid_request (404)', async () => {
    const i = input();
    expect(await adapter.retrieveSession(ref(i, 'cs_test_nope'))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 404 },
    });
  });
});

describe('parseNotification (Stripe-Signature)', () => {
  const body = (object: Record<string, unknown>, type = 'checkout.session.completed') =>
    JSON.stringify({ id: 'evt_unit_1', object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
  const sessionObject = (sessionId: string) => ({
    id: 'cs_test_unit',
    object: 'checkout.session',
    status: 'complete',
    payment_status: 'paid',
    amount_total: 1050,
    currency: 'usd',
    client_reference_id: sessionId,
    metadata: { edgepay_session_id: sessionId },
    payment_intent: 'pi_unit',
  });
  /** Signed independently of the adapter: HMAC-SHA256 over `${t}.${body}`, key = the whsec_ string as UTF-8. */
  const sign = (raw: string, t = Math.floor(Date.now() / 1000), secret = SECRET) =>
    `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${raw}`, 'utf8').digest('hex')}`;
  const request = (raw: string, signature?: string, method: 'GET' | 'POST' = 'POST'): InboundNotification => ({
    method,
    url: 'https://app.example/v1/webhooks/stripe',
    headers: signature === undefined ? { 'content-type': 'application/json' } : { 'stripe-signature': signature },
    rawBody: raw,
  });
  const sid = `cko${'c'.repeat(32)}`;

  it('matches the Stripe-Signature test vector with node:crypto, and the adapter rejects it as stale', async () => {
    const vector = '{"id":"evt_test","object":"event"}';
    expect(createHmac('sha256', 'whsec_test_secret').update(`1700000000.${vector}`).digest('hex')).toBe(
      '8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724',
    );
    const a = makeAdapter({ webhookSecret: 'whsec_test_secret' });
    await expect(
      a.parseNotification(request(vector, 't=1700000000,v1=8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724')),
    ).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it('accepts an independently signed event (any of several v1 signatures) and maps it', async () => {
    const raw = body(sessionObject(sid));
    const t = Math.floor(Date.now() / 1000);
    const rotated = `${sign(raw, t, 'whsec_old_secret')},${sign(raw, t).split(',')[1]}`;
    for (const signature of [sign(raw), rotated]) {
      expect(await adapter.parseNotification(request(raw, signature))).toEqual([
        {
          provider: 'stripe',
          eventId: 'evt_unit_1',
          type: 'checkout.session.completed',
          sessionId: sid,
          reference: 'cs_test_unit',
          paymentReference: 'pi_unit',
          observed: { kind: 'payment', status: 'succeeded', amount: 1050 },
          occurredAt: JSON.parse(raw).created * 1000,
        },
      ]);
    }
  });

  it.each([
    ['a tampered body', (raw: string) => request(raw.replace('1050', '1'), sign(raw))],
    ['a wrong secret', (raw: string) => request(raw, sign(raw, undefined, 'whsec_wrong'))],
    ['a missing header', (raw: string) => request(raw)],
    ['a malformed header', (raw: string) => request(raw, 'v1=abc')],
    ['a stale timestamp (301 s)', (raw: string) => request(raw, sign(raw, Math.floor(Date.now() / 1000) - 301))],
    ['a GET', (raw: string) => request(raw, sign(raw), 'GET')],
  ])('rejects %s with WebhookVerificationError', async (_name, make) => {
    await expect(adapter.parseNotification(make(body(sessionObject(sid))))).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it('rejects a correctly signed body that is not an event (WebhookPayloadError)', async () => {
    for (const raw of ['not json', '[]', 'null', '{"id":"evt_1"}']) {
      await expect(adapter.parseNotification(request(raw, sign(raw)))).rejects.toBeInstanceOf(WebhookPayloadError);
    }
  });

  it('ignores events without our session id (the ticket-payment flow) and types it does not map', async () => {
    const ticket = body(
      { id: 'pi_t', object: 'payment_intent', status: 'succeeded', amount: 100, currency: 'usd', metadata: { transaction_id: 'tx_1' } },
      'payment_intent.succeeded',
    );
    expect(await adapter.parseNotification(request(ticket, sign(ticket)))).toEqual([]);
    const foreignSession = body({ ...sessionObject(sid), metadata: {}, client_reference_id: 'order-77' });
    expect(await adapter.parseNotification(request(foreignSession, sign(foreignSession)))).toEqual([]);
    const dispute = body(
      {
        id: 'du_1',
        object: 'dispute',
        amount: 100,
        currency: 'usd',
        status: 'needs_response',
        reason: 'fraudulent',
        charge: 'ch_1',
        payment_intent: 'pi_t',
        metadata: { edgepay_session_id: sid },
      },
      'charge.dispute.created',
    );
    expect(await adapter.parseNotification(request(dispute, sign(dispute)))).toEqual([]);
  });

  it('routes by client_reference_id when the metadata is gone', async () => {
    const raw = body({ ...sessionObject(sid), metadata: {} });
    expect((await adapter.parseNotification(request(raw, sign(raw))))[0]?.sessionId).toBe(sid);
  });
});

describe('transformers', () => {
  it.each([
    [{ status: 'requires_payment_method', last_payment_error: null }, 'open'],
    [{ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } }, 'failed'],
    [{ status: 'requires_confirmation', last_payment_error: null }, 'open'],
    [{ status: 'requires_action', last_payment_error: null }, 'open'],
    [{ status: 'processing', last_payment_error: null }, 'processing'],
    [{ status: 'requires_capture', last_payment_error: null }, 'processing'],
    [{ status: 'succeeded', last_payment_error: null }, 'succeeded'],
    [{ status: 'canceled', last_payment_error: null }, 'canceled'],
  ] as const)('PaymentIntent %o → %s', (intent, expected) => {
    expect(paymentIntentCheckoutStatus(intent)).toBe(expected);
  });

  it.each([
    ['open', 'unpaid', 'open'],
    ['complete', 'paid', 'succeeded'],
    ['complete', 'no_payment_required', 'succeeded'],
    ['complete', 'unpaid', 'processing'],
    ['expired', 'unpaid', 'expired'],
  ] as const)('session %s + %s → %s', (status, payment_status, expected) => {
    expect(checkoutSessionStatus({ status, payment_status }, null)).toBe(expected);
  });

  it('charge and refund rows: refunded / partially_refunded from amounts; refund statuses', () => {
    expect(chargeCheckoutStatus({ amount: 1000, amount_refunded: 1000, refunded: true })).toBe('refunded');
    expect(chargeCheckoutStatus({ amount: 1000, amount_refunded: 400, refunded: false })).toBe('partially_refunded');
    expect(chargeCheckoutStatus({ amount: 1000, amount_refunded: 0, refunded: false })).toBe('succeeded');
    expect(refundCheckoutStatus({ status: 'pending' })).toBe('pending');
    expect(refundCheckoutStatus({ status: 'requires_action' })).toBe('pending');
    expect(refundCheckoutStatus({ status: 'succeeded' })).toBe('succeeded');
    expect(refundCheckoutStatus({ status: 'failed' })).toBe('failed');
    expect(refundCheckoutStatus({ status: 'canceled' })).toBe('failed');
  });

  it('a paid session with an expanded charge: refunded amounts decide the status', () => {
    const session = (amountRefunded: number) =>
      ({
        id: 'cs_1',
        object: 'checkout.session',
        status: 'complete',
        payment_status: 'paid',
        amount_total: 50000,
        currency: 'isk',
        url: null,
        expires_at: 1,
        payment_intent: {
          id: 'pi_1',
          object: 'payment_intent',
          amount: 50000,
          amount_received: 50000,
          currency: 'isk',
          status: 'succeeded',
          latest_charge: {
            id: 'ch_1',
            object: 'charge',
            amount: 50000,
            amount_refunded: amountRefunded,
            currency: 'isk',
            status: 'succeeded',
          },
        },
      }) as const;
    expect(checkoutSnapshot(session(10000), 'ISK')).toEqual({
      ok: true,
      value: { status: 'partially_refunded', paymentReference: 'pi_1', amountPaid: 500, amountRefunded: 100 },
    });
    expect(checkoutSnapshot(session(50000), 'ISK')).toMatchObject({ ok: true, value: { status: 'refunded', amountRefunded: 500 } });
    // 100.50 ISK is not an amount Stripe can hold for a whole-króna currency: a mismatch, not a rounding.
    expect(checkoutSnapshot(session(10050), 'ISK')).toMatchObject({ ok: false, failure: { kind: 'invalid_request' } });
  });

  it('amounts: minor units, zero-decimal, ISK ×100, three-decimal multiples of 10, unknown currencies refused', () => {
    expect(toStripeAmount(1050, 'USD')).toEqual({ ok: true, value: 1050 });
    expect(toStripeAmount(500, 'JPY')).toEqual({ ok: true, value: 500 });
    expect(toStripeAmount(500, 'CLP')).toEqual({ ok: true, value: 500 });
    expect(toStripeAmount(500, 'ISK')).toEqual({ ok: true, value: 50000 });
    expect(toStripeAmount(12340, 'KWD')).toEqual({ ok: true, value: 12340 });
    expect(toStripeAmount(12345, 'KWD').ok).toBe(false);
    expect(toStripeAmount(100, 'XYZ').ok).toBe(false);
    for (const bad of [0, -1, 10.5, Number.NaN]) expect(toStripeAmount(bad, 'USD').ok).toBe(false);
    expect(fromStripeAmount(1050, 'usd')).toBe(1050);
    expect(fromStripeAmount(50000, 'isk')).toBe(500);
    expect(fromStripeAmount(50050, 'isk')).toBeNull();
    expect(fromStripeAmount(10.5, 'usd')).toBeNull();
    expect(fromStripeAmount(-1, 'usd')).toBeNull();
    expect(fromStripeAmount('1050', 'usd')).toBeNull();
  });

  it('expires_at is clamped to [now + 30 min + slack, now + 24 h − slack]', () => {
    const now = 1_700_000_000_500;
    const nowS = 1_700_000_000;
    expect(checkoutExpiresAt(now + 3_600_000, now)).toBe(nowS + 3600);
    expect(checkoutExpiresAt(now, now)).toBe(nowS + STRIPE_CHECKOUT_MIN_EXPIRY_S + STRIPE_CHECKOUT_EXPIRY_SLACK_S);
    expect(checkoutExpiresAt(now + 7 * 86_400_000, now)).toBe(nowS + STRIPE_CHECKOUT_MAX_EXPIRY_S - STRIPE_CHECKOUT_EXPIRY_SLACK_S);
  });

  it('error messages lose anything key-shaped', () => {
    expect(redactStripeSecrets('Invalid API Key provided: sk_test_abc123 and whsec_abc')).toBe(
      'Invalid API Key provided: [redacted] and [redacted]',
    );
    expect(
      checkoutErrorToFailure({ type: 'StripeConnectionError', message: 'Request aborted due to timeout being reached (150ms)' }),
    ).toMatchObject({
      kind: 'timeout',
      retryable: true,
    });
    expect(checkoutErrorToFailure({ type: 'StripeAPIError', statusCode: 503, message: 'down' })).toMatchObject({
      kind: 'unavailable',
      retryable: true,
    });
  });
});

describe('Stripe emulator: checkout endpoints', () => {
  /** A form POST/GET straight to the emulator, for requests the adapter never sends. */
  async function raw(method: string, path: string, params?: Record<string, string>) {
    adapterOnly = false;
    const res = await fetch(`${sandbox.url}/stripe${path}${method === 'GET' && params ? `?${new URLSearchParams(params)}` : ''}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: method === 'POST' && params ? new URLSearchParams(params).toString() : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  const now = () => Math.floor(Date.now() / 1000);
  const valid = () => ({
    mode: 'payment',
    success_url: 'https://app.example/ok',
    'line_items[0][price_data][currency]': 'usd',
    'line_items[0][price_data][unit_amount]': '700',
    'line_items[0][price_data][product_data][name]': 'Seat',
    'line_items[0][quantity]': '2',
  });
  const without = (key: string) => Object.fromEntries(Object.entries(valid()).filter(([k]) => !k.startsWith(key)));

  it.each([
    ['success_url', without('success_url'), 'success_url'],
    ['line_items', without('line_items'), 'line_items'],
    ['mode', without('mode'), 'mode'],
    ['quantity', without('line_items[0][quantity]'), 'line_items[0][quantity]'],
    ['product name', without('line_items[0][price_data][product_data]'), 'line_items[0][price_data][product]'],
  ])('create without %s → 400 invalid_request_error naming the param', async (_name, params, param) => {
    const res = await raw('POST', '/v1/checkout/sessions', params);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });

  it('expires_at must be 30 minutes … 24 hours ahead', async () => {
    for (const at of [now() + 10 * 60, now() + 25 * 3600]) {
      const res = await raw('POST', '/v1/checkout/sessions', { ...valid(), expires_at: String(at) });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'expires_at' });
    }
    const ok = await raw('POST', '/v1/checkout/sessions', { ...valid(), expires_at: String(now() + 3600) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 1400,
      currency: 'usd',
      payment_intent: null,
    });
  });

  it('expands line_items, refuses unknown expansions, and expires only open sessions', async () => {
    const created = await raw('POST', '/v1/checkout/sessions', valid());
    const id = created.body.id;
    const got = await raw('GET', `/v1/checkout/sessions/${id}`, { 'expand[0]': 'line_items' });
    expect(got.body.line_items.data[0]).toMatchObject({
      object: 'item',
      quantity: 2,
      amount_total: 1400,
      description: 'Seat',
      price: { unit_amount: 700 },
    });
    expect((await raw('GET', `/v1/checkout/sessions/${id}`, { 'expand[0]': 'customer' })).body.error.param).toBe('expand');
    expect((await raw('POST', `/v1/checkout/sessions/${id}/expire`)).body).toMatchObject({ status: 'expired', url: null });
    const again = await raw('POST', `/v1/checkout/sessions/${id}/expire`);
    expect(again.status).toBe(400);
    expect(again.body.error.type).toBe('invalid_request_error');
    expect((await raw('GET', '/v1/checkout/sessions/cs_test_unknown')).status).toBe(404);
  });

  it('prices need a currency, an amount and a product; payment links need existing prices and quantities', async () => {
    expect((await raw('POST', '/v1/prices', { unit_amount: '100', 'product_data[name]': 'x' })).body.error.param).toBe('currency');
    expect((await raw('POST', '/v1/prices', { currency: 'usd', 'product_data[name]': 'x' })).body.error.param).toBe('unit_amount');
    expect((await raw('POST', '/v1/prices', { currency: 'usd', unit_amount: '100' })).body.error.param).toBe('product');
    expect((await raw('POST', '/v1/prices', { currency: 'usd', unit_amount: '100', product: 'prod_missing' })).status).toBe(400);
    const product = await raw('POST', '/v1/products', { name: 'Ticket' });
    expect(product.body).toMatchObject({ object: 'product', name: 'Ticket', active: true });
    const price = await raw('POST', '/v1/prices', { currency: 'usd', unit_amount: '100', product: product.body.id });
    expect(price.body).toMatchObject({ object: 'price', type: 'one_time', unit_amount: 100, product: product.body.id });
    expect((await raw('POST', '/v1/payment_links', {})).body.error.param).toBe('line_items');
    expect((await raw('POST', '/v1/payment_links', { 'line_items[0][price]': price.body.id })).body.error.param).toBe(
      'line_items[0][quantity]',
    );
    expect(
      (await raw('POST', '/v1/payment_links', { 'line_items[0][price]': 'price_nope', 'line_items[0][quantity]': '1' })).body.error,
    ).toMatchObject({
      code: 'resource_missing',
      param: 'line_items[0][price]',
    });
    const link = await raw('POST', '/v1/payment_links', {
      'line_items[0][price]': price.body.id,
      'line_items[0][quantity]': '3',
      'metadata[k]': 'v',
    });
    expect(link.body).toMatchObject({ object: 'payment_link', active: true, currency: 'usd', metadata: { k: 'v' } });
    expect((await raw('GET', `/v1/payment_links/${link.body.id}`)).body).toEqual(link.body);
  });
});
