import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CheckoutRef, type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { PaypalCheckoutAdapter } from '../../../src/psp/paypal/client.ts';
import { requestPaypalToken } from '../../../src/psp/paypal/token.ts';
import { describePaypalError, paypalOrderToSnapshot, readPaypal } from '../../../src/psp/paypal/transformers.ts';
import { paypalEventToNotifications, readPaypalEvent } from '../../../src/psp/paypal/webhook.ts';
import { PaypalOrder, PaypalRefund } from '../../../src/psp/paypal/wire.ts';
import { TokenRequestError } from '../../../src/psp/tokens.ts';

/** Answers of another shape than PayPal documents: a failure value, never a throw or a wrong type read as right. */
const API = 'https://paypal.test';
const ref: CheckoutRef = {
  sessionId: 'cko1',
  reference: 'ORDER1',
  merchantAccount: '',
  amount: 1050,
  currency: 'USD',
  paymentReference: 'CAP1',
};
const usd = (value: string) => ({ currency_code: 'USD', value });
const wellFormedOrder = {
  id: 'ORDER1',
  status: 'COMPLETED',
  create_time: '2026-03-01T10:00:00Z',
  purchase_units: [
    {
      reference_id: 'cko1',
      custom_id: 'cko1',
      amount: usd('10.50'),
      payments: { captures: [{ id: 'CAP1', status: 'COMPLETED', amount: usd('10.50') }] },
    },
  ],
  links: [{ href: 'https://paypal.test/checkoutnow?token=ORDER1', rel: 'payer-action', method: 'GET' }],
};

const malformedOrders: Array<[string, unknown]> = [
  ['null', null],
  ['an array', [wellFormedOrder]],
  ['a string', 'ORDER1'],
  ['no id', { ...wellFormedOrder, id: undefined }],
  ['a numeric id', { ...wellFormedOrder, id: 42 }],
  ['a status that is not a string', { ...wellFormedOrder, status: 3 }],
  ['purchase_units not an array', { ...wellFormedOrder, purchase_units: { amount: usd('10.50') } }],
  ['a numeric amount value', { ...wellFormedOrder, purchase_units: [{ amount: { currency_code: 'USD', value: 10.5 } }] }],
  [
    'a capture without an id',
    { ...wellFormedOrder, purchase_units: [{ amount: usd('10.50'), payments: { captures: [{ status: 'COMPLETED' }] } }] },
  ],
  ['a link href that is not a string', { ...wellFormedOrder, links: [{ href: 7, rel: 'payer-action' }] }],
];

const malformedRefunds: Array<[string, unknown]> = [
  ['null', null],
  ['an array', []],
  ['no id', { status: 'COMPLETED', amount: usd('2.00') }],
  ['a numeric status', { id: 'R1', status: 1, amount: usd('2.00') }],
  ['an amount that is a string', { id: 'R1', status: 'COMPLETED', amount: '2.00' }],
];

const unexpected = { ok: false, failure: { kind: 'unavailable', retryable: false, code: 'unexpected_response' } };

/** Every call answers 200 with `body`; the token source hands out a fixed token. */
function adapterAnswering(body: unknown) {
  vi.stubGlobal('fetch', async () => Response.json(body));
  return new PaypalCheckoutAdapter(
    { apiUrl: API, webhookId: 'WH1', timeoutMs: 5000 },
    { token: async () => 'A21AA-token', invalidate: async () => {} },
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('API answers', () => {
  it.each(malformedOrders)('an order with %s is an unexpected response', (_, body) => {
    expect(readPaypal(PaypalOrder, body, 'get order')).toMatchObject(unexpected);
  });

  it.each(malformedRefunds)('a refund with %s is an unexpected response', (_, body) => {
    expect(readPaypal(PaypalRefund, body, 'refund')).toMatchObject(unexpected);
  });

  it('the failure names the call and where the body went wrong, not its values', () => {
    const read = readPaypal(PaypalOrder, { ...wellFormedOrder, id: 42 }, 'get order');
    expect(!read.ok && read.failure.message).toBe('PayPal get order answered a body we cannot read at id');
  });

  it('a well-formed order still reads and maps, unknown fields passing through', () => {
    const read = readPaypal(PaypalOrder, { ...wellFormedOrder, intent: 'CAPTURE' }, 'get order');
    if (!read.ok) throw new Error(read.failure.message);
    expect(read.value.intent).toBe('CAPTURE');
    expect(paypalOrderToSnapshot(read.value, ref, Date.parse('2026-03-01T10:01:00Z'))).toEqual({
      ok: true,
      value: { status: 'succeeded', paymentReference: 'CAP1', amountPaid: 1050, amountRefunded: 0 },
    });
  });

  it.each(malformedOrders)('the adapter: create, get and capture answering an order with %s → unexpected response', async (_, body) => {
    const a = adapterAnswering(body);
    const input = {
      sessionId: 'cko1',
      tenantId: 't',
      amount: 1050,
      currency: 'USD',
      merchantAccount: '',
      description: 'd',
      metadata: {},
      successUrl: 'https://s.example/ok',
      cancelUrl: 'https://s.example/cancel',
      expiresAt: 0,
      notificationUrl: 'https://n.example',
      idempotencyKey: 'k',
    };
    await expect(a.createSession(input)).resolves.toMatchObject(unexpected);
    await expect(a.retrieveSession(ref)).resolves.toMatchObject(unexpected);
    await expect(a.capture(ref)).resolves.toMatchObject(unexpected);
  });

  it.each(malformedRefunds)('the adapter: refund and get refund answering a refund with %s → unexpected response', async (_, body) => {
    const a = adapterAnswering(body);
    const refund = { ...ref, refundId: 'rf1', refundAmount: 200, idempotencyKey: 'k' };
    await expect(a.refund(refund)).resolves.toMatchObject(unexpected);
    await expect(a.retrieveRefund(ref, 'R1')).resolves.toMatchObject(unexpected);
  });

  it('the adapter: a well-formed refund answer still maps', async () => {
    const a = adapterAnswering({ id: 'R1', status: 'COMPLETED', amount: usd('2.00') });
    await expect(a.retrieveRefund(ref, 'R1')).resolves.toEqual({ ok: true, value: { reference: 'R1', status: 'succeeded', amount: 200 } });
  });

  it('an error body field of another type is not read as the code or message', () => {
    expect(describePaypalError(422, { name: 42, message: ['x'], details: [{ issue: { code: 1 }, description: 'Too much' }] })).toEqual({
      message: '422: Too much',
    });
    expect(describePaypalError(422, { name: 'UNPROCESSABLE_ENTITY', details: 'nope' })).toEqual({
      code: 'UNPROCESSABLE_ENTITY',
      message: 'UNPROCESSABLE_ENTITY: PayPal answered 422',
    });
    expect(describePaypalError(500, null)).toEqual({ message: 'PayPal answered 500' });
    expect(describePaypalError(500, [{ name: 'X' }])).toEqual({ message: 'PayPal answered 500' });
  });
});

describe('OAuth token answer', () => {
  const credentials = { provider: 'paypal' as const, baseUrl: API, clientId: 'id', clientSecret: 'secret', timeoutMs: 2000 };

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['no access_token', { token_type: 'Bearer', expires_in: 32_400 }],
    ['an empty access_token', { access_token: '', expires_in: 32_400 }],
    ['a numeric access_token', { access_token: 12, expires_in: 32_400 }],
    ['expires_in as a string', { access_token: 'A21AA', expires_in: '32400' }],
    ['a negative expires_in', { access_token: 'A21AA', expires_in: -1 }],
  ])('%s → TokenRequestError, not a crash', async (_, body) => {
    vi.stubGlobal('fetch', async () => Response.json(body));
    const err = await requestPaypalToken(credentials).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect((err as TokenRequestError).message).toBe('PayPal token response without a usable access_token/expires_in');
  });

  it('a well-formed answer is a grant', async () => {
    vi.stubGlobal('fetch', async () => Response.json({ access_token: 'A21AA', token_type: 'Bearer', expires_in: 100 }));
    await expect(requestPaypalToken(credentials, () => 1_000)).resolves.toEqual({
      accessToken: 'A21AA',
      expiresAt: 101_000,
      refreshToken: null,
      refreshExpiresAt: null,
    });
  });
});

