import { describe, expect, it } from 'vitest';
import type { CheckoutInput } from '../../../src/psp/checkout.ts';
import {
  describeQpayError,
  fromQpayInvoiceCreated,
  type QpayPaymentStatus,
  qpayAmountToMinor,
  qpayRowStatus,
  snapshotFromInvoice,
  snapshotFromPaymentCheck,
  toInvoiceSummary,
  toQpayCheckRequest,
  toQpayExpiryDate,
  toQpayInvoiceRequest,
  toWholeTugrik,
} from '../../../src/psp/qpay/transformers.ts';

/** QPay wire formats: amounts in whole tugrik, mixed string/number responses, and the status of each payment row. */
const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const input: CheckoutInput = {
  sessionId: `cko${'0123456789abcdef'.repeat(2)}`,
  tenantId: 't1',
  amount: 1_000_000,
  currency: 'MNT',
  merchantAccount: 'TEST_INVOICE',
  description: 'Ticket',
  metadata: {},
  successUrl: 'https://app.example/ok',
  cancelUrl: 'https://app.example/cancel',
  expiresAt: NOW + 15 * 60_000,
  notificationUrl: 'https://app.example/v1/webhooks/qpay?session=cko0123456789abcdef0123456789abcdef',
  idempotencyKey: 'k',
};

const row = (payment_status: string, payment_amount: string | number = '10000.00', payment_id: string | number = '100000000000001') => ({
  payment_id,
  payment_status,
  payment_amount,
  payment_currency: 'MNT',
});

const invoice = (over: Record<string, unknown> = {}) => ({
  invoice_id: 'ea98db5c-d1c4-4c3c-9d07-0d2c0c754759',
  invoice_status: 'OPEN',
  sender_invoice_no: input.sessionId,
  enable_expiry: false,
  expiry_date: '2026-09-15T08:16:01.273Z',
  total_amount: '10000.00',
  gross_amount: 10000,
  ...over,
});

describe('amounts', () => {
  it.each([
    [100, 1],
    [1_000_000, 10_000],
    [1_234_500, 12_345],
    [0, 0],
  ])('%i minor MNT is %i whole tugrik', (minor, tugrik) => {
    expect(toWholeTugrik(minor)).toBe(tugrik);
  });

  it.each([150, 1, 1_000_001, 10.5, Number.NaN])('%s minor MNT is not whole tugrik', (minor) => {
    expect(toWholeTugrik(minor)).toBeNull();
  });

  it.each([
    ['10.00', 1000],
    [10, 1000],
    ['12500.00', 1_250_000],
    ['29900', 2_990_000],
    ['10.5', 1050],
    [0, 0],
  ])('QPay amount %j is %i minor MNT exactly', (wire, minor) => {
    expect(qpayAmountToMinor(wire)).toBe(minor);
  });

  it.each([['10.005'], ['abc'], [''], [null], [undefined], [{}], [10.001]])('QPay amount %j is refused, not rounded', (wire) => {
    expect(qpayAmountToMinor(wire)).toBeNull();
  });
});

describe('requests', () => {
  it('builds the invoice in whole tugrik with the expiry as ISO 8601 UTC', () => {
    expect(toQpayInvoiceRequest(input, 'TEST_INVOICE')).toEqual({
      ok: true,
      value: {
        invoice_code: 'TEST_INVOICE',
        sender_invoice_no: input.sessionId,
        invoice_receiver_code: 'terminal',
        invoice_description: 'Ticket',
        amount: 10_000,
        callback_url: input.notificationUrl,
        enable_expiry: true,
        expiry_date: '2030-01-01T00:15:00.000Z',
      },
    });
    expect(toQpayExpiryDate(Date.UTC(2031, 0, 2, 3, 4, 5))).toBe('2031-01-02T03:04:05.000Z');
  });

  it('refuses non-MNT, sub-tugrik and non-positive amounts', () => {
    expect(toQpayInvoiceRequest({ ...input, currency: 'USD' }, 'X')).toMatchObject({
      ok: false,
      failure: { code: 'currency_unsupported' },
    });
    expect(toQpayInvoiceRequest({ ...input, amount: 1_000_050 }, 'X')).toMatchObject({
      ok: false,
      failure: { code: 'amount_not_whole_mnt' },
    });
    expect(toQpayInvoiceRequest({ ...input, amount: 0 }, 'X')).toMatchObject({ ok: false, failure: { code: 'amount_not_whole_mnt' } });
  });

  it('checks payments of the invoice, first page of 100', () => {
    expect(toQpayCheckRequest('inv-1')).toEqual({
      object_type: 'INVOICE',
      object_id: 'inv-1',
      offset: { page_number: 1, page_limit: 100 },
    });
  });

  it('reads a created invoice; a body without invoice_id is an unexpected response', () => {
    const created = fromQpayInvoiceCreated(
      {
        invoice_id: 'inv-1',
        qr_text: '0002010102121531',
        qr_image: 'iVBORw0KGgo=',
        qPay_shortUrl: 'https://s.qpay.mn/abc',
        urls: [{ name: 'Khan bank', description: 'Хаан банк', logo: 'https://x/l.png', link: 'khanbank://q?qPay_QRcode=0002' }, 'junk'],
      },
      input,
    );
    expect(created).toEqual({
      ok: true,
      value: {
        reference: 'inv-1',
        checkoutUrl: 'https://s.qpay.mn/abc',
        expiresAt: input.expiresAt,
        details: {
          invoice_id: 'inv-1',
          qr_text: '0002010102121531',
          qr_image: 'iVBORw0KGgo=',
          short_url: 'https://s.qpay.mn/abc',
          urls: [{ name: 'Khan bank', description: 'Хаан банк', logo: 'https://x/l.png', link: 'khanbank://q?qPay_QRcode=0002' }],
        },
      },
    });
    expect(fromQpayInvoiceCreated({ qPay_shortUrl: 'x' }, input)).toMatchObject({ ok: false, failure: { code: 'unexpected_response' } });
  });
});

