import { createHash, createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { ADYEN_SANDBOX_API_KEY } from '../../../dev/sandbox/adyen/objects.ts';
import { createAdyenProvider } from '../../../dev/sandbox/adyen.ts';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import { AdyenCheckoutAdapter } from '../../../src/psp/adyen/client.ts';
import type { CheckoutInput, CheckoutRefundInput } from '../../../src/psp/checkout.ts';
import { WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The Adyen adapter against the in-process Adyen emulator over real HTTP. */
const HMAC_KEY = '9F1C2B3A4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8';
const API_KEY = 'AQE_unit_test_api_key_0123456789';
const MERCHANT = 'EdgepayECOM';

const sandbox = useProviderSandbox(createAdyenProvider, { adyenHmacKey: HMAC_KEY });
let adapter: AdyenCheckoutAdapter;
const { control } = sandbox;

beforeEach(async () => {
  adapter = makeAdapter();
});

function makeAdapter(over: Partial<ConstructorParameters<typeof AdyenCheckoutAdapter>[0]> = {}) {
  return new AdyenCheckoutAdapter({ apiUrl: `${sandbox.url}/adyen/v71`, apiKey: API_KEY, hmacKey: HMAC_KEY, timeoutMs: 10_000, ...over });
}

let n = 0;
function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  n++;
  return {
    sessionId: `cko${n.toString(16).padStart(32, '0')}`,
    tenantId: 'tenant-1',
    amount: 1050,
    currency: 'EUR',
    merchantAccount: MERCHANT,
    description: 'Concert ticket',
    metadata: { venue: 'v-42', seat: 'A12' },
    successUrl: 'https://app.example/checkout/return',
    cancelUrl: 'https://app.example/checkout/cancel',
    expiresAt: Date.now() + 2 * 3600_000,
    notificationUrl: 'https://app.example/v1/webhooks/adyen',
    idempotencyKey: `checkout-create-${n}`,
    customerEmail: 'payer@example.com',
    ...over,
  };
}

const requests = async (): Promise<RecordedRequest[]> => (await control('GET', '/__sandbox/requests')).body;
const webhooks = async (): Promise<RecordedWebhook[]> => (await control('GET', '/__sandbox/webhooks?provider=adyen')).body;

async function created(i: CheckoutInput) {
  const res = await adapter.createSession(i);
  if (!res.ok) throw new Error(`create failed: ${JSON.stringify(res.failure)}`);
  return res.value;
}

async function paid(i = input()) {
  const session = await created(i);
  expect((await control('POST', `/__sandbox/complete/adyen/${session.reference}`)).body).toEqual({ completed: true, notified: true });
  const [auth] = (await webhooks()).filter((w) => w.type === 'AUTHORISATION');
  const [notification] = await adapter.parseNotification(inbound(auth!));
  return { session, notification: notification!, input: i };
}

function refundInput(i: CheckoutInput, paymentReference: string, refundAmount: number, refundId: string): CheckoutRefundInput {
  return {
    sessionId: i.sessionId,
    reference: 'CS-unused',
    merchantAccount: i.merchantAccount,
    amount: i.amount,
    currency: i.currency,
    paymentReference,
    refundId,
    refundAmount,
    idempotencyKey: `refund-${i.sessionId}-${refundId}`,
  };
}

describe('createSession', () => {
  it('POSTs /v71/sessions with the hosted-checkout body, X-API-Key and Idempotency-Key; returns id, url and expiry', async () => {
    const i = input();
    const session = await created(i);
    expect(session.reference).toMatch(/^CS[0-9A-F]{16}$/);
    expect(session.checkoutUrl).toBe(`${sandbox.url}/adyen/checkoutshopper/sessions/${session.reference}`);
    expect(Math.abs(session.expiresAt! - i.expiresAt)).toBeLessThan(1000);
    const [req] = await requests();
    expect(req).toMatchObject({ provider: 'adyen', method: 'POST', path: '/v71/sessions', status: 201 });
    expect(req!.headers['x-api-key']).toBe(API_KEY);
    expect(req!.headers['idempotency-key']).toBe(i.idempotencyKey);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({
      merchantAccount: MERCHANT,
      amount: { value: 1050, currency: 'EUR' },
      reference: i.sessionId,
      returnUrl: i.successUrl,
      mode: 'hosted',
      expiresAt: new Date(i.expiresAt).toISOString(),
      metadata: { venue: 'v-42', seat: 'A12' },
      shopperEmail: 'payer@example.com',
    });
  });

  it.each([
    ['JPY', 500, 500],
    ['KWD', 12345, 12345],
    ['CLP', 5000, 500000],
    ['ISK', 700, 70000],
    ['IDR', 1500000, 15000],
  ])('sends %s %i minor units as Adyen value %i', async (currency, amount, value) => {
    await created(input({ currency, amount }));
    const [req] = await requests();
    expect((req!.body as any).amount).toEqual({ value, currency });
  });

  it('refuses an amount Adyen cannot carry without calling it (IDR has 0 decimals at Adyen)', async () => {
    const res = await adapter.createSession(input({ currency: 'IDR', amount: 1050 }));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'unsupported_amount', retryable: false } });
    expect(await requests()).toEqual([]);
  });

  it('clamps expiresAt to 24 h and drops metadata that does not fit, and the sandbox accepts it', async () => {
    const before = Date.now();
    const metadata: Record<string, string> = { ok: 'yes', 'a-key-longer-than-20-chars': 'x', long: 'v'.repeat(81) };
    const res = await created(input({ expiresAt: before + 48 * 3600_000, metadata, customerEmail: undefined }));
    const body = (await requests())[0]!.body as any;
    const sent = Date.parse(body.expiresAt);
    expect(sent).toBeGreaterThanOrEqual(before + 24 * 3600_000);
    expect(sent).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    expect(body.metadata).toEqual({ ok: 'yes' });
    expect(body.shopperEmail).toBeUndefined();
    expect(res.expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
  });

  it('a retried create with the same key is the same session; another body with that key is refused', async () => {
    const i = input();
    const a = await created(i);
    const b = await created(i);
    expect(b.reference).toBe(a.reference);
    const reqs = await requests();
    expect(reqs).toHaveLength(2);
    const other = await adapter.createSession({ ...i, amount: 999 });
    expect(other).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 422, code: '704' } });
  });

  it('a key longer than 64 characters is sent as its SHA-256 hex', async () => {
    const key = `k${'x'.repeat(99)}`;
    await created(input({ idempotencyKey: key }));
    expect((await requests())[0]!.headers['idempotency-key']).toBe(createHash('sha256').update(key).digest('hex'));
  });

  it('maps the 422 validation errors of the sandbox to invalid_request with Adyen error codes', async () => {
    const noReturn = await adapter.createSession(input({ successUrl: '' }));
    expect(noReturn).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 422, code: '14_030', retryable: false } });
    expect(noReturn.ok || noReturn.failure.message).toContain('Return URL is missing.');
    const noMerchant = await adapter.createSession(input({ merchantAccount: '' }));
    expect(noMerchant).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 422, code: '702' } });
    // Validation failures are not retried.
    expect(await requests()).toHaveLength(2);
  });
});

