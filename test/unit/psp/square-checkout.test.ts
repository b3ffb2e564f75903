import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import { SQUARE_LOCATION_ID } from '../../../dev/sandbox/square/objects.ts';
import { createSquareProvider } from '../../../dev/sandbox/square.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { CheckoutInput, CheckoutRef, CheckoutRefundInput, InboundNotification } from '../../../src/psp/checkout.ts';
import { WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { SquareCheckoutAdapter, type SquareCheckoutConfig } from '../../../src/psp/square/client.ts';
import {
  describeSquareError,
  fromSquareMoney,
  parseEdgepayNote,
  paymentView,
  refundReason,
  squarePaymentCheckoutStatus,
  squareRefundCheckoutStatus,
  toSquareMoney,
  withRefunds,
} from '../../../src/psp/square/transformers.ts';
import { inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The Square payment-link adapter against the in-process Square emulator over real HTTP. */
const SIGNATURE_KEY = 'sq_unit_checkout_signature_key';
const NOTIFY_URL = 'https://edgepay.example/v1/webhooks/square?src=unit';
const TOKEN = 'EAAAunit-checkout-access-token-0123456789';

const sandbox = useProviderSandbox(createSquareProvider, { squareSignatureKey: SIGNATURE_KEY, squareNotificationUrl: NOTIFY_URL });
let adapter: SquareCheckoutAdapter;
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

function makeAdapter(over: Partial<SquareCheckoutConfig> = {}) {
  return new SquareCheckoutAdapter({
    apiUrl: `${sandbox.url}/square`,
    accessToken: TOKEN,
    signatureKey: SIGNATURE_KEY,
    notificationUrl: NOTIFY_URL,
    timeoutMs: 10_000,
    ...over,
  });
}

let n = 0;
function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  n++;
  return {
    sessionId: `cko${n.toString(16).padStart(32, 'd')}`,
    tenantId: 'tenant-1',
    amount: 1050,
    currency: 'USD',
    merchantAccount: SQUARE_LOCATION_ID,
    description: 'Concert ticket',
    metadata: { venue: 'v-42' },
    successUrl: 'https://app.example/checkout/return',
    cancelUrl: 'https://app.example/checkout/cancel',
    expiresAt: Date.now() + 2 * 3600_000,
    notificationUrl: 'https://app.example/v1/webhooks/square',
    idempotencyKey: `checkout-create-${n}-${Date.now()}`,
    customerEmail: 'payer@example.com',
    ...over,
  };
}

const requests = async (path?: string): Promise<RecordedRequest[]> =>
  ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => !path || r.path === path);
