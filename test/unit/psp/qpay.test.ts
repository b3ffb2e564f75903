import { beforeEach, describe, expect, it } from 'vitest';
import { createQpayProvider, QPAY_TEST_INVOICE_CODE } from '../../../dev/sandbox/qpay.ts';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { CheckoutInput, CheckoutRef, CheckoutRefundInput } from '../../../src/psp/checkout.ts';
import { QpayCheckoutAdapter } from '../../../src/psp/qpay/client.ts';
import { requestQpayToken } from '../../../src/psp/qpay/token.ts';
import type { TokenSource } from '../../../src/psp/tokens.ts';
import type { PspResult } from '../../../src/psp/types.ts';
import { inboundOf as inbound, useProviderSandbox } from './provider-sandbox.ts';

/** The QPay adapter against the in-process QPay emulator over real HTTP, with tokens from the emulator's auth endpoint. */
const CLIENT_ID = 'EDGEPAY_TEST';
const CLIENT_SECRET = 'qpay-unit-secret-never-logged';

const sandbox = useProviderSandbox(createQpayProvider);
let tokens: TestTokens;
let adapter: QpayCheckoutAdapter;
const { control } = sandbox;
const baseUrl = () => `${sandbox.url}/qpay/v2`;

/** A minimal TokenSource over requestQpayToken (caching and single-flight are TokenBrokerDO's job). */
type TestTokens = TokenSource & { issued: string[]; invalidated: string[] };
function testTokens(first?: string): TestTokens {
  let current: string | null = first ?? null;
  const source: TestTokens = {
    issued: [],
    invalidated: [],
    async token() {
      if (current === null) {
        current = (await requestQpayToken({ baseUrl: baseUrl(), clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, timeoutMs: 2000 }))
          .accessToken;
        source.issued.push(current);
      }
      return current;
    },
    async invalidate(accessToken) {
      source.invalidated.push(accessToken);
      if (current === accessToken) current = null;
    },
  };
  return source;
}

function makeAdapter(over: { invoiceCode?: string; timeoutMs?: number } = {}, source: TokenSource = tokens) {
  return new QpayCheckoutAdapter({ baseUrl: baseUrl(), invoiceCode: QPAY_TEST_INVOICE_CODE, timeoutMs: 10_000, ...over }, source);
}

beforeEach(async () => {
  tokens = testTokens();
  adapter = makeAdapter();
});

let n = 0;
function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  n++;
  const sessionId = `cko${n.toString(16).padStart(32, 'a')}`;
  return {
    sessionId,
    tenantId: 'tenant-1',
    amount: 1_250_000, // 12,500 ₮
    currency: 'MNT',
    merchantAccount: QPAY_TEST_INVOICE_CODE,
    description: 'Concert ticket A12',
    metadata: { venue: 'v-42' },
    successUrl: 'https://app.example/checkout/return',
    cancelUrl: 'https://app.example/checkout/cancel',
    expiresAt: Date.parse('2031-05-01T10:00:00.000Z'),
    notificationUrl: `https://app.example/v1/webhooks/qpay?session=${sessionId}`,
    idempotencyKey: `checkout-create-${n}`,
    ...over,
  };
}

const requests = async (): Promise<RecordedRequest[]> => (await control('GET', '/__sandbox/requests')).body;
const calls = async (method: string, prefix: string) =>
  (await requests()).filter((r) => r.method === method && r.path.startsWith(prefix) && !r.path.startsWith('/v2/auth/'));
const webhooks = async (): Promise<RecordedWebhook[]> => (await control('GET', '/__sandbox/webhooks?provider=qpay')).body;

function value<T>(result: PspResult<T>): T {
  if (!result.ok) throw new Error(`adapter failed: ${JSON.stringify(result.failure)}`);
  return result.value;
}

const refOf = (i: CheckoutInput, reference: string, paymentReference: string | null = null): CheckoutRef => ({
  sessionId: i.sessionId,
  reference,
  merchantAccount: i.merchantAccount,
  amount: i.amount,
  currency: i.currency,
  paymentReference,
});

async function paid(i = input()) {
  const session = value(await adapter.createSession(i));
  expect(await control('POST', `/__sandbox/complete/qpay/${session.reference}`)).toEqual({
    status: 200,
    body: { completed: true, notified: true },
  });
  const callback = (await webhooks()).at(-1)!;
  const paymentId = new URL(callback.url).searchParams.get('qpay_payment_id')!;
  return { session, input: i, callback, paymentId, ref: refOf(i, session.reference, paymentId) };
}

