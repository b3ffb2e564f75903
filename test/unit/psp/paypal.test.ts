import { randomBytes, verify } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createPaypalProvider } from '../../../dev/sandbox/paypal.ts';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import { type CheckoutInput, type CheckoutRef, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { PaypalCheckoutAdapter } from '../../../src/psp/paypal/client.ts';
import { requestPaypalToken } from '../../../src/psp/paypal/token.ts';
import { PaypalVerificationUnavailableError } from '../../../src/psp/paypal/webhook.ts';
import { type TokenCredentials, TokenRequestError } from '../../../src/psp/tokens.ts';
import type { PspFailure, PspResult } from '../../../src/psp/types.ts';
import { cachingTokenSource, inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The PayPal adapter against the PayPal emulator over real HTTP. */
const WEBHOOK_ID = '8PT597110X687430L';
const CLIENT_ID = 'AeSandboxClientId0001';
const CLIENT_SECRET = 'EPaypalClientSecret-DoNotLeak-42';

const sandbox = useProviderSandbox(createPaypalProvider, { paypalWebhookId: WEBHOOK_ID });
const { control } = sandbox;

afterEach(async () => {
  // Every request the adapter sent validates against the official extract (openapi/paypal-orders.json).
  const violations = (await control('GET', '/__sandbox/contract-violations')).body as RecordedRequest[];
  expect(violations.map((v) => [v.method, v.path, v.contract?.errors])).toEqual([]);
});

const credentials = (over: Partial<TokenCredentials> = {}): TokenCredentials => ({
  provider: 'paypal',
  baseUrl: `${sandbox.url}/paypal`,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  timeoutMs: 2000,
  ...over,
});

const tokenSource = (creds: () => TokenCredentials = () => credentials()) => cachingTokenSource(() => requestPaypalToken(creds()));

let tokens: ReturnType<typeof tokenSource>;
const adapter = (over: Partial<ConstructorParameters<typeof PaypalCheckoutAdapter>[0]> = {}) =>
  new PaypalCheckoutAdapter({ apiUrl: `${sandbox.url}/paypal`, webhookId: WEBHOOK_ID, timeoutMs: 10_000, ...over }, tokens);

beforeEach(() => {
  tokens = tokenSource();
});

const newSessionId = () => `cko${randomBytes(16).toString('hex')}`;
function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  const sessionId = over.sessionId ?? newSessionId();
  return {
    sessionId,
    tenantId: 'tenant_1',
    amount: 1050,
    currency: 'USD',
    merchantAccount: '',
    description: 'Concert ticket',
    metadata: { venue: 'v1' },
    successUrl: 'https://shop.example/success',
    cancelUrl: 'https://shop.example/cancel',
    expiresAt: Date.now() + 3_600_000,
    notificationUrl: `https://edgepay.example/v1/webhooks/paypal`,
    idempotencyKey: `checkout-${sessionId}`,
    ...over,
  };
}

const requests = async (path?: RegExp): Promise<RecordedRequest[]> =>
  ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => !path || path.test(`${r.method} ${r.path}`));
const webhooks = async (type?: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks?provider=paypal${type ? `&type=${type}` : ''}`)).body;

function value<T>(result: PspResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.failure)}`);
  return result.value;
}
function failure<T>(result: PspResult<T>): PspFailure {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.failure;
}

async function created(over: Partial<CheckoutInput> = {}) {
  const a = adapter();
  const i = input(over);
  const session = value(await a.createSession(i));
  const ref: CheckoutRef = {
    sessionId: i.sessionId,
    reference: session.reference,
    merchantAccount: i.merchantAccount,
    amount: i.amount,
    currency: i.currency,
    paymentReference: null,
  };
  return { a, i, session, ref };
}

async function paid(over: Partial<CheckoutInput> = {}) {
  const c = await created(over);
  expect((await control('POST', `/__sandbox/complete/paypal/${c.session.reference}`)).body).toEqual({ completed: true, notified: true });
  const snapshot = value(await c.a.capture!(c.ref));
  return { ...c, snapshot, ref: { ...c.ref, paymentReference: snapshot.paymentReference } };
}