describe('status mapping', () => {
  const amount = 1_000_000;

  it.each<[QpayPaymentStatus, string]>([
    ['NEW', 'processing'],
    ['PENDING', 'processing'],
    ['PAID', 'succeeded'],
    ['FAILED', 'failed'],
    ['REFUNDED', 'refunded'],
  ])('row %s → %s', (status, common) => {
    expect(qpayRowStatus(status)).toBe(common);
  });

  it('invoice OPEN with no rows → no payment snapshot, the invoice says open', () => {
    expect(snapshotFromPaymentCheck({ count: 0, rows: [] }, amount)).toEqual({ ok: true, value: null });
    expect(snapshotFromInvoice(invoice(), NOW)).toEqual({
      ok: true,
      value: { status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 },
    });
  });

  it.each(['NEW', 'PENDING'])('row %s → processing', (status) => {
    expect(snapshotFromPaymentCheck({ count: 1, rows: [row(status)] }, amount)).toEqual({
      ok: true,
      value: { status: 'processing', paymentReference: null, amountPaid: 0, amountRefunded: 0 },
    });
  });

  it('row PAID with paid_amount ≥ amount → succeeded, with the payment id and the captured amount', () => {
    expect(snapshotFromPaymentCheck({ count: 1, paid_amount: 10000, rows: [row('PAID', '10000.00', 555)] }, amount)).toEqual({
      ok: true,
      value: { status: 'succeeded', paymentReference: '555', amountPaid: 1_000_000, amountRefunded: 0 },
    });
    // paid_amount as a string, payment_amount as a number
    expect(snapshotFromPaymentCheck({ count: 1, paid_amount: '10000.00', rows: [row('PAID', 10000)] }, amount)).toMatchObject({
      ok: true,
      value: { status: 'succeeded' },
    });
  });

  it('row PAID without paid_amount counts the PAID rows; below the invoice amount it is only processing', () => {
    expect(snapshotFromPaymentCheck({ count: 1, rows: [row('PAID')] }, amount)).toMatchObject({ ok: true, value: { status: 'succeeded' } });
    expect(snapshotFromPaymentCheck({ count: 1, paid_amount: 4000, rows: [row('PAID', '4000.00')] }, amount)).toEqual({
      ok: true,
      value: { status: 'processing', paymentReference: '100000000000001', amountPaid: 400_000, amountRefunded: 0 },
    });
  });

  it('row FAILED → failed', () => {
    expect(snapshotFromPaymentCheck({ count: 1, rows: [row('FAILED')] }, amount)).toEqual({
      ok: true,
      value: { status: 'failed', paymentReference: null, amountPaid: 0, amountRefunded: 0 },
    });
  });

  it.each(['CANCELED', 'CANCELLED'])('invoice %s → canceled', (status) => {
    expect(snapshotFromInvoice(invoice({ invoice_status: status }), NOW)).toMatchObject({ ok: true, value: { status: 'canceled' } });
  });

  it('enable_expiry with a past expiry_date → expired; without enable_expiry the date is not enforced', () => {
    const past = '2029-12-31T23:59:59.000Z';
    expect(snapshotFromInvoice(invoice({ enable_expiry: true, expiry_date: past }), NOW)).toMatchObject({
      ok: true,
      value: { status: 'expired' },
    });
    expect(snapshotFromInvoice(invoice({ enable_expiry: false, expiry_date: past }), NOW)).toMatchObject({
      ok: true,
      value: { status: 'open' },
    });
    expect(snapshotFromInvoice(invoice({ enable_expiry: true, expiry_date: '2030-01-01T00:00:01.000Z' }), NOW)).toMatchObject({
      ok: true,
      value: { status: 'open' },
    });
  });

  it('row REFUNDED → refunded, computed from amounts; a refunded row beside a paid one → partially_refunded', () => {
    expect(snapshotFromPaymentCheck({ count: 1, rows: [row('REFUNDED')] }, amount)).toEqual({
      ok: true,
      value: { status: 'refunded', paymentReference: '100000000000001', amountPaid: 1_000_000, amountRefunded: 1_000_000 },
    });
    expect(
      snapshotFromPaymentCheck({ count: 2, paid_amount: 6000, rows: [row('REFUNDED', '4000.00', 1), row('PAID', '6000.00', 2)] }, amount),
    ).toEqual({ ok: true, value: { status: 'partially_refunded', paymentReference: '1', amountPaid: 1_000_000, amountRefunded: 400_000 } });
  });

  it('a paid row wins over a failed or pending one', () => {
    expect(snapshotFromPaymentCheck({ count: 2, rows: [row('FAILED'), row('PAID')] }, amount)).toMatchObject({
      value: { status: 'succeeded' },
    });
    expect(snapshotFromPaymentCheck({ count: 2, rows: [row('FAILED'), row('NEW')] }, amount)).toMatchObject({
      value: { status: 'processing' },
    });
  });

  it('an unknown status, an inexact amount, another currency or a malformed body is an unexpected response', () => {
    for (const body of [
      { count: 1, rows: [row('SETTLED')] },
      { count: 1, rows: [row('PAID', '10000.005')] },
      { count: 1, rows: [{ ...row('PAID'), payment_currency: 'USD' }] },
      { count: 1, paid_amount: 'lots', rows: [row('PAID')] },
      { count: 0 },
      'not json',
    ]) {
      expect(snapshotFromPaymentCheck(body, amount)).toMatchObject({
        ok: false,
        failure: { code: 'unexpected_response', retryable: false },
      });
    }
    expect(snapshotFromInvoice({ invoice_status: 'OPEN' }, NOW)).toMatchObject({ ok: false });
    expect(snapshotFromInvoice(invoice({ enable_expiry: true, expiry_date: 'soon' }), NOW)).toMatchObject({ ok: false });
  });
});