describe('createSession', () => {
  it('creates an invoice in whole tugrik with our session id, callback URL and expiry, and returns its QR details', async () => {
    const i = input();
    const session = value(await adapter.createSession(i));

    const [create] = await calls('POST', '/v2/invoice');
    expect(create?.body).toEqual({
      invoice_code: 'TEST_INVOICE',
      sender_invoice_no: i.sessionId,
      invoice_receiver_code: 'terminal',
      invoice_description: 'Concert ticket A12',
      amount: 12_500,
      callback_url: i.notificationUrl,
      enable_expiry: true,
      expiry_date: '2031-05-01T10:00:00.000Z',
    });
    expect(create?.headers.authorization).toBe(`Bearer ${tokens.issued[0]}`);
    expect(create?.headers['content-type']).toBe('application/json');

    expect(session.reference).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(session.checkoutUrl).toMatch(new RegExp(`^${sandbox.url}/qpay/s/[A-Za-z0-9_-]+$`));
    expect(session.expiresAt).toBe(i.expiresAt);
    const details = session.details as {
      invoice_id: string;
      qr_text: string;
      qr_image: string;
      short_url: string;
      urls: Record<string, string>[];
    };
    expect(details.invoice_id).toBe(session.reference);
    expect(details.short_url).toBe(session.checkoutUrl);
    expect(details.qr_text).toMatch(/^000201010212.*5303496.*540512500.*6304[0-9A-F]{4}$/);
    expect(details.qr_image.startsWith('data:')).toBe(false);
    expect([...Buffer.from(details.qr_image, 'base64').subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(details.urls.length).toBeGreaterThan(3);
    expect(details.urls.map((u) => u.link)).toContain(`khanbank://q?qPay_QRcode=${details.qr_text}`);
  });

  it('refuses an amount that is not whole tugrik, and any currency but MNT, without calling QPay', async () => {
    const notWhole = await adapter.createSession(input({ amount: 1_250_050 }));
    expect(notWhole).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'amount_not_whole_mnt', retryable: false } });
    const yen = await adapter.createSession(input({ amount: 500, currency: 'JPY' }));
    expect(yen).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'currency_unsupported' } });
    expect(await requests()).toEqual([]);
  });

  it('is not idempotent at QPay: the same input twice makes two invoices', async () => {
    const i = input();
    const a = value(await adapter.createSession(i));
    const b = value(await adapter.createSession(i));
    expect(a.reference).not.toBe(b.reference);
    expect(await calls('POST', '/v2/invoice')).toHaveLength(2);
  });

  it("maps QPay's 400 INVOICE_CODE_INVALID to invalid_request", async () => {
    const res = await makeAdapter({ invoiceCode: 'NOT_OURS' }).createSession(input());
    expect(res).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 400, code: 'INVOICE_CODE_INVALID', retryable: false },
    });
  });
});

