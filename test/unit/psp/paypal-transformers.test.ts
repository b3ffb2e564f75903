import { describe, expect, it } from 'vitest';
import type { CheckoutInput } from '../../../src/psp/checkout.ts';
import {
  buildPaypalOrderRequest,
  buildPaypalRefundRequest,
  describePaypalError,
  fromPaypalMoney,
  PAYPAL_APPROVAL_WINDOW_MS,
  type PaypalCaptureStatus,
  type PaypalOrder,
  type PaypalOrderStatus,
  type PaypalRefundStatus,
  parsePaypalInvoiceId,
  paypalOrderToSnapshot,
  paypalPayerUrl,
  paypalRefundStatus,
  paypalRefundToResult,
  toPaypalMoney,
} from '../../../src/psp/paypal/transformers.ts';
import { paypalEventToNotifications } from '../../../src/psp/paypal/webhook.ts';

const CREATED_AT = Date.parse('2026-03-01T10:00:00Z');
const NOW = CREATED_AT + 60_000;
const expected = { amount: 1050, currency: 'USD' };
const usd = (value: string) => ({ currency_code: 'USD', value });

function order(status: PaypalOrderStatus, capture?: PaypalCaptureStatus, refunds?: Array<[PaypalRefundStatus, string]>): PaypalOrder {
  return {
    id: '5O190127TN364715T',
    status,
    create_time: new Date(CREATED_AT).toISOString(),
    purchase_units: [
      {
        reference_id: 'cko1',
        custom_id: 'cko1',
        amount: usd('10.50'),
        ...(capture
          ? {
              payments: {
                captures: [{ id: '3C679366HH908993F', status: capture, amount: usd('10.50') }],
                ...(refunds ? { refunds: refunds.map(([s, v], n) => ({ id: `R${n}`, status: s, amount: usd(v) })) } : {}),
              },
            }
          : {}),
      },
    ],
  };
}

const snapshot = (o: PaypalOrder, now = NOW) => {
  const r = paypalOrderToSnapshot(o, expected, now);
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.value;
};

describe('amounts', () => {
  it.each([
    [1050, 'USD', '10.50'],
    [5, 'EUR', '0.05'],
    [1000, 'JPY', '1000'],
    [150_000, 'HUF', '1500'],
    [9_900, 'TWD', '99'],
    [1234, 'KWD', '1.234'],
  ])('%i minor %s → "%s"', (minor, currency, wire) => {
    expect(toPaypalMoney(minor, currency)).toEqual({ ok: true, value: { currency_code: currency, value: wire } });
  });

  it('refuses what PayPal cannot express: HUF/TWD fractions, unknown currencies, non-positive amounts', () => {
    expect(toPaypalMoney(150_050, 'HUF')).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', code: 'amount_not_representable' },
    });
    expect(toPaypalMoney(100, 'XXX')).toMatchObject({ ok: false, failure: { code: 'unsupported_currency' } });
    expect(toPaypalMoney(0, 'USD')).toMatchObject({ ok: false, failure: { code: 'invalid_amount' } });
    expect(toPaypalMoney(10.5, 'USD')).toMatchObject({ ok: false, failure: { code: 'invalid_amount' } });
  });

  it.each([
    [usd('10.50'), 1050],
    [usd('10.5'), 1050],
    [usd('1234567.89'), 123_456_789],
    [{ currency_code: 'JPY', value: '1000' }, 1000],
    [{ currency_code: 'HUF', value: '1500' }, 150_000],
    [{ currency_code: 'HUF', value: '1500.00' }, 150_000],
  ])('reads %j back as %i minor units', (money, minor) => {
    expect(fromPaypalMoney(money)?.amount).toBe(minor);
  });

  it('reading back is exact: extra precision or garbage is null, never rounded', () => {
    expect(fromPaypalMoney(usd('10.505'))).toBeNull();
    expect(fromPaypalMoney({ currency_code: 'JPY', value: '1000.5' })).toBeNull();
    expect(fromPaypalMoney({ currency_code: 'HUF', value: '1500.01' })).toBeNull();
    expect(fromPaypalMoney(usd('ten'))).toBeNull();
    expect(fromPaypalMoney(undefined)).toBeNull();
  });
});