describe('retrieve and cancel', () => {
  it('retrieveSession is not supported (sessionResult is client-side only) and calls nothing; cancel is a no-op', async () => {
    const i = input();
    const session = await created(i);
    const ref = {
      sessionId: i.sessionId,
      reference: session.reference,
      merchantAccount: MERCHANT,
      amount: 1050,
      currency: 'EUR',
      paymentReference: null,
    };
    expect(await adapter.retrieveSession(ref)).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'not_supported' } });
    expect(await adapter.cancelSession(ref)).toEqual({ ok: true, value: false });
    expect(await requests()).toHaveLength(1);
  });

  it('the sandbox session result needs sessionResult and reports active, then completed', async () => {
    const session = await created(input());
    const get = (q: string) =>
      fetch(`${sandbox.url}/adyen/v71/sessions/${session.reference}${q}`, { headers: { 'x-api-key': API_KEY } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    expect((await get('')).status).toBe(422);
    expect((await get('?sessionResult=abc')).body.status).toBe('active');
    await control('POST', `/__sandbox/complete/adyen/${session.reference}`);
    const done = (await get('?sessionResult=abc')).body;
    expect(done.status).toBe('completed');
    expect(done.payments[0]).toMatchObject({ resultCode: 'Authorised', amount: { value: 1050, currency: 'EUR' } });
  });
});