describe('retrieveSession, callback and parseNotification', () => {
  it('reads an unpaid invoice as open: payment check with no rows, then the invoice', async () => {
    const i = input();
    const session = value(await adapter.createSession(i));
    expect(value(await adapter.retrieveSession(refOf(i, session.reference)))).toEqual({
      status: 'open',
      paymentReference: null,
      amountPaid: 0,
      amountRefunded: 0,
    });
    const [check] = await calls('POST', '/v2/payment/check');
    expect(check?.body).toEqual({ object_type: 'INVOICE', object_id: session.reference, offset: { page_number: 1, page_limit: 100 } });
    expect(check?.response).toEqual({ count: 0, rows: [] });
    expect((await calls('GET', '/v2/invoice/')).map((r) => r.path)).toEqual([`/v2/invoice/${session.reference}`]);
  });

  it('after the payer pays, QPay calls back with GET and qpay_payment_id; the notification is a trigger and the check says succeeded', async () => {
    const { session, input: i, callback, paymentId } = await paid();
    expect(callback).toMatchObject({ provider: 'qpay', method: 'GET', type: 'callback', body: '' });
    expect(callback.url).toBe(`${i.notificationUrl}&qpay_payment_id=${paymentId}`);
    expect(paymentId).toMatch(/^\d{15}$/);
    expect(Object.keys(callback.headers).some((h) => /signature|hmac/i.test(h))).toBe(false);

    const before = Date.now();
    const [notification, ...rest] = await adapter.parseNotification(inbound(callback));
    expect(rest).toEqual([]);
    expect(notification).toMatchObject({
      provider: 'qpay',
      eventId: `qpay:${i.sessionId}:${paymentId}`,
      type: 'callback',
      sessionId: i.sessionId,
      reference: null,
      paymentReference: paymentId,
      observed: null,
    });
    expect(notification!.occurredAt).toBeGreaterThanOrEqual(before);

    expect(value(await adapter.retrieveSession(refOf(i, session.reference)))).toEqual({
      status: 'succeeded',
      paymentReference: paymentId,
      amountPaid: 1_250_000,
      amountRefunded: 0,
    });
    const checks = await calls('POST', '/v2/payment/check');
    expect(checks.at(-1)?.response).toMatchObject({
      count: 1,
      paid_amount: 12_500,
      rows: [{ payment_id: paymentId, payment_status: 'PAID', payment_amount: '12500.00', payment_currency: 'MNT', payment_type: 'P2P' }],
    });
    // A paid session needs no invoice read.
    expect(await calls('GET', '/v2/invoice/')).toEqual([]);
  });

  it('invoice() returns the sender invoice number (our session id), status and amount in minor units', async () => {
    const i = input();
    const session = value(await adapter.createSession(i));
    expect(value(await adapter.invoice(session.reference))).toEqual({
      invoiceId: session.reference,
      senderInvoiceNo: i.sessionId,
      status: 'OPEN',
      amount: 1_250_000,
    });
    const [read] = await calls('GET', '/v2/invoice/');
    expect(read?.response).toMatchObject({ total_amount: '12500.00', gross_amount: 12_500, enable_expiry: true });
    await control('POST', `/__sandbox/complete/qpay/${session.reference}`);
    expect(value(await adapter.invoice(session.reference)).status).toBe('CLOSED');
    expect(await adapter.invoice('00000000-0000-4000-8000-000000000000')).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 422, code: 'INVOICE_NOTFOUND' },
    });
  });

  it('an invoice past its expiry reads as expired and cannot be paid', async () => {
    const i = input({ expiresAt: Date.now() - 1000 });
    const session = value(await adapter.createSession(i));
    expect(value(await adapter.retrieveSession(refOf(i, session.reference))).status).toBe('expired');
    expect(await control('POST', `/__sandbox/complete/qpay/${session.reference}`)).toEqual({
      status: 409,
      body: { completed: false, notified: false, status: 409 },
    });
    expect(await webhooks()).toEqual([]);
  });

  it('an unknown invoice cannot be completed', async () => {
    expect((await control('POST', '/__sandbox/complete/qpay/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('cancelSession', () => {
  it('cancels an open invoice: canceled on read-back, no longer payable, and cancelling again is still ok(true)', async () => {
    const i = input();
    const session = value(await adapter.createSession(i));
    expect(await adapter.cancelSession(refOf(i, session.reference))).toEqual({ ok: true, value: true });
    const [cancel] = await calls('DELETE', '/v2/invoice/');
    expect(cancel).toMatchObject({ path: `/v2/invoice/${session.reference}`, status: 200, response: {} });
    expect(value(await adapter.retrieveSession(refOf(i, session.reference))).status).toBe('canceled');
    expect((await control('POST', `/__sandbox/complete/qpay/${session.reference}`)).status).toBe(409);
    expect(await adapter.cancelSession(refOf(i, session.reference))).toEqual({ ok: true, value: true });
  });

  it('a paid invoice cannot be cancelled: ok(false) from INVOICE_PAID', async () => {
    const { ref } = await paid();
    expect(await adapter.cancelSession(ref)).toEqual({ ok: true, value: false });
    const [cancel] = await calls('DELETE', '/v2/invoice/');
    expect(cancel).toMatchObject({ status: 400, response: { error: 'INVOICE_PAID', error_code: 'INVOICE_PAID' } });
  });
});

describe('refund', () => {
  const refund = (ref: CheckoutRef, refundAmount: number, refundId = 'rf_1'): CheckoutRefundInput => ({
    ...ref,
    refundId,
    refundAmount,
    idempotencyKey: `refund-${refundId}`,
  });

  it('refunds the whole payment with DELETE /v2/payment/refund/{payment_id}; the check then says refunded', async () => {
    const { ref, paymentId } = await paid();
    expect(await adapter.refund(refund(ref, 1_250_000))).toEqual({
      ok: true,
      value: { reference: paymentId, status: 'succeeded', amount: 1_250_000 },
    });
    const [call] = await calls('DELETE', '/v2/payment/refund/');
    expect(call).toMatchObject({ path: `/v2/payment/refund/${paymentId}`, body: { note: 'refund rf_1' }, status: 200, response: {} });
    expect(value(await adapter.retrieveSession(ref))).toEqual({
      status: 'refunded',
      paymentReference: paymentId,
      amountPaid: 1_250_000,
      amountRefunded: 1_250_000,
    });
  });

  it('refuses a partial refund and a session without a payment without calling QPay', async () => {
    const { ref } = await paid();
    const before = (await requests()).length;
    expect(await adapter.refund(refund(ref, 500_000))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', code: 'partial_refund_unsupported', retryable: false },
    });
    expect(await adapter.refund(refund({ ...ref, paymentReference: null }, 1_250_000))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', code: 'payment_reference_missing' },
    });
    expect(await requests()).toHaveLength(before);
  });

  it('a second refund of the same payment is refused by QPay, in one attempt', async () => {
    const { ref } = await paid();
    value(await adapter.refund(refund(ref, 1_250_000)));
    expect(await adapter.refund(refund(ref, 1_250_000, 'rf_2'))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 400, code: 'PAYMENT_ALREADY_CANCELED' },
    });
    expect(await calls('DELETE', '/v2/payment/refund/')).toHaveLength(2);
  });
});