describe('invoice summary', () => {
  it('reads total_amount (a string) exactly, falling back to gross_amount (a number)', () => {
    expect(toInvoiceSummary(invoice())).toEqual({
      ok: true,
      value: { invoiceId: 'ea98db5c-d1c4-4c3c-9d07-0d2c0c754759', senderInvoiceNo: input.sessionId, status: 'OPEN', amount: 1_000_000 },
    });
    expect(toInvoiceSummary(invoice({ total_amount: undefined, gross_amount: 10, sender_invoice_no: null }))).toMatchObject({
      ok: true,
      value: { amount: 1000, senderInvoiceNo: null },
    });
    expect(toInvoiceSummary(invoice({ total_amount: '10.001' }))).toMatchObject({ ok: false });
  });
});

describe('describeQpayError', () => {
  it('reads error_code or error, and the message', () => {
    expect(describeQpayError(400, { error_code: 'INVOICE_CODE_INVALID', message: 'Invoice code is wrong!' })).toEqual({
      code: 'INVOICE_CODE_INVALID',
      message: 'QPay answered 400 INVOICE_CODE_INVALID: Invoice code is wrong!',
    });
    expect(describeQpayError(401, { error: 'NO_CREDENDIALS' })).toEqual({
      code: 'NO_CREDENDIALS',
      message: 'QPay answered 401 NO_CREDENDIALS',
    });
    expect(describeQpayError(502, '<html>bad gateway</html>')).toEqual({ message: 'QPay answered 502' });
  });

  it('never passes on a token a message might echo', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJURVNUIn0.c2lnbmF0dXJlLXZhbHVlLWxvbmc';
    const described = describeQpayError(401, { error: 'NO_CREDENDIALS', message: `token Bearer ${token} expired; raw ${token}` });
    expect(JSON.stringify(described)).not.toContain(token);
    expect(describeQpayError(400, { error: 'lower case or junk <script>' }).code).toBeUndefined();
  });
});