describe('token', () => {
  it('gets a bearer token with Basic client credentials; expires_in is a lifetime', async () => {
    await control('POST', '/__sandbox/config', { providers: { paypal: { tokenTtlSeconds: 32_400 } } });
    const before = Date.now();
    const grant = await requestPaypalToken(credentials());
    expect(grant.accessToken).toMatch(/^A21AA/);
    expect(grant.refreshToken).toBeNull();
    expect(grant.expiresAt).toBeGreaterThanOrEqual(before + 32_400_000);
    expect(grant.expiresAt).toBeLessThanOrEqual(Date.now() + 32_400_000);
    const [req] = await requests(/oauth2\/token/);
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.body).toEqual({ grant_type: 'client_credentials' });
  });

  it('a refused secret is a TokenRequestError with the status and no credentials in the message', async () => {
    await requestPaypalToken(credentials());
    const err = await requestPaypalToken(credentials({ clientSecret: 'wrong-secret-value' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect((err as TokenRequestError).status).toBe(401);
    expect((err as Error).message).not.toMatch(/wrong-secret-value|invalid_client|AeSandbox/);
    const refused = await requests(/oauth2\/token/);
    expect(refused[1]!.response).toEqual({ error: 'invalid_client', error_description: 'Client Authentication failed' });
  });

  it('the adapter reports refused credentials as an authentication failure', async () => {
    await requestPaypalToken(credentials());
    tokens = tokenSource(() => credentials({ clientSecret: 'another-secret' }));
    const f = failure(await adapter().createSession(input()));
    expect(f).toMatchObject({ kind: 'authentication', retryable: false, status: 401 });
    expect(await requests(/checkout\/orders/)).toHaveLength(0);
  });
});

describe('createSession', () => {
  it('creates a CAPTURE order with our session id, the amount as a decimal string and the payer-action URL', async () => {
    const i = input({ amount: 1050, currency: 'USD', merchantAccount: 'LOCAL-ACCOUNT-1' });
    const before = Date.now();
    const session = value(await adapter().createSession(i));
    expect(session.reference).toMatch(/^[A-Z0-9]{17}$/);
    expect(session.checkoutUrl).toBe(`${sandbox.url}/paypal/checkoutnow?token=${session.reference}`);
    expect(session.expiresAt).toBeGreaterThanOrEqual(before + 3 * 3_600_000);
    expect(session.expiresAt).toBeLessThanOrEqual(Date.now() + 3 * 3_600_000);
    expect(session.details).toEqual({ status: 'PAYER_ACTION_REQUIRED' });
    const [req] = await requests(/POST \/v2\/checkout\/orders$/);
    expect(req!.status).toBe(201);
    expect(req!.headers['paypal-request-id']).toBe(i.idempotencyKey);
    expect(req!.headers.prefer).toBe('return=representation');
    expect(req!.headers.authorization).toBe(`Bearer ${tokens.issued[0]}`);
    // Exactly these fields; the merchant account is not a PayPal merchant id, so no payee.
    expect(req!.body).toEqual({
      intent: 'CAPTURE',
      purchase_units: [
        {
          reference_id: i.sessionId,
          custom_id: i.sessionId,
          description: 'Concert ticket',
          amount: { currency_code: 'USD', value: '10.50' },
        },
      ],
      payment_source: {
        paypal: {
          experience_context: {
            return_url: 'https://shop.example/success',
            cancel_url: 'https://shop.example/cancel',
            user_action: 'PAY_NOW',
            shipping_preference: 'NO_SHIPPING',
          },
        },
      },
    });
  });

  it('sends JPY as whole yen, HUF as whole forint, and names a PayPal merchant id as payee', async () => {
    value(await adapter().createSession(input({ amount: 1000, currency: 'JPY' })));
    value(await adapter().createSession(input({ amount: 150_000, currency: 'HUF', merchantAccount: 'SANDBXMERCHNT' })));
    const [jpy, huf] = await requests(/POST \/v2\/checkout\/orders$/);
    expect((jpy!.body as any).purchase_units[0].amount).toEqual({ currency_code: 'JPY', value: '1000' });
    expect((huf!.body as any).purchase_units[0]).toMatchObject({
      amount: { currency_code: 'HUF', value: '1500' },
      payee: { merchant_id: 'SANDBXMERCHNT' },
    });
    expect((huf!.response as any).purchase_units[0].amount).toEqual({ currency_code: 'HUF', value: '1500' });
  });

  it('refuses an amount PayPal cannot express without calling it (HUF fillér)', async () => {
    const f = failure(await adapter().createSession(input({ amount: 150_050, currency: 'HUF' })));
    expect(f).toMatchObject({ kind: 'invalid_request', code: 'amount_not_representable', retryable: false });
    expect(await requests()).toHaveLength(0);
  });

  it('replays the same order for the same PayPal-Request-Id (201, then 200)', async () => {
    const i = input();
    const first = value(await adapter().createSession(i));
    const second = value(await adapter().createSession(i));
    expect(second.reference).toBe(first.reference);
    expect((await requests(/POST \/v2\/checkout\/orders$/)).map((r) => r.status)).toEqual([201, 200]);
  });

  it('a currency PayPal does not take is an invalid request, not retried', async () => {
    const f = failure(await adapter().createSession(input({ currency: 'CRC', amount: 500_000 })));
    expect(f).toMatchObject({ kind: 'invalid_request', status: 422, code: 'CURRENCY_NOT_SUPPORTED', retryable: false });
    expect(await requests(/POST \/v2\/checkout\/orders$/)).toHaveLength(1);
  });
});

describe('payment flow', () => {
  it('open → approved (webhook) → captured (webhook) → succeeded', async () => {
    const { a, i, session, ref } = await created();
    expect(value(await a.retrieveSession(ref))).toEqual({ status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 });

    expect((await control('POST', `/__sandbox/complete/paypal/${session.reference}`)).body).toEqual({ completed: true, notified: true });
    const [approved] = await webhooks('CHECKOUT.ORDER.APPROVED');
    expect(approved!.url).toBe('http://127.0.0.1:1/v1/webhooks/paypal');
    const [n1] = await a.parseNotification(inbound(approved!));
    expect(n1).toMatchObject({
      provider: 'paypal',
      eventId: approved!.eventId,
      type: 'CHECKOUT.ORDER.APPROVED',
      sessionId: i.sessionId,
      reference: session.reference,
      paymentReference: null,
      observed: { kind: 'payment', status: 'processing', amount: 1050 },
    });
    expect(value(await a.retrieveSession(ref)).status).toBe('processing');

    const captured = value(await a.capture!(ref));
    expect(captured).toMatchObject({ status: 'succeeded', amountPaid: 1050, amountRefunded: 0 });
    expect(captured.paymentReference).toMatch(/^[A-Z0-9]{17}$/);
    const [capReq] = await requests(/capture$/);
    expect(capReq!.headers['paypal-request-id']).toBe(`${i.sessionId}-capture`);
    expect(capReq!.body).toEqual({});
    expect(capReq!.status).toBe(201);

    const [completed] = await webhooks('PAYMENT.CAPTURE.COMPLETED');
    const [n2] = await a.parseNotification(inbound(completed!));
    expect(n2).toMatchObject({
      type: 'PAYMENT.CAPTURE.COMPLETED',
      sessionId: i.sessionId,
      reference: session.reference,
      paymentReference: captured.paymentReference,
      observed: { kind: 'payment', status: 'succeeded', amount: 1050 },
    });
    expect(value(await a.retrieveSession(ref))).toEqual(captured);
    // A second capture (retry of the owning object) is the same PayPal operation: replayed, same state.
    expect(value(await a.capture!(ref))).toEqual(captured);
    expect((await requests(/capture$/)).map((r) => r.status)).toEqual([201, 200]);
  });

  it('an order captured under another PayPal-Request-Id (e.g. an expired key) is read back, not captured twice', async () => {
    const { a, ref, snapshot } = await paid();
    const again = value(await a.capture!({ ...ref, sessionId: `${ref.sessionId}x` }));
    expect(again).toEqual(snapshot);
    const captures = await requests(/capture$/);
    expect(captures.map((r) => r.status)).toEqual([201, 422]);
    expect(captures[1]!.response).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_ALREADY_CAPTURED' }] });
  });

  it('capturing before the payer approved is ORDER_NOT_APPROVED', async () => {
    const { a, ref } = await created();
    expect(failure(await a.capture!(ref))).toMatchObject({ kind: 'invalid_request', status: 422, code: 'ORDER_NOT_APPROVED' });
  });

  it('an unapproved order past the 3-hour approval window reads as expired', async () => {
    const { ref } = await created();
    const later = adapter({ now: () => Date.now() + 3 * 3_600_000 + 1000 });
    expect(value(await later.retrieveSession(ref)).status).toBe('expired');
    expect(value(await later.cancelSession(ref))).toBe(false);
  });

  it('a PENDING capture is processing until PayPal completes it', async () => {
    await control('POST', '/__sandbox/config', { providers: { paypal: { captures: 'pending' } } });
    const { a, ref, snapshot } = await paid();
    expect(snapshot).toMatchObject({ status: 'processing', amountPaid: 0 });
    const [pending] = await webhooks('PAYMENT.CAPTURE.PENDING');
    expect((await a.parseNotification(inbound(pending!)))[0]!.observed).toEqual({ kind: 'payment', status: 'processing', amount: 1050 });
    await control('POST', `/__sandbox/complete/paypal/${snapshot.paymentReference}`);
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'succeeded', amountPaid: 1050 });
    expect((await webhooks('PAYMENT.CAPTURE.COMPLETED')).length).toBe(1);
  });

  it('a DECLINED capture is failed, with PAYMENT.CAPTURE.DENIED', async () => {
    await control('POST', '/__sandbox/config', { providers: { paypal: { captures: 'declined' } } });
    const { a, snapshot } = await paid();
    expect(snapshot.status).toBe('failed');
    const [denied] = await webhooks('PAYMENT.CAPTURE.DENIED');
    expect((await a.parseNotification(inbound(denied!)))[0]!.observed).toMatchObject({ kind: 'payment', status: 'failed' });
  });
});