const webhooks = async (type?: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks?provider=square${type ? `&type=${type}` : ''}`)).body;

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

function refundInput(
  i: CheckoutInput,
  reference: string,
  paymentReference: string | null,
  refundAmount: number,
  refundId: string,
): CheckoutRefundInput {
  return { ...ref(i, reference, paymentReference), refundId, refundAmount, idempotencyKey: `refund-${i.sessionId}-${refundId}` };
}

async function lastNotification(type: string) {
  const w = (await webhooks(type)).at(-1);
  expect(w, `a ${type} webhook`).toBeDefined();
  return adapter.parseNotification(inbound(w!));
}

async function paid(i = input()) {
  const link = await created(i);
  expect((await control('POST', `/__sandbox/complete/square/${link.reference}`)).body).toEqual({ completed: true, notified: true });
  const [notification] = await lastNotification('payment.updated');
  return { link, notification: notification!, input: i };
}

describe('createSession', () => {
  it('creates a quick-pay link: idempotency key, Money in minor units, location, redirect, buyer email and our session in payment_note', async () => {
    const i = input();
    const link = await created(i);
    const [req] = await requests('/v2/online-checkout/payment-links');
    expect(req!.method).toBe('POST');
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers['square-version']).toBe('2025-08-20');
    expect(req!.contract).toEqual({ operation: 'POST /v2/online-checkout/payment-links', errors: [] });
    expect(req!.body).toEqual({
      idempotency_key: i.idempotencyKey,
      quick_pay: { name: 'Concert ticket', price_money: { amount: 1050, currency: 'USD' }, location_id: SQUARE_LOCATION_ID },
      checkout_options: { redirect_url: i.successUrl },
      pre_populated_data: { buyer_email: 'payer@example.com' },
      payment_note: `edgepay:${i.sessionId}`,
    });
    const answer = (req!.response as { payment_link: { id: string; url: string; order_id: string } }).payment_link;
    expect(link).toEqual({ reference: answer.id, checkoutUrl: answer.url, expiresAt: null, details: { order_id: answer.order_id } });
  });

  it('JPY is sent in whole yen; a retried create with the same key is the same link', async () => {
    const i = input({ amount: 500, currency: 'JPY', customerEmail: undefined });
    const first = await created(i);
    const again = await created(i);
    expect(again).toEqual(first);
    const [req] = await requests('/v2/online-checkout/payment-links');
    expect((req!.body as { quick_pay: unknown }).quick_pay).toMatchObject({ price_money: { amount: 500, currency: 'JPY' } });
    expect((req!.body as Record<string, unknown>).pre_populated_data).toBeUndefined();
  });

  it('the same key with a different amount is Square’s IDEMPOTENCY_KEY_REUSED, an invalid request', async () => {
    const i = input();
    await created(i);
    expect(await adapter.createSession({ ...i, amount: 999 })).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', retryable: false, status: 400, code: 'IDEMPOTENCY_KEY_REUSED' },
    });
  });
});

describe('payment and read-back', () => {
  it('an unpaid link reads back open', async () => {
    const i = input();
    const link = await created(i);
    expect(await adapter.retrieveSession(ref(i, link.reference))).toEqual({
      ok: true,
      value: { status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 },
    });
    expect(await requests(`/v2/online-checkout/payment-links/${link.reference}`)).toHaveLength(1);
  });

  it('the customer pays: payment.updated (note) → succeeded with the amount; the payment read-back agrees', async () => {
    const { notification, link, input: i } = await paid();
    const [w] = (await webhooks('payment.updated')).slice(-1);
    expect(notification).toEqual({
      provider: 'square',
      eventId: w!.eventId,
      type: 'payment.updated',
      sessionId: i.sessionId,
      reference: null,
      paymentReference: JSON.parse(w!.body).data.id,
      observed: { kind: 'payment', status: 'succeeded', amount: 1050, amountRefunded: 0 },
      occurredAt: Date.parse(JSON.parse(w!.body).created_at),
    });
    // payment.created (APPROVED) is not mapped: payment.updated carries the outcome.
    expect(await lastNotification('payment.created')).toEqual([]);
    expect(await adapter.retrieveSession(ref(i, link.reference, notification.paymentReference))).toEqual({
      ok: true,
      value: { status: 'succeeded', paymentReference: notification.paymentReference, amountPaid: 1050, amountRefunded: 0 },
    });
  });

  it('a JPY link pays the whole-yen amount', async () => {
    const { notification } = await paid(input({ amount: 500, currency: 'JPY' }));
    expect(notification.observed).toEqual({ kind: 'payment', status: 'succeeded', amount: 500, amountRefunded: 0 });
  });

  it('cancelSession is ok(false) without a call (links are not cancelled)', async () => {
    const i = input();
    const link = await created(i);
    const before = (await requests()).length;
    expect(await adapter.cancelSession(ref(i, link.reference))).toEqual({ ok: true, value: false });
    expect(await requests()).toHaveLength(before);
  });
});

describe('refunds', () => {
  it('partial then full: refund requests, refund notifications routed by reason, refunded_money decides the status', async () => {
    const { link, notification, input: i } = await paid();
    const payment = notification.paymentReference!;
    const first = await adapter.refund(refundInput(i, link.reference, payment, 300, 'rf_1'));
    if (!first.ok) throw new Error(JSON.stringify(first.failure));
    expect(first.value).toMatchObject({ status: 'succeeded', amount: 300 });
    const [req] = await requests('/v2/refunds');
    const expectedKey = createHash('sha256').update(`refund-${i.sessionId}-rf_1`).digest('base64url');
    expect(expectedKey).toHaveLength(43);
    expect(req!.contract).toEqual({ operation: 'POST /v2/refunds', errors: [] });
    expect(req!.body).toEqual({
      idempotency_key: expectedKey,
      amount_money: { amount: 300, currency: 'USD' },
      payment_id: payment,
      reason: `edgepay:${i.sessionId}:rf_1`,
    });
    const [created] = await lastNotification('refund.created');
    expect(created).toMatchObject({
      sessionId: i.sessionId,
      paymentReference: payment,
      observed: { kind: 'refund', refundReference: first.value.reference, refundId: 'rf_1', status: 'succeeded', amount: 300 },
    });
    const [updated] = await lastNotification('payment.updated');
    expect(updated?.observed).toEqual({ kind: 'payment', status: 'partially_refunded', amount: 1050, amountRefunded: 300 });
    expect(await adapter.retrieveSession(ref(i, link.reference, payment))).toEqual({
      ok: true,
      value: { status: 'partially_refunded', paymentReference: payment, amountPaid: 1050, amountRefunded: 300 },
    });

    expect(await adapter.refund(refundInput(i, link.reference, payment, 750, 'rf_2'))).toMatchObject({
      ok: true,
      value: { status: 'succeeded', amount: 750 },
    });
    expect(await adapter.retrieveSession(ref(i, link.reference, payment))).toMatchObject({
      ok: true,
      value: { status: 'refunded', amountRefunded: 1050 },
    });
    expect((await lastNotification('payment.updated'))[0]?.observed).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
  });

  it('a retried refund is the same refund (same derived key)', async () => {
    const { link, notification, input: i } = await paid();
    const r = refundInput(i, link.reference, notification.paymentReference, 400, 'rf_r');
    const first = await adapter.refund(r);
    expect(await adapter.refund(r)).toEqual(first);
    expect(await webhooks('refund.created')).toHaveLength(1);
  });

  it('a pending refund reads back pending, then succeeded once Square completes it', async () => {
    await control('POST', '/__sandbox/config', { providers: { square: { refunds: 'pending' } } });
    const { link, notification, input: i } = await paid();
    const res = await adapter.refund(refundInput(i, link.reference, notification.paymentReference, 500, 'rf_p'));
    if (!res.ok) throw new Error(JSON.stringify(res.failure));
    expect(res.value).toMatchObject({ status: 'pending', amount: 500 });
    const r = ref(i, link.reference, notification.paymentReference);
    expect(await adapter.retrieveRefund(r, res.value.reference)).toEqual({ ok: true, value: res.value });
    await control('POST', `/__sandbox/complete/square/${res.value.reference}`);
    expect(await adapter.retrieveRefund(r, res.value.reference)).toEqual({ ok: true, value: { ...res.value, status: 'succeeded' } });
    expect((await lastNotification('refund.updated'))[0]?.observed).toMatchObject({
      kind: 'refund',
      refundId: 'rf_p',
      status: 'succeeded',
    });
  });

  it('without a known payment the refund is refused locally', async () => {
    const i = input();
    const link = await created(i);
    expect(await adapter.refund(refundInput(i, link.reference, null, 100, 'rf_x'))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', retryable: false },
    });
    expect(await requests('/v2/refunds')).toHaveLength(0);
  });
});

describe('failures', () => {
  it('5xx: the keyed create is tried three times, then unavailable and retryable', async () => {
    await control('POST', '/__sandbox/config', { providers: { square: { failRate: 1, failStatus: 500 } } });
    const res = await adapter.createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true, status: 500, code: 'INTERNAL_SERVER_ERROR' } });
    expect(await requests('/v2/online-checkout/payment-links')).toHaveLength(3);
  });

  it('a validation error (400) is invalid_request with Square’s code, not retried', async () => {
    const res = await adapter.createSession(input({ merchantAccount: '' }));
    expect(res).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', retryable: false, status: 400, code: 'MISSING_REQUIRED_PARAMETER' },
    });
    expect(await requests('/v2/online-checkout/payment-links')).toHaveLength(1);
  });

  it('a timeout is kind timeout; the read is not retried once the operation’s time is used', async () => {
    await control('POST', '/__sandbox/config', { providers: { square: { timeoutRate: 1, timeoutMs: 3000 } } });
    const i = input();
    const res = await makeAdapter({ timeoutMs: 150 }).retrieveSession(ref(i, 'LINKNOPE'));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    expect(await requests('/v2/online-checkout/payment-links/LINKNOPE')).toHaveLength(1);
  });

  it('a refused token is an authentication failure; no failure message carries the token', async () => {
    const res = await makeAdapter({ accessToken: '' }).createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'authentication', retryable: false, status: 401, code: 'UNAUTHORIZED' } });
    const i = input();
    const missing = await adapter.retrieveSession(ref(i, 'L', 'PAYMENTNOPE'));
    expect(missing).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 404, code: 'NOT_FOUND' } });
    for (const r of [res, missing]) if (!r.ok) expect(r.failure.message).not.toContain(TOKEN);
  });
});

describe('parseNotification (x-square-hmacsha256-signature)', () => {
  /** Signed independently of the adapter: base64(HMAC-SHA256(key, notification URL + raw body)). */
  const sign = (raw: string, key = SIGNATURE_KEY, url = NOTIFY_URL) =>
    createHmac('sha256', key)
      .update(url + raw, 'utf8')
      .digest('base64');
  const request = (raw: string, signature?: string, method: 'GET' | 'POST' = 'POST'): InboundNotification => ({
    method,
    url: NOTIFY_URL,
    headers: signature === undefined ? { 'content-type': 'application/json' } : { 'x-square-hmacsha256-signature': signature },
    rawBody: raw,
  });
  const sid = `cko${'e'.repeat(32)}`;
  const paymentEvent = (note: string | undefined, over: Record<string, unknown> = {}) =>
    JSON.stringify({
      merchant_id: 'M1',
      type: 'payment.updated',
      event_id: '6a8f5f28-54a1-4eb0-a98a-3111513fd4fc',
      created_at: '2025-09-01T10:00:00Z',
      data: {
        type: 'payment',
        id: 'PAY1',
        object: {
          payment: {
            id: 'PAY1',
            status: 'COMPLETED',
            amount_money: { amount: 2000, currency: 'USD' },
            total_money: { amount: 2000, currency: 'USD' },
            refunded_money: { amount: 500, currency: 'USD' },
            ...(note ? { note } : {}),
            ...over,
          },
        },
      },
    });

  it('matches the Square signature test vector; the adapter accepts its signature (then finds no event id in it)', async () => {
    const vector = '{"type":"payment.updated"}';
    expect(sign(vector, 'sq_sig_key_test', 'https://example.com/webhooks/square')).toBe('Zk3V3a1si42XTGK/zxRQtfkN6Y7TABsd8IngNcbsa5w=');
    const a = makeAdapter({ signatureKey: 'sq_sig_key_test', notificationUrl: 'https://example.com/webhooks/square' });
    const req = { ...request(vector, 'Zk3V3a1si42XTGK/zxRQtfkN6Y7TABsd8IngNcbsa5w='), url: 'https://example.com/webhooks/square' };
    await expect(a.parseNotification(req)).rejects.toThrow(
      new WebhookPayloadError('Square event at event_id: Invalid input: expected string, received undefined'),
    );
    await expect(a.parseNotification({ ...req, rawBody: '{"type":"payment.updatedX"}' })).rejects.toThrow(/does not match/);
  });

  it('accepts an independently signed payment.updated and maps it with refunded_money', async () => {
    const raw = paymentEvent(`edgepay:${sid}`);
    expect(await adapter.parseNotification(request(raw, sign(raw)))).toEqual([
      {
        provider: 'square',
        eventId: '6a8f5f28-54a1-4eb0-a98a-3111513fd4fc',
        type: 'payment.updated',
        sessionId: sid,
        reference: null,
        paymentReference: 'PAY1',
        observed: { kind: 'payment', status: 'partially_refunded', amount: 2000, amountRefunded: 500 },
        occurredAt: Date.parse('2025-09-01T10:00:00Z'),
      },
    ]);
  });

  it.each([
    ['a tampered body', (raw: string) => request(raw.replace('2000', '20'), sign(raw))],
    ['a wrong key', (raw: string) => request(raw, sign(raw, 'another_key'))],
    ['a signature over another URL', (raw: string) => request(raw, sign(raw, SIGNATURE_KEY, 'https://edgepay.example/v1/webhooks/square'))],
    ['a missing header', (raw: string) => request(raw)],
    ['a malformed header', (raw: string) => request(raw, 'not-base64!')],
    ['a GET', (raw: string) => request(raw, sign(raw), 'GET')],
  ])('rejects %s with WebhookVerificationError', async (_name, make) => {
    await expect(adapter.parseNotification(make(paymentEvent(`edgepay:${sid}`)))).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it('rejects a signed body that is not JSON, not an object, or a payment event without its payment (WebhookPayloadError)', async () => {
    for (const raw of ['nope', '[]', 'null', JSON.stringify({ type: 'payment.updated', event_id: 'e1', data: { object: {} } })]) {
      await expect(adapter.parseNotification(request(raw, sign(raw)))).rejects.toBeInstanceOf(WebhookPayloadError);
    }
  });

  it('ignores payments without our note, and refunds without our reason', async () => {
    for (const raw of [
      paymentEvent(undefined),
      paymentEvent('order 42'),
      JSON.stringify({
        type: 'refund.updated',
        event_id: 'e2',
        data: { object: { refund: { id: 'R1', status: 'COMPLETED', amount_money: { amount: 1, currency: 'USD' }, payment_id: 'PAY1' } } },
      }),
    ]) {
      expect(await adapter.parseNotification(request(raw, sign(raw)))).toEqual([]);
    }
  });
});

describe('transformers', () => {
  it.each([
    ['APPROVED', 'processing'],
    ['PENDING', 'processing'],
    ['COMPLETED', 'succeeded'],
    ['FAILED', 'failed'],
    ['CANCELED', 'canceled'],
  ] as const)('payment %s → %s', (status, expected) => {
    expect(squarePaymentCheckoutStatus(status)).toBe(expected);
  });

  it.each([
    ['PENDING', 'pending'],
    ['COMPLETED', 'succeeded'],
    ['REJECTED', 'failed'],
    ['FAILED', 'failed'],
  ] as const)('refund %s → %s', (status, expected) => {
    expect(squareRefundCheckoutStatus(status)).toBe(expected);
  });

  it('refunded_money = total_money → refunded; in between → partially_refunded; only for completed payments', () => {
    expect(withRefunds('succeeded', 1000, 1000)).toBe('refunded');
    expect(withRefunds('succeeded', 1000, 1)).toBe('partially_refunded');
    expect(withRefunds('succeeded', 1000, 0)).toBe('succeeded');
    expect(withRefunds('processing', 1000, 0)).toBe('processing');
    const payment = (status: 'COMPLETED' | 'APPROVED', refunded?: number) => ({
      id: 'P',
      status,
      total_money: { amount: 1000, currency: 'USD' },
      ...(refunded === undefined ? {} : { refunded_money: { amount: refunded, currency: 'USD' } }),
    });
    expect(paymentView(payment('COMPLETED', 1000), 'USD')).toMatchObject({
      ok: true,
      value: { snapshot: { status: 'refunded', amountPaid: 1000, amountRefunded: 1000 } },
    });
    expect(paymentView(payment('APPROVED'), 'USD')).toMatchObject({
      ok: true,
      value: { snapshot: { status: 'processing', amountPaid: 0 } },
    });
    // Money in another currency than the session's is a mismatch, not a conversion.
    expect(paymentView(payment('COMPLETED'), 'EUR')).toMatchObject({ ok: false, failure: { kind: 'invalid_request' } });
  });

  it('Money: minor units as is, upper-case ISO currency; unknown currencies and non-integers refused', () => {
    expect(toSquareMoney(1050, 'usd')).toEqual({ ok: true, value: { amount: 1050, currency: 'USD' } });
    expect(toSquareMoney(500, 'JPY')).toEqual({ ok: true, value: { amount: 500, currency: 'JPY' } });
    expect(toSquareMoney(1234, 'KWD')).toEqual({ ok: true, value: { amount: 1234, currency: 'KWD' } });
    expect(toSquareMoney(10.5, 'USD').ok).toBe(false);
    expect(toSquareMoney(0, 'USD').ok).toBe(false);
    expect(toSquareMoney(100, 'XYZ').ok).toBe(false);
    expect(fromSquareMoney({ amount: 1050, currency: 'USD' }, 'usd')).toBe(1050);
    expect(fromSquareMoney({ amount: 1050, currency: 'EUR' }, 'USD')).toBeNull();
    expect(fromSquareMoney({ amount: 10.5, currency: 'USD' }, 'USD')).toBeNull();
  });

  it('our ids in notes and reasons', () => {
    expect(parseEdgepayNote(`edgepay:${'cko'.padEnd(35, '1')}`)).toEqual({ sessionId: 'cko'.padEnd(35, '1'), refundId: null });
    expect(parseEdgepayNote('edgepay:cko1:rf_9')).toEqual({ sessionId: 'cko1', refundId: 'rf_9' });
    expect(parseEdgepayNote('order 42')).toBeNull();
    expect(parseEdgepayNote(null)).toBeNull();
    expect(refundReason('cko1', 'rf_9')).toBe('edgepay:cko1:rf_9');
    expect(refundReason('cko1', 'x'.repeat(200))).toBe('edgepay:cko1');
  });

  it('error bodies → code and detail (with the field)', () => {
    expect(
      describeSquareError(400, {
        errors: [
          { category: 'INVALID_REQUEST_ERROR', code: 'MISSING_REQUIRED_PARAMETER', detail: 'Field must be set', field: 'location_id' },
        ],
      }),
    ).toEqual({
      code: 'MISSING_REQUIRED_PARAMETER',
      message: 'Field must be set (location_id)',
    });
    expect(describeSquareError(502, 'bad gateway')).toEqual({ message: 'Square answered 502' });
  });
});

describe('Square emulator: payment links', () => {
  async function raw(body: unknown) {
    adapterOnly = false;
    const res = await fetch(`${sandbox.url}/square/v2/online-checkout/payment-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'square-version': '2025-08-20', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  const quickPay = { name: 'Seat', price_money: { amount: 100, currency: 'USD' }, location_id: SQUARE_LOCATION_ID };

  it('validates checkout_options and pre_populated_data lengths, and dates the link', async () => {
    const long = await raw({ quick_pay: quickPay, checkout_options: { redirect_url: `https://x.example/${'a'.repeat(2048)}` } });
    expect(long.status).toBe(400);
    expect(long.body.errors[0]).toMatchObject({ category: 'INVALID_REQUEST_ERROR', code: 'VALUE_TOO_LONG', field: 'redirect_url' });
    const email = await raw({ quick_pay: quickPay, pre_populated_data: { buyer_email: `${'a'.repeat(250)}@x.example` } });
    expect(email.body.errors[0]).toMatchObject({ code: 'VALUE_TOO_LONG', field: 'buyer_email' });
    const ok = await raw({ quick_pay: quickPay, payment_note: 'edgepay:cko1' });
    expect(ok.status).toBe(200);
    expect(ok.body.payment_link.updated_at).toBe(ok.body.payment_link.created_at);
  });
});