describe('authentication', () => {
  it('recovers from a stale token once: 401, invalidate, fresh token, same call again', async () => {
    tokens = testTokens('qpay_at_stale-token-from-an-earlier-isolate');
    adapter = makeAdapter({}, tokens);
    const session = value(await adapter.createSession(input()));
    expect(session.reference).toBeTruthy();
    expect(tokens.invalidated).toEqual(['qpay_at_stale-token-from-an-earlier-isolate']);
    expect(tokens.issued).toHaveLength(1);
    const creates = await calls('POST', '/v2/invoice');
    expect(creates.map((r) => [r.status, r.headers.authorization])).toEqual([
      [401, 'Bearer qpay_at_stale-token-from-an-earlier-isolate'],
      [200, `Bearer ${tokens.issued[0]}`],
    ]);
    expect(creates[0]?.response).toMatchObject({ error_code: 'AUTHENTICATION_FAILED' });
  });

  it('reports a token QPay keeps refusing as authentication, without the token in the message', async () => {
    const bogus = 'qpay_at_bogus-token-value-0123456789abcdef';
    const always: TokenSource = { token: async () => bogus, invalidate: async () => {} };
    const res = await makeAdapter({}, always).retrieveSession(refOf(input(), '00000000-0000-4000-8000-000000000000'));
    expect(res).toMatchObject({
      ok: false,
      failure: { kind: 'authentication', status: 401, code: 'AUTHENTICATION_FAILED', retryable: false },
    });
    expect(JSON.stringify(res)).not.toContain(bogus);
    expect(await calls('POST', '/v2/payment/check')).toHaveLength(2);
  });
});

describe('failures', () => {
  it('failRate 1 → unavailable: the invoice create is tried once, the payment check three times', async () => {
    await tokens.token(); // the token call would fail too
    expect((await control('POST', '/__sandbox/config', { provider: 'qpay', failRate: 1, failStatus: 500 })).status).toBe(200);
    const i = input();
    const create = await adapter.createSession(i);
    expect(create).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true, status: 500, code: 'INTERNAL_ERROR' } });
    expect(await calls('POST', '/v2/invoice')).toHaveLength(1);

    const check = await adapter.retrieveSession(refOf(i, '00000000-0000-4000-8000-000000000000'));
    expect(check).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true } });
    expect(await calls('POST', '/v2/payment/check')).toHaveLength(3);

    const refund = await adapter.refund({
      ...refOf(i, 'x', '123456789012345'),
      refundId: 'rf',
      refundAmount: i.amount,
      idempotencyKey: 'k',
    });
    expect(refund).toMatchObject({ ok: false, failure: { kind: 'unavailable' } });
    expect(await calls('DELETE', '/v2/payment/refund/')).toHaveLength(1);

    for (const r of [create, check, refund]) {
      const text = JSON.stringify(r);
      expect(text).not.toContain(tokens.issued[0]!);
      expect(text).not.toContain(CLIENT_SECRET);
    }
  });

  it('timeouts → kind timeout: one attempt each, since the first uses the operation’s time', async () => {
    await tokens.token();
    await control('POST', '/__sandbox/config', { provider: 'qpay', timeoutRate: 1, timeoutMs: 5000 });
    const quick = makeAdapter({ timeoutMs: 150 });
    const i = input();
    expect(await quick.createSession(i)).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    expect((await calls('POST', '/v2/invoice')).map((r) => r.status)).toEqual([0]);
    expect(await quick.retrieveSession(refOf(i, '00000000-0000-4000-8000-000000000000'))).toMatchObject({
      ok: false,
      failure: { kind: 'timeout' },
    });
    expect(await calls('POST', '/v2/payment/check')).toHaveLength(1);
  });
});