describe('refunds', () => {
  it('partial then full refund: statuses from amounts, refund webhooks carry our refund id', async () => {
    const { a, i, ref } = await paid();
    const partial = value(await a.refund({ ...ref, refundId: 'rf_1', refundAmount: 400, idempotencyKey: `${i.sessionId}-rf_1` }));
    expect(partial).toMatchObject({ status: 'succeeded', amount: 400 });
    const [req] = await requests(/refund$/);
    expect(req!.path).toBe(`/v2/payments/captures/${ref.paymentReference}/refund`);
    expect(req!.headers['paypal-request-id']).toBe(`${i.sessionId}-rf_1`);
    expect(req!.body).toEqual({
      amount: { currency_code: 'USD', value: '4.00' },
      custom_id: i.sessionId,
      invoice_id: `${i.sessionId}:rf_1`,
    });
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'partially_refunded', amountPaid: 1050, amountRefunded: 400 });

    const [w] = await webhooks('PAYMENT.CAPTURE.REFUNDED');
    expect(await a.parseNotification(inbound(w!))).toEqual([
      {
        provider: 'paypal',
        eventId: w!.eventId,
        type: 'PAYMENT.CAPTURE.REFUNDED',
        sessionId: i.sessionId,
        reference: null,
        paymentReference: ref.paymentReference,
        observed: { kind: 'refund', refundReference: partial.reference, refundId: 'rf_1', status: 'succeeded', amount: 400 },
        occurredAt: expect.any(Number),
      },
    ]);

    const over = failure(await a.refund({ ...ref, refundId: 'rf_2', refundAmount: 651, idempotencyKey: `${i.sessionId}-rf_2` }));
    expect(over).toMatchObject({ kind: 'invalid_request', status: 422, code: 'REFUND_AMOUNT_EXCEEDED' });
    const rest = value(await a.refund({ ...ref, refundId: 'rf_3', refundAmount: 650, idempotencyKey: `${i.sessionId}-rf_3` }));
    expect(rest).toMatchObject({ status: 'succeeded', amount: 650 });
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
    expect(value(await a.retrieveRefund!(ref, rest.reference))).toEqual(rest);
  });

  it('a retried refund with the same key is the same refund', async () => {
    const { a, i, ref } = await paid();
    const body = { ...ref, refundId: 'rf_1', refundAmount: 1050, idempotencyKey: `${i.sessionId}-rf_1` };
    const first = value(await a.refund(body));
    expect(value(await a.refund(body))).toEqual(first);
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
  });

  it('a PENDING refund is pending until completed, and not counted as refunded', async () => {
    await control('POST', '/__sandbox/config', { providers: { paypal: { refunds: 'pending' } } });
    const { a, i, ref } = await paid({ amount: 5000, currency: 'JPY' });
    const r = value(await a.refund({ ...ref, refundId: 'rf_1', refundAmount: 2000, idempotencyKey: `${i.sessionId}-rf_1` }));
    expect(r).toMatchObject({ status: 'pending', amount: 2000 });
    expect((await requests(/refund$/))[0]!.body).toMatchObject({ amount: { currency_code: 'JPY', value: '2000' } });
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'succeeded', amountRefunded: 0 });
    await control('POST', `/__sandbox/complete/paypal/${r.reference}`);
    expect(value(await a.retrieveRefund!(ref, r.reference))).toEqual({ ...r, status: 'succeeded' });
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'partially_refunded', amountPaid: 5000, amountRefunded: 2000 });
  });

  it('a session without a capture cannot be refunded (no call)', async () => {
    const { a, ref } = await created();
    expect(failure(await a.refund({ ...ref, refundId: 'rf', refundAmount: 1, idempotencyKey: 'k' }))).toMatchObject({
      kind: 'invalid_request',
      code: 'not_captured',
    });
    expect(await requests(/refund/)).toHaveLength(0);
  });
});