describe('webhook events', () => {
  const headers = {
    'paypal-auth-algo': 'SHA256withRSA',
    'paypal-cert-url': 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1',
    'paypal-transmission-id': 'tx0123456789',
    'paypal-transmission-sig': 'c2lnbmF0dXJl',
    'paypal-transmission-time': '2026-03-01T10:00:00Z',
  };
  const capture = { id: 'CAP1', status: 'COMPLETED', amount: usd('10.50'), custom_id: 'cko1' };
  const event = { id: 'WH-1', event_type: 'PAYMENT.CAPTURE.COMPLETED', create_time: '2026-03-01T10:00:00Z', resource: capture };
  const inbound = (body: unknown): InboundNotification => ({
    method: 'POST',
    url: 'https://e.example',
    headers,
    rawBody: JSON.stringify(body),
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [event]],
    ['no id', { ...event, id: undefined }],
    ['a numeric id', { ...event, id: 1 }],
    ['an empty event_type', { ...event, event_type: '' }],
    ['an over-long event_type', { ...event, event_type: 'X'.repeat(129) }],
    ['a numeric create_time', { ...event, create_time: 1_772_359_200_000 }],
    ['a resource that is a string', { ...event, resource: 'CAP1' }],
    ['a resource that is an array', { ...event, resource: [capture] }],
    ['a mapped event without a resource', { ...event, resource: null }],
  ])('an event with %s → WebhookPayloadError', (_, body) => {
    expect(() => readPaypalEvent(inbound(body))).toThrow(WebhookPayloadError);
  });

  it('a well-formed event still maps', () => {
    expect(paypalEventToNotifications(readPaypalEvent(inbound(event)))).toEqual([
      {
        provider: 'paypal',
        eventId: 'WH-1',
        type: 'PAYMENT.CAPTURE.COMPLETED',
        sessionId: 'cko1',
        reference: null,
        paymentReference: 'CAP1',
        observed: { kind: 'payment', status: 'succeeded', amount: 1050 },
        occurredAt: Date.parse('2026-03-01T10:00:00Z'),
      },
    ]);
  });

  it('PayPal is asked to verify the event as it arrived, key order included', async () => {
    const sent: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(String(init.body));
      return Response.json({ verification_status: 'SUCCESS' });
    });
    const a = new PaypalCheckoutAdapter(
      { apiUrl: API, webhookId: 'WH1', timeoutMs: 5000 },
      { token: async () => 't', invalidate: async () => {} },
    );
    const reordered = { summary: 'Payment completed', resource: capture, event_type: event.event_type, id: event.id };
    await expect(a.parseNotification(inbound(reordered))).resolves.toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(JSON.parse(sent[0] as string).webhook_event)).toBe(JSON.stringify(reordered));
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['no verification_status', {}],
    ['a numeric verification_status', { verification_status: 1 }],
    ['FAILURE', { verification_status: 'FAILURE' }],
  ])('a verification answer of %s → WebhookVerificationError', async (_, body) => {
    const a = adapterAnswering(body);
    await expect(a.parseNotification(inbound(event))).rejects.toThrow(WebhookVerificationError);
  });
});