describe('status mapping', () => {
  it.each<[string, PaypalOrder, string]>([
    ['order CREATED', order('CREATED'), 'open'],
    ['order SAVED', order('SAVED'), 'open'],
    ['order PAYER_ACTION_REQUIRED', order('PAYER_ACTION_REQUIRED'), 'open'],
    ['order APPROVED', order('APPROVED'), 'processing'],
    ['order COMPLETED + capture COMPLETED', order('COMPLETED', 'COMPLETED'), 'succeeded'],
    ['capture PENDING', order('COMPLETED', 'PENDING'), 'processing'],
    ['capture DECLINED', order('COMPLETED', 'DECLINED'), 'failed'],
    ['capture FAILED', order('COMPLETED', 'FAILED'), 'failed'],
    ['order VOIDED', order('VOIDED'), 'canceled'],
    ['capture REFUNDED', order('COMPLETED', 'REFUNDED', [['COMPLETED', '10.50']]), 'refunded'],
    ['capture PARTIALLY_REFUNDED', order('COMPLETED', 'PARTIALLY_REFUNDED', [['COMPLETED', '4.00']]), 'partially_refunded'],
  ])('%s → %s', (_, o, status) => {
    expect(snapshot(o).status).toBe(status);
  });

  it('an order never approved within the approval window → expired', () => {
    expect(snapshot(order('PAYER_ACTION_REQUIRED'), CREATED_AT + PAYPAL_APPROVAL_WINDOW_MS - 1).status).toBe('open');
    expect(snapshot(order('PAYER_ACTION_REQUIRED'), CREATED_AT + PAYPAL_APPROVAL_WINDOW_MS).status).toBe('expired');
    expect(snapshot(order('CREATED'), CREATED_AT + PAYPAL_APPROVAL_WINDOW_MS).status).toBe('expired');
    expect(snapshot(order('APPROVED'), CREATED_AT + PAYPAL_APPROVAL_WINDOW_MS).status).toBe('processing');
  });

  it('refunded amounts come from COMPLETED refunds, not from the capture status', () => {
    const partial = snapshot(
      order('COMPLETED', 'PARTIALLY_REFUNDED', [
        ['COMPLETED', '4.00'],
        ['PENDING', '6.50'],
        ['FAILED', '1.00'],
      ]),
    );
    expect(partial).toEqual({ status: 'partially_refunded', paymentReference: '3C679366HH908993F', amountPaid: 1050, amountRefunded: 400 });
    const full = snapshot(
      order('COMPLETED', 'REFUNDED', [
        ['COMPLETED', '4.00'],
        ['COMPLETED', '6.50'],
      ]),
    );
    expect(full).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
    // No refund list: REFUNDED means all of it.
    expect(snapshot(order('COMPLETED', 'REFUNDED'))).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
  });

  it.each<[PaypalRefundStatus, string]>([
    ['PENDING', 'pending'],
    ['COMPLETED', 'succeeded'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'failed'],
  ])('refund %s → %s', (status, common) => {
    expect(paypalRefundStatus(status)).toBe(common);
    expect(paypalRefundToResult({ id: 'R1', status, amount: usd('2.00') }, 'USD')).toEqual({
      ok: true,
      value: { reference: 'R1', status: common, amount: 200 },
    });
  });

  it('a status the spec does not list is an unexpected response, not a guess', () => {
    expect(paypalOrderToSnapshot(order('COMPLETED', 'REVERSED' as PaypalCaptureStatus), expected, NOW)).toMatchObject({
      ok: false,
      failure: { code: 'unexpected_response' },
    });
    expect(paypalRefundStatus('REVERSED')).toBeNull();
    expect(paypalRefundToResult({ id: 'R1', status: 'REVERSED' as PaypalRefundStatus, amount: usd('1.00') }, 'USD')).toMatchObject({
      ok: false,
    });
  });

  it('an order or capture for another amount or currency is an error', () => {
    const other = order('COMPLETED', 'COMPLETED');
    other.purchase_units![0]!.payments!.captures![0]!.amount = usd('10.49');
    expect(paypalOrderToSnapshot(other, expected, NOW)).toMatchObject({ ok: false, failure: { code: 'amount_mismatch' } });
    expect(paypalOrderToSnapshot(order('APPROVED'), { amount: 1050, currency: 'EUR' }, NOW)).toMatchObject({
      ok: false,
      failure: { code: 'amount_mismatch' },
    });
    expect(paypalRefundToResult({ id: 'R1', status: 'COMPLETED', amount: usd('2.00') }, 'EUR')).toMatchObject({ ok: false });
  });
});