describe('failures', () => {
  it('5xx: retried three times with the same PayPal-Request-Id, then unavailable', async () => {
    await tokens.token();
    await control('POST', '/__sandbox/config', { providers: { paypal: { failRate: 1, failStatus: 500 } } });
    const i = input();
    const f = failure(await adapter().createSession(i));
    expect(f).toMatchObject({ kind: 'unavailable', retryable: true, status: 500, code: 'INTERNAL_SERVER_ERROR' });
    const attempts = await requests(/POST \/v2\/checkout\/orders$/);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers['paypal-request-id']))).toEqual(new Set([i.idempotencyKey]));
  });

  it('reads are retried too', async () => {
    const { a, ref } = await created();
    await control('POST', '/__sandbox/config', { providers: { paypal: { failRate: 1, failStatus: 503 } } });
    expect(failure(await a.retrieveSession(ref))).toMatchObject({ kind: 'unavailable', retryable: true, status: 503 });
    expect(await requests(/GET \/v2\/checkout\/orders\//)).toHaveLength(3);
  });

  it('no answer within timeoutMs → timeout, after one attempt (it used the operation’s time)', async () => {
    await tokens.token();
    await control('POST', '/__sandbox/config', { providers: { paypal: { timeoutRate: 1, timeoutMs: 2000 } } });
    const f = failure(await adapter({ timeoutMs: 150 }).createSession(input()));
    expect(f).toMatchObject({ kind: 'timeout', retryable: true });
    expect((await requests(/POST \/v2\/checkout\/orders$/)).map((r) => r.status)).toEqual([0]);
  });

  it('a token PayPal no longer accepts is replaced once (401 → new token → success)', async () => {
    // Only Date is faked, so the network runs as usual while the test and the in-process sandbox share one clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    await control('POST', '/__sandbox/config', { providers: { paypal: { tokenTtlSeconds: 60 } } });
    const { a, ref } = await created();
    expect(tokens.issued).toHaveLength(1);
    vi.setSystemTime(Date.now() + 61_000); // the token's minute is over
    expect(value(await a.retrieveSession(ref)).status).toBe('open');
    expect(tokens.issued).toHaveLength(2);
    expect((await requests(/GET \/v2\/checkout\/orders\//)).map((r) => r.status)).toEqual([401, 200]);
    expect((await requests(/GET \/v2\/checkout\/orders\//))[0]!.response).toMatchObject({ name: 'AUTHENTICATION_FAILURE' });
  });

  it('failure messages never carry the client secret or the access token', async () => {
    const { a, ref } = await created();
    const results: PspFailure[] = [failure(await a.capture!(ref))];
    results.push(failure(await a.createSession(input({ currency: 'CRC' }))));
    await control('POST', '/__sandbox/config', { providers: { paypal: { failRate: 1, failStatus: 500 } } });
    results.push(failure(await a.retrieveSession(ref)));
    const secrets = [CLIENT_SECRET, CLIENT_ID, ...tokens.issued];
    for (const f of results) for (const s of secrets) expect(JSON.stringify(f)).not.toContain(s);
  });
});

describe('webhook verification', () => {
  async function approvedWebhook() {
    const c = await created();
    await control('POST', `/__sandbox/complete/paypal/${c.session.reference}`);
    const [w] = await webhooks('CHECKOUT.ORDER.APPROVED');
    return { ...c, w: w! };
  }

  it('the sandbox signs transmission_id|time|webhook_id|crc32(body) with SHA256withRSA (checked with node:crypto)', async () => {
    const { w } = await approvedWebhook();
    const h = w.headers;
    expect(h['paypal-auth-algo']).toBe('SHA256withRSA');
    expect(h['paypal-cert-url']).toMatch(new RegExp(`^${sandbox.url}/paypal/v1/notifications/certs/`));
    const pem = await (await fetch(h['paypal-cert-url']!)).text();
    const message = `${h['paypal-transmission-id']}|${h['paypal-transmission-time']}|${WEBHOOK_ID}|${crc32(Buffer.from(w.body, 'utf8'))}`;
    expect(verify('sha256', Buffer.from(message), pem, Buffer.from(h['paypal-transmission-sig']!, 'base64'))).toBe(true);
    // The same signature does not cover another webhook id or another body.
    const otherId = message.replace(WEBHOOK_ID, 'WH0THER');
    expect(verify('sha256', Buffer.from(otherId), pem, Buffer.from(h['paypal-transmission-sig']!, 'base64'))).toBe(false);
    const event = JSON.parse(w.body);
    expect(event).toMatchObject({
      event_type: 'CHECKOUT.ORDER.APPROVED',
      resource_type: 'checkout-order',
      resource: { status: 'APPROVED' },
    });
    expect(event.id).toBe(w.eventId);
  });

  it('verifies online with our webhook id and the parsed event; a redelivery verifies again', async () => {
    const { a, w } = await approvedWebhook();
    expect(await a.parseNotification(inbound(w))).toHaveLength(1);
    expect(await a.parseNotification(inbound(w))).toHaveLength(1);
    const calls = await requests(/verify-webhook-signature/);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.body).toEqual({
      auth_algo: 'SHA256withRSA',
      cert_url: w.headers['paypal-cert-url'],
      transmission_id: w.headers['paypal-transmission-id'],
      transmission_sig: w.headers['paypal-transmission-sig'],
      transmission_time: w.headers['paypal-transmission-time'],
      webhook_id: WEBHOOK_ID,
      webhook_event: JSON.parse(w.body),
    });
    expect(calls[0]!.response).toEqual({ verification_status: 'SUCCESS' });
  });

  it('a tampered body, another webhook id or a changed transmission time fails verification', async () => {
    const { a, w } = await approvedWebhook();
    const tampered = w.body.replace('"value":"10.50"', '"value":"0.01"');
    expect(tampered).not.toBe(w.body);
    await expect(a.parseNotification({ ...inbound(w), rawBody: tampered })).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(adapter({ webhookId: 'WH0THER0001' }).parseNotification(inbound(w))).rejects.toBeInstanceOf(WebhookVerificationError);
    const later = { ...w.headers, 'paypal-transmission-time': '2030-01-01T00:00:00Z' };
    await expect(a.parseNotification({ ...inbound(w), headers: later })).rejects.toBeInstanceOf(WebhookVerificationError);
    const answers = (await requests(/verify-webhook-signature/)).map((r) => r.response);
    expect(answers).toEqual([{ verification_status: 'FAILURE' }, { verification_status: 'FAILURE' }, { verification_status: 'FAILURE' }]);
  });

  it('missing headers, a malformed body or a GET are refused without asking PayPal', async () => {
    const { a, w } = await approvedWebhook();
    for (const name of [
      'paypal-transmission-id',
      'paypal-transmission-time',
      'paypal-transmission-sig',
      'paypal-cert-url',
      'paypal-auth-algo',
    ]) {
      const { [name]: _, ...headers } = w.headers;
      await expect(a.parseNotification({ ...inbound(w), headers })).rejects.toThrow(WebhookVerificationError);
    }
    await expect(a.parseNotification({ ...inbound(w), rawBody: '{not json' })).rejects.toThrow(WebhookPayloadError);
    await expect(a.parseNotification({ ...inbound(w), rawBody: '{"id":"WH-1"}' })).rejects.toThrow(WebhookPayloadError);
    const noResource = JSON.stringify({ id: 'WH-2', event_type: 'PAYMENT.CAPTURE.COMPLETED' });
    await expect(a.parseNotification({ ...inbound(w), rawBody: noResource })).rejects.toThrow(WebhookPayloadError);
    await expect(a.parseNotification({ ...inbound(w), method: 'GET' })).rejects.toThrow(WebhookVerificationError);
    await expect(a.parseNotification({ ...inbound(w), headers: { ...w.headers, 'paypal-transmission-sig': '+++' } })).rejects.toThrow(
      WebhookVerificationError,
    );
    expect(await requests(/verify-webhook-signature/)).toHaveLength(0);
  });

  it('PayPal not answering the verification is not a verdict (PaypalVerificationUnavailableError)', async () => {
    const { a, w } = await approvedWebhook();
    await control('POST', '/__sandbox/config', { providers: { paypal: { failRate: 1, failStatus: 503 } } });
    const err = await a.parseNotification(inbound(w)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaypalVerificationUnavailableError);
    expect(err).not.toBeInstanceOf(WebhookVerificationError);
  });

  it('the verify endpoint itself validates webhook_id per the spec (alphanumeric)', async () => {
    const { w } = await approvedWebhook();
    const token = await tokens.token();
    const res = await fetch(`${sandbox.url}/paypal/v1/notifications/verify-webhook-signature`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        auth_algo: 'SHA256withRSA',
        cert_url: w.headers['paypal-cert-url'],
        transmission_id: w.headers['paypal-transmission-id'],
        transmission_sig: w.headers['paypal-transmission-sig'],
        transmission_time: w.headers['paypal-transmission-time'],
        webhook_id: 'WH-WITH-HYPHENS',
        webhook_event: JSON.parse(w.body),
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      name: 'INVALID_REQUEST',
      details: [{ field: '/webhook_id', issue: 'INVALID_PARAMETER_SYNTAX' }],
    });
    // The contract validator agrees; the request was the test's own, so it is cleared before the afterEach check.
    const [violation] = (await control('GET', '/__sandbox/contract-violations')).body as RecordedRequest[];
    expect(violation!.contract!.errors.join(' ')).toMatch(/webhook_id/);
    await control('POST', '/__sandbox/reset');
  });
});
