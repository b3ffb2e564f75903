import { createHmac, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import { createTilopayProvider, SANDBOX_TILOPAY_KEY } from '../../../dev/sandbox/tilopay.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import { type CheckoutInput, type CheckoutRef, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { TilopayCheckoutAdapter } from '../../../src/psp/tilopay/client.ts';
import { requestTilopayToken } from '../../../src/psp/tilopay/token.ts';
import { TilopayConsultUnavailableError } from '../../../src/psp/tilopay/webhook.ts';
import { type TokenCredentials, TokenRequestError } from '../../../src/psp/tokens.ts';
import type { PspFailure, PspResult } from '../../../src/psp/types.ts';
import { cachingTokenSource, inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The Tilopay adapter against the Tilopay emulator over real HTTP. */
const API_USER = 'edgepay_unit_user';
const API_PASSWORD = 'Tilopay-Password-DoNotLeak-7';
const API_KEY = '1234-5678-9012-3456-7890';

const sandbox = useProviderSandbox(createTilopayProvider, { tilopayApiUser: API_USER, tilopayApiPassword: API_PASSWORD });
const { control } = sandbox;

beforeEach(async () => {
  tokens = tokenSource();
});

const credentials = (over: Partial<TokenCredentials> = {}): TokenCredentials => ({
  provider: 'tilopay',
  baseUrl: `${sandbox.url}/tilopay`,
  clientId: API_USER,
  clientSecret: API_PASSWORD,
  timeoutMs: 2000,
  ...over,
});

const tokenSource = (creds: () => TokenCredentials = () => credentials()) => cachingTokenSource(() => requestTilopayToken(creds()));

let tokens: ReturnType<typeof tokenSource>;
const adapter = (over: Partial<ConstructorParameters<typeof TilopayCheckoutAdapter>[0]> = {}) =>
  new TilopayCheckoutAdapter(
    { apiUrl: `${sandbox.url}/tilopay`, apiKey: API_KEY, apiUser: API_USER, apiPassword: API_PASSWORD, timeoutMs: 10_000, ...over },
    tokens,
  );

function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  const sessionId = over.sessionId ?? `cko${randomBytes(16).toString('hex')}`;
  return {
    sessionId,
    tenantId: 'tenant_1',
    amount: 1050,
    currency: 'USD',
    merchantAccount: API_KEY,
    description: 'Concert ticket',
    metadata: {},
    successUrl: 'https://shop.example/success',
    cancelUrl: 'https://shop.example/cancel',
    expiresAt: Date.now() + 3_600_000,
    notificationUrl: `https://edgepay.example/v1/webhooks/tilopay/${sessionId}?t=1`,
    idempotencyKey: `checkout-${sessionId}`,
    customerEmail: 'ana+tickets@example.cr',
    ...over,
  };
}

const requests = async (path?: RegExp): Promise<RecordedRequest[]> =>
  ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => !path || path.test(`${r.method} ${r.path}`));
const webhooks = async (): Promise<RecordedWebhook[]> => (await control('GET', '/__sandbox/webhooks?provider=tilopay')).body;
const withQuery = (url: string, changes: Record<string, string | null>) => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(changes)) v === null ? u.searchParams.delete(k) : u.searchParams.set(k, v);
  return u.toString();
};

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
  expect((await control('POST', `/__sandbox/complete/tilopay/${c.session.reference}`)).body).toEqual({ completed: true, notified: true });
  const w = (await webhooks()).at(-1)!;
  return { ...c, w };
}