describe('payment notification', () => {
  it('complete → signed AUTHORISATION to /v1/webhooks/adyen → succeeded for our session with the amount', async () => {
    const { session, notification, input: i } = await paid();
    const [w] = await webhooks();
    expect(w!.url).toBe('http://127.0.0.1:1/v1/webhooks/adyen');
    const item = JSON.parse(w!.body).notificationItems[0].NotificationRequestItem;
    expect(JSON.parse(w!.body).live).toBe('false');
    expect(item.pspReference).toMatch(/^[0-9A-Z]{16}$/);
    expect(notification).toEqual({
      provider: 'adyen',
      eventId: `AUTHORISATION:${item.pspReference}:true`,
      type: 'AUTHORISATION',
      sessionId: i.sessionId,
      reference: session.reference,
      paymentReference: item.pspReference,
      observed: { kind: 'payment', status: 'succeeded', amount: 1050 },
      occurredAt: Date.parse(item.eventDate),
    });
    // A second completion changes nothing.
    expect((await control('POST', `/__sandbox/complete/adyen/${session.reference}`)).body).toEqual({ completed: true, notified: false });
    expect((await control('POST', '/__sandbox/complete/adyen/CSUNKNOWN')).status).toBe(404);
  });

  it('a CLP payment comes back in our minor units', async () => {
    const { notification } = await paid(input({ currency: 'CLP', amount: 5000 }));
    expect(notification.observed).toEqual({ kind: 'payment', status: 'succeeded', amount: 5000 });
  });

  it('a refused authorisation is failed', async () => {
    await control('POST', '/__sandbox/config', { providers: { adyen: { authorisation: 'refused' } } });
    const { notification } = await paid();
    expect(notification.observed).toMatchObject({ kind: 'payment', status: 'failed' });
    expect(notification.eventId).toMatch(/^AUTHORISATION:[0-9A-Z]{16}:false$/);
  });
});

describe('refund', () => {
  it('partial then full refunds: 201 received → pending; REFUND notifications carry our session and refund ids', async () => {
    const { notification, input: i } = await paid();
    const psp = notification.paymentReference!;
    const first = await adapter.refund(refundInput(i, psp, 400, 'rf1'));
    expect(first).toMatchObject({ ok: true, value: { status: 'pending', amount: 400 } });
    const refundReq = (await requests()).at(-1)!;
    expect(refundReq).toMatchObject({ method: 'POST', path: `/v71/payments/${psp}/refunds`, status: 201 });
    expect(refundReq.body).toEqual({ merchantAccount: MERCHANT, amount: { value: 400, currency: 'EUR' }, reference: `${i.sessionId}:rf1` });
    expect(refundReq.headers['idempotency-key']).toBe(`refund-${i.sessionId}-rf1`);
    const second = await adapter.refund(refundInput(i, psp, 650, 'rf2'));
    expect(second.ok).toBe(true);

    const refunds = (await webhooks()).filter((w) => w.type === 'REFUND');
    expect(refunds).toHaveLength(2);
    const parsed = await Promise.all(refunds.map(async (w) => (await adapter.parseNotification(inbound(w)))[0]));
    expect(parsed[0]).toMatchObject({
      type: 'REFUND',
      sessionId: i.sessionId,
      paymentReference: psp,
      observed: {
        kind: 'refund',
        refundReference: first.ok ? first.value.reference : '',
        refundId: 'rf1',
        status: 'succeeded',
        amount: 400,
      },
    });
    expect(parsed[1]!.observed).toMatchObject({ kind: 'refund', refundId: 'rf2', status: 'succeeded', amount: 650 });

    const over = await adapter.refund(refundInput(i, psp, 1, 'rf3'));
    expect(over).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 422, code: '137' } });
  });

  it('a repeated refund with the same key is one refund', async () => {
    const { notification, input: i } = await paid();
    const a = await adapter.refund(refundInput(i, notification.paymentReference!, 100, 'same'));
    const b = await adapter.refund(refundInput(i, notification.paymentReference!, 100, 'same'));
    expect(a.ok && b.ok && a.value.reference === b.value.reference).toBe(true);
    expect((await webhooks()).filter((w) => w.type === 'REFUND')).toHaveLength(1);
  });

  it('a failed REFUND notification is a failed refund', async () => {
    await control('POST', '/__sandbox/config', { providers: { adyen: { refunds: 'failure' } } });
    const { notification, input: i } = await paid();
    expect((await adapter.refund(refundInput(i, notification.paymentReference!, 1050, 'rf1'))).ok).toBe(true);
    const [w] = (await webhooks()).filter((x) => x.type === 'REFUND');
    expect((await adapter.parseNotification(inbound(w!)))[0]!.observed).toMatchObject({
      kind: 'refund',
      status: 'failed',
      refundId: 'rf1',
    });
  });

  it('refuses a refund without a payment or with a reference over 80 characters, before calling Adyen', async () => {
    const i = input();
    expect(await adapter.refund({ ...refundInput(i, 'X', 1, 'r'), paymentReference: null })).toMatchObject({
      ok: false,
      failure: { code: 'no_payment' },
    });
    expect(await adapter.refund(refundInput(i, 'PSP0000000000001', 1, 'r'.repeat(50)))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', code: 'reference_too_long' },
    });
    expect(await requests()).toEqual([]);
  });
});