describe('requests', () => {
  const input: CheckoutInput = {
    sessionId: 'cko0123456789abcdef0123456789abcdef',
    tenantId: 't',
    amount: 1050,
    currency: 'USD',
    merchantAccount: 'SANDBXMERCHNT',
    description: `${'é'.repeat(120)}${'x'.repeat(20)}`,
    metadata: {},
    successUrl: 'https://s.example/ok',
    cancelUrl: 'https://s.example/cancel',
    expiresAt: 0,
    notificationUrl: 'https://n.example',
    idempotencyKey: 'k',
  };

  it('clips the description to 127 code points and names a valid merchant id as payee', () => {
    const r = buildPaypalOrderRequest(input);
    if (!r.ok) throw new Error('expected ok');
    const unit = r.value.purchase_units[0]!;
    expect(Array.from(unit.description!)).toHaveLength(127);
    expect(unit.payee).toEqual({ merchant_id: 'SANDBXMERCHNT' });
    const noPayee = buildPaypalOrderRequest({ ...input, merchantAccount: 'SANDBOXMERCH0', description: '  ' });
    if (!noPayee.ok) throw new Error('expected ok');
    expect(noPayee.value.purchase_units[0]).not.toHaveProperty('payee');
    expect(noPayee.value.purchase_units[0]).not.toHaveProperty('description');
  });

  it('refund invoice_id is session:refund when it fits 127 characters, and parses back', () => {
    const r = buildPaypalRefundRequest({ sessionId: 'cko1', refundId: 'rf_9', refundAmount: 250, currency: 'USD' });
    expect(r).toEqual({ ok: true, value: { amount: usd('2.50'), custom_id: 'cko1', invoice_id: 'cko1:rf_9' } });
    const long = buildPaypalRefundRequest({ sessionId: 'cko1', refundId: 'r'.repeat(130), refundAmount: 250, currency: 'USD' });
    expect(long.ok && long.value).not.toHaveProperty('invoice_id');
    expect(parsePaypalInvoiceId('cko1:rf_9')).toBe('rf_9');
    expect(parsePaypalInvoiceId('INVOICE-123')).toBeNull();
  });

  it('the payer URL is the payer-action link, else approve', () => {
    expect(paypalPayerUrl({ id: 'A', status: 'CREATED', links: [{ href: 'https://x/approve', rel: 'approve' }] })).toBe(
      'https://x/approve',
    );
    expect(
      paypalPayerUrl({
        id: 'A',
        status: 'PAYER_ACTION_REQUIRED',
        links: [
          { href: 'https://x/a', rel: 'approve' },
          { href: 'https://x/p', rel: 'payer-action' },
        ],
      }),
    ).toBe('https://x/p');
    expect(paypalPayerUrl({ id: 'A', status: 'CREATED', links: [] })).toBeNull();
  });

  it('describes PayPal errors by issue and the OAuth format by error', () => {
    expect(
      describePaypalError(422, {
        name: 'UNPROCESSABLE_ENTITY',
        message: 'The requested action could not be performed',
        details: [{ field: '/amount/value', value: 'SECRET-VALUE', issue: 'REFUND_AMOUNT_EXCEEDED', description: 'Too much' }],
      }),
    ).toEqual({ code: 'REFUND_AMOUNT_EXCEEDED', message: 'UNPROCESSABLE_ENTITY: Too much (/amount/value)' });
    expect(describePaypalError(401, { error: 'invalid_client', error_description: 'Client Authentication failed' })).toEqual({
      code: 'invalid_client',
      message: 'invalid_client: Client Authentication failed',
    });
    expect(describePaypalError(502, '<html>')).toEqual({ message: 'PayPal answered 502' });
  });
});

describe('event mapping', () => {
  it('events that are not about checkouts map to nothing', () => {
    expect(paypalEventToNotifications({ id: 'WH-1', event_type: 'CUSTOMER.DISPUTE.CREATED', resource: { id: 'PP-D-1' } })).toEqual([]);
    expect(paypalEventToNotifications({ id: 'WH-2', event_type: 'PAYMENT.CAPTURE.COMPLETED' })).toEqual([]);
  });

  it('a refund event for a refund made in the dashboard has no refund id of ours', () => {
    const [n] = paypalEventToNotifications({
      id: 'WH-3',
      event_type: 'PAYMENT.CAPTURE.REFUNDED',
      create_time: '2026-03-01T10:00:00Z',
      resource: {
        id: 'R9',
        status: 'COMPLETED',
        amount: usd('1.00'),
        links: [{ href: 'https://api/v2/payments/captures/CAP1', rel: 'up' }],
      },
    });
    expect(n).toEqual({
      provider: 'paypal',
      eventId: 'WH-3',
      type: 'PAYMENT.CAPTURE.REFUNDED',
      sessionId: null,
      reference: null,
      paymentReference: 'CAP1',
      observed: { kind: 'refund', refundReference: 'R9', refundId: null, status: 'succeeded', amount: 100 },
      occurredAt: Date.parse('2026-03-01T10:00:00Z'),
    });
  });
});