describe('token', () => {
  it('logs in with { apiuser, password }; expires_in is a lifetime', async () => {
    await control('POST', '/__sandbox/config', { providers: { tilopay: { tokenTtlSeconds: 86_400 } } });
    const before = Date.now();
    const grant = await requestTilopayToken(credentials());
    expect(grant.expiresAt).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(grant.expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000);
    const [req] = await requests(/login/);
    expect(req!.body).toEqual({ apiuser: API_USER, password: API_PASSWORD });
    expect(req!.response).toMatchObject({ token_type: 'bearer', expires_in: 86_400 });
  });

  it('a wrong password is a TokenRequestError(401) without credentials in the message', async () => {
    const err = await requestTilopayToken(credentials({ clientSecret: 'not-the-password' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect((err as TokenRequestError).status).toBe(401);
    expect((err as Error).message).not.toMatch(/not-the-password|edgepay_unit_user/);
  });
});

describe('createSession', () => {
  it('asks for a hosted page with our session as orderNumber and the notification URL as redirect', async () => {
    const i = input();
    const session = value(await adapter().createSession(i));
    expect(session).toEqual({
      reference: i.sessionId,
      checkoutUrl: expect.stringMatching(new RegExp(`^${sandbox.url}/tilopay/checkout/`)),
      expiresAt: null,
      details: {},
    });
    const [req] = await requests(/processPayment/);
    expect(req!.headers.authorization).toBe(`bearer ${tokens.issued[0]}`);
    expect(req!.body).toEqual({
      redirect: i.notificationUrl,
      key: API_KEY,
      amount: '10.50',
      currency: 'USD',
      orderNumber: i.sessionId,
      capture: '1',
      subscription: '0',
      billToFirstName: '',
      billToLastName: '',
      billToAddress: '',
      billToAddress2: '',
      billToCity: '',
      billToState: '',
      billToZipPostCode: '',
      billToCountry: '',
      billToTelephone: '',
      billToEmail: 'ana+tickets@example.cr',
      platform: 'edgepay',
      returnData: Buffer.from(i.sessionId).toString('base64'),
      hashVersion: 'V2',
    });
  });

  it('sends CRC with two decimals, zero-decimal currencies with ".00", and billTo* from metadata', async () => {
    value(
      await adapter().createSession(input({ amount: 1_250_000, currency: 'CRC', metadata: { billToCountry: 'CR', billToState: 'CR-SJ' } })),
    );
    value(await adapter().createSession(input({ amount: 500, currency: 'JPY' })));
    const [crc, jpy] = await requests(/processPayment/);
    expect(crc!.body).toMatchObject({ amount: '12500.00', currency: 'CRC', billToCountry: 'CR', billToState: 'CR-SJ' });
    expect(jpy!.body).toMatchObject({ amount: '500.00', currency: 'JPY' });
  });

  it('without a customer email, or in a three-decimal currency, nothing is sent', async () => {
    expect(failure(await adapter().createSession(input({ customerEmail: undefined })))).toEqual({
      kind: 'invalid_request',
      retryable: false,
      code: 'customer_email_required',
      message: expect.any(String),
    });
    expect(failure(await adapter().createSession(input({ currency: 'KWD', amount: 1000 })))).toMatchObject({
      code: 'unsupported_currency',
    });
    expect(await requests()).toHaveLength(0);
  });

  it('an order number is single use: a second create is refused (and not retried)', async () => {
    const i = input();
    value(await adapter().createSession(i));
    const f = failure(await adapter().createSession(i));
    expect(f).toMatchObject({ kind: 'invalid_request', status: 400, code: 'tilopay_400', retryable: false });
    expect(f.message).toContain('already been taken');
    expect(await requests(/processPayment/)).toHaveLength(2);
  });
});

describe('payment flow', () => {
  it('open → payer redirected (GET, verified by consult + OrderHash) → succeeded', async () => {
    const { a, i, session, ref } = await created();
    expect(value(await a.retrieveSession(ref))).toEqual({ status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 });
    const [consultReq] = await requests(/consult/);
    expect(consultReq!.body).toEqual({ key: API_KEY, orderNumber: session.reference, merchantId: '' });

    expect((await control('POST', `/__sandbox/complete/tilopay/${session.reference}`)).body).toEqual({ completed: true, notified: true });
    const [w] = await webhooks();
    expect(w!.method).toBe('GET');
    const url = new URL(w!.url);
    expect(`${url.origin}${url.pathname}`).toBe(`https://edgepay.example/v1/webhooks/tilopay/${i.sessionId}`);
    const q = url.searchParams;
    expect(q.get('t')).toBe('1');
    expect(q.get('code')).toBe('1');
    expect(q.get('order')).toBe(i.sessionId);
    expect(q.get('auth')).toMatch(/^\d{6}$/);
    expect(q.get('returnData')).toBe(Buffer.from(i.sessionId).toString('base64'));
    const tpt = q.get('tpt')!;

    const [n] = await a.parseNotification(inbound(w!));
    expect(n).toEqual({
      provider: 'tilopay',
      eventId: `tilopay:${i.sessionId}:${tpt}:1`,
      type: 'redirect',
      sessionId: i.sessionId,
      reference: i.sessionId,
      paymentReference: tpt,
      observed: { kind: 'payment', status: 'succeeded', amount: 1050, amountRefunded: 0 },
      occurredAt: expect.any(Number),
    });
    expect(n!.eventId).toBe(w!.eventId);
    expect(value(await a.retrieveSession(ref))).toEqual({
      status: 'succeeded',
      paymentReference: tpt,
      amountPaid: 1050,
      amountRefunded: 0,
    });
    expect(value(await a.cancelSession(ref))).toBe(false);
    // Paid once: completing again does nothing.
    expect((await control('POST', `/__sandbox/complete/tilopay/${session.reference}`)).body).toEqual({ completed: true, notified: false });
  });

  it('the OrderHash is V2: HMAC-SHA256(tpt|key|password) over the documented query string', async () => {
    const { a, w } = await paid({ amount: 123_456_789, currency: 'CRC', customerEmail: 'maría+1@example.cr' });
    const q = new URL(w.url).searchParams;
    const message =
      `api_Key=${API_KEY}&api_user=${API_USER}&orderId=${q.get('tpt')}&external_orden_id=${q.get('order')}` +
      `&amount=1,234,567.89&currency=CRC&responseCode=1&auth=${q.get('auth')}&email=mar%C3%ADa%2B1%40example.cr`;
    const expected = createHmac('sha256', `${q.get('tpt')}|${API_KEY}|${API_PASSWORD}`)
      .update(message)
      .digest('hex');
    expect(q.get('OrderHash')).toBe(expected);
    // The adapter computes the same message (thousands separators, encoded email) and accepts it.
    expect((await a.parseNotification(inbound(w)))[0]!.observed).toMatchObject({ status: 'succeeded', amount: 123_456_789 });
  });

  it('a declined or cancelled attempt is failed / canceled; a pending SINPE attempt is processing until settled', async () => {
    await control('POST', '/__sandbox/config', { providers: { tilopay: { outcome: 'declined' } } });
    const declined = await paid();
    expect((await declined.a.parseNotification(inbound(declined.w)))[0]!.observed).toEqual({
      kind: 'payment',
      status: 'failed',
      amount: null,
      amountRefunded: 0,
    });
    expect(value(await declined.a.retrieveSession(declined.ref)).status).toBe('failed');

    await control('POST', '/__sandbox/config', { providers: { tilopay: { outcome: 'canceled' } } });
    const canceled = await paid();
    expect(value(await canceled.a.retrieveSession(canceled.ref)).status).toBe('canceled');
    expect(new URL(canceled.w.url).searchParams.get('code')).toBe('8');

    await control('POST', '/__sandbox/config', { providers: { tilopay: { outcome: 'pending' } } });
    const pending = await paid();
    expect((await pending.a.parseNotification(inbound(pending.w)))[0]!.observed).toMatchObject({ kind: 'payment', status: 'processing' });
    expect(value(await pending.a.retrieveSession(pending.ref)).status).toBe('processing');
    expect((await control('POST', `/__sandbox/complete/tilopay/${pending.session.reference}`)).body).toEqual({
      completed: true,
      notified: false,
    });
    expect(value(await pending.a.retrieveSession(pending.ref))).toMatchObject({ status: 'succeeded', amountPaid: 1050 });
  });

  it('an approved payment for another amount is not ours: failed', async () => {
    const { a, ref } = await paid();
    expect(value(await a.retrieveSession({ ...ref, amount: 1049 }))).toEqual({
      status: 'failed',
      paymentReference: expect.any(String),
      amountPaid: 0,
      amountRefunded: 0,
    });
    expect(value(await a.retrieveSession({ ...ref, currency: 'CRC' })).status).toBe('failed');
  });
});

describe('redirect verification', () => {
  it('altered query parameters, another password or a forged returnData are refused', async () => {
    const { a, w } = await paid();
    const q = new URL(w.url).searchParams;
    const refuse = (url: string, over: Partial<ReturnType<typeof inbound>> = {}, adapterToUse = a) =>
      expect(adapterToUse.parseNotification({ ...inbound(w, url), ...over })).rejects.toBeInstanceOf(WebhookVerificationError);
    await refuse(withQuery(w.url, { auth: '000000' }));
    await refuse(withQuery(w.url, { code: '2' }));
    await refuse(withQuery(w.url, { OrderHash: 'ab'.repeat(32) }));
    await refuse(withQuery(w.url, { OrderHash: 'zz' }));
    await refuse(withQuery(w.url, { tpt: '1', 'tilopay-transaction': '1' }));
    await refuse(withQuery(w.url, { returnData: Buffer.from('cko-other').toString('base64') }));
    await refuse(withQuery(w.url, { order: null }));
    await refuse(withQuery(w.url, { order: `cko${'0'.repeat(32)}` }));
    await refuse(w.url, { method: 'POST' });
    await refuse(w.url, {}, adapter({ apiPassword: 'another-password' }));
    // The original still verifies (and without a hash, the consult alone decides).
    expect(await a.parseNotification(inbound(w))).toHaveLength(1);
    expect((await a.parseNotification(inbound(w, withQuery(w.url, { OrderHash: null }))))[0]!.paymentReference).toBe(q.get('tpt'));
  });

  it('Tilopay not answering the consult is not a verdict (TilopayConsultUnavailableError)', async () => {
    const { a, w } = await paid();
    await control('POST', '/__sandbox/config', { providers: { tilopay: { failRate: 1, failStatus: 502 } } });
    const err = await a.parseNotification(inbound(w)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TilopayConsultUnavailableError);
  });
});

describe('refunds', () => {
  it('partial, then the rest; over-refunds refused; statuses from the consulted amounts', async () => {
    const { a, i, ref, w } = await paid();
    const tpt = new URL(w.url).searchParams.get('tpt');
    const withPayment = { ...ref, paymentReference: tpt };
    const first = value(await a.refund({ ...withPayment, refundId: 'rf_1', refundAmount: 300, idempotencyKey: `${i.sessionId}-rf_1` }));
    expect(first).toEqual({ reference: expect.stringMatching(/^\d+$/), status: 'succeeded', amount: 300 });
    const [req] = await requests(/processModification/);
    expect(req!.body).toEqual({ orderNumber: i.sessionId, type: '2', amount: '3.00', key: API_KEY, hashVersion: 'V2' });
    expect(value(await a.retrieveSession(ref))).toEqual({
      status: 'partially_refunded',
      paymentReference: tpt,
      amountPaid: 1050,
      amountRefunded: 300,
    });

    const over = failure(await a.refund({ ...withPayment, refundId: 'rf_2', refundAmount: 751, idempotencyKey: 'k2' }));
    expect(over).toMatchObject({ kind: 'invalid_request', status: 400, retryable: false });
    expect(over.message).toContain('exceeds');
    value(await a.refund({ ...withPayment, refundId: 'rf_3', refundAmount: 750, idempotencyKey: 'k3' }));
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
  });

  it('refunds in CRC are two-decimal strings too', async () => {
    const { a, i, ref } = await paid({ amount: 1_000_000, currency: 'CRC' });
    value(await a.refund({ ...ref, refundId: 'rf_1', refundAmount: 250_050, idempotencyKey: `${i.sessionId}-rf_1` }));
    expect((await requests(/processModification/))[0]!.body).toMatchObject({ amount: '2500.50' });
    expect(value(await a.retrieveSession(ref))).toMatchObject({ status: 'partially_refunded', amountRefunded: 250_050 });
  });
});

describe('failures', () => {
  it('5xx: a create is not retried (no idempotency), a consult is', async () => {
    await tokens.token();
    await control('POST', '/__sandbox/config', { providers: { tilopay: { failRate: 1, failStatus: 500 } } });
    expect(failure(await adapter().createSession(input()))).toMatchObject({ kind: 'unavailable', retryable: true, status: 500 });
    expect(await requests(/processPayment/)).toHaveLength(1);
    const ref: CheckoutRef = {
      sessionId: 'cko1',
      reference: 'cko1',
      merchantAccount: '',
      amount: 1,
      currency: 'USD',
      paymentReference: null,
    };
    expect(failure(await adapter().retrieveSession(ref))).toMatchObject({ kind: 'unavailable', status: 500 });
    expect(await requests(/consult/)).toHaveLength(3);
    expect(
      failure(await adapter().refund({ ...ref, paymentReference: '1', refundId: 'r', refundAmount: 1, idempotencyKey: 'k' })),
    ).toMatchObject({
      kind: 'unavailable',
    });
    expect(await requests(/processModification/)).toHaveLength(1);
  });

  it('validation errors are invalid_request with Tilopay’s message', async () => {
    const f = failure(await adapter({ apiKey: 'not-a-key' }).createSession(input()));
    // Tilopay's message echoes the key: the adapter redacts its own credentials.
    expect(f).toMatchObject({
      kind: 'invalid_request',
      status: 400,
      code: 'tilopay_400',
      message: 'Tilopay: The key [redacted] is not a valid integration key.',
    });
    expect((await requests(/processPayment/))[0]!.response).toEqual({
      type: '400',
      message: 'The key not-a-key is not a valid integration key.',
    });
  });

  it('no answer within timeoutMs → timeout, one attempt for a create', async () => {
    await tokens.token();
    await control('POST', '/__sandbox/config', { providers: { tilopay: { timeoutRate: 1, timeoutMs: 2000 } } });
    expect(failure(await adapter({ timeoutMs: 150 }).createSession(input()))).toMatchObject({ kind: 'timeout', retryable: true });
    expect((await requests(/processPayment/)).map((r) => r.status)).toEqual([0]);
  });

  it('an expired token is replaced once (401 → login → success)', async () => {
    // Only Date is faked, so the network runs as usual while the test and the in-process sandbox share one clock.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    await control('POST', '/__sandbox/config', { providers: { tilopay: { tokenTtlSeconds: 60 } } });
    const { a, ref } = await created();
    expect(tokens.issued).toHaveLength(1);
    vi.setSystemTime(Date.now() + 61_000); // the token's minute is over
    expect(value(await a.retrieveSession(ref)).status).toBe('open');
    expect(tokens.issued).toHaveLength(2);
    expect((await requests(/consult/)).map((r) => r.status)).toEqual([401, 200]);
  });

  it('failure messages never carry the password, the key or the token', async () => {
    const a = adapter();
    value(await a.createSession(input({ sessionId: 'ckoDUP' })));
    const results = [failure(await a.createSession(input({ sessionId: 'ckoDUP' })))];
    results.push(failure(await adapter({ apiKey: 'BAD-KEY-VALUE-123' }).createSession(input())));
    await control('POST', '/__sandbox/config', { providers: { tilopay: { failRate: 1, failStatus: 500 } } });
    results.push(failure(await a.createSession(input())));
    for (const f of results)
      for (const s of [API_PASSWORD, API_KEY, 'BAD-KEY-VALUE-123', ...tokens.issued]) expect(JSON.stringify(f)).not.toContain(s);
  });

  it('the dev stack key format is accepted', async () => {
    value(await adapter({ apiKey: SANDBOX_TILOPAY_KEY }).createSession(input()));
  });
});