describe('failures', () => {
  it('injected 500s: unavailable and retryable after 3 attempts (idempotent POSTs are retried)', async () => {
    await control('POST', '/__sandbox/config', { providers: { adyen: { failRate: 1, failStatus: 500 } } });
    const res = await adapter.createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true, status: 500, code: '905' } });
    expect((await requests()).map((r) => r.status)).toEqual([500, 500, 500]);
    const refund = await adapter.refund(refundInput(input(), 'PSP0000000000001', 100, 'r1'));
    expect(refund).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true } });
    expect(await requests()).toHaveLength(6);
  });

  it('timeouts: kind timeout, no retry once the operation’s time is used', async () => {
    await control('POST', '/__sandbox/config', { providers: { adyen: { timeoutRate: 1, timeoutMs: 5000 } } });
    const res = await makeAdapter({ timeoutMs: 150 }).createSession(input());
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    expect(await requests()).toHaveLength(1);
  });

  it('a wrong API key is 401 authentication, and no failure message contains the key', async () => {
    await control('POST', '/__sandbox/config', { providers: { adyen: { auth: 'strict' } } });
    const wrong = await adapter.createSession(input());
    expect(wrong).toMatchObject({ ok: false, failure: { kind: 'authentication', status: 401, code: '000', retryable: false } });
    expect((await requests())[0]!.response).toMatchObject({ status: 401, errorCode: '000', errorType: 'security' });
    const right = await makeAdapter({ apiKey: ADYEN_SANDBOX_API_KEY }).createSession(input());
    expect(right.ok).toBe(true);
    const missing = await fetch(`${sandbox.url}/adyen/v71/sessions`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(401);
    const messages: string[] = [];
    if (!wrong.ok) messages.push(wrong.failure.message);
    await control('POST', '/__sandbox/config', { providers: { adyen: { auth: 'any', failRate: 1 } } });
    const failed = await adapter.refund(refundInput(input(), 'PSP1', 1, 'x'));
    if (!failed.ok) messages.push(failed.failure.message);
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).not.toContain(API_KEY);
      expect(m).not.toContain(HMAC_KEY);
    }
  });
});

describe('notification verification over the sandbox payload', () => {
  it('rejects a tampered body, the wrong key and a GET', async () => {
    await paid();
    const [w] = await webhooks();
    const tampered = w!.body.replace('"value":1050', '"value":1');
    expect(tampered).not.toBe(w!.body);
    await expect(adapter.parseNotification({ ...inbound(w!), rawBody: tampered })).rejects.toBeInstanceOf(WebhookVerificationError);
    const otherKey = createHmac('sha256', 'x').update('y').digest('hex').toUpperCase();
    await expect(makeAdapter({ hmacKey: otherKey }).parseNotification(inbound(w!))).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(adapter.parseNotification({ ...inbound(w!), method: 'GET' })).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});
