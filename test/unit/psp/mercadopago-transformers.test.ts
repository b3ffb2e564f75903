import { describe, expect, it } from 'vitest';
import type { CheckoutStatus } from '../../../src/psp/checkout.ts';
import {
  describeMercadoPagoError,
  fromMercadoPagoNumber,
  mercadoPagoDate,
  mercadoPagoRefundStatus,
  mercadoPagoStatusToCommon,
  paymentToView,
  preferenceToCreated,
  preferenceToSnapshot,
  refundToResult,
  toMercadoPagoNumber,
} from '../../../src/psp/mercadopago/transformers.ts';
import { MERCADOPAGO_PAYMENT_STATUSES, type MercadoPagoPaymentStatus } from '../../../src/psp/mercadopago/wire.ts';

describe('payment status map (status, status_detail and amounts → common status)', () => {
  const rows: Array<[MercadoPagoPaymentStatus, string | null, number, number, CheckoutStatus]> = [
    ['pending', 'pending_waiting_payment', 1000, 0, 'processing'],
    ['pending', 'pending_waiting_transfer', 1000, 0, 'processing'],
    ['in_process', 'pending_contingency', 1000, 0, 'processing'],
    ['authorized', 'pending_capture', 1000, 0, 'processing'],
    ['in_mediation', null, 1000, 0, 'processing'],
    ['approved', 'accredited', 1000, 0, 'succeeded'],
    ['approved', 'partially_refunded', 1000, 400, 'partially_refunded'],
    ['approved', 'partially_refunded', 1000, 0, 'partially_refunded'],
    ['approved', 'accredited', 1000, 1, 'partially_refunded'],
    ['approved', 'accredited', 1000, 1000, 'refunded'],
    ['rejected', 'cc_rejected_other_reason', 1000, 0, 'failed'],
    ['cancelled', 'by_collector', 1000, 0, 'canceled'],
    ['cancelled', 'expired', 1000, 0, 'expired'],
    ['refunded', 'refunded', 1000, 1000, 'refunded'],
    ['charged_back', 'settled', 1000, 0, 'refunded'],
  ];
  it.each(rows)('%s (%s) paid %i refunded %i → %s', (status, detail, paid, refunded, common) => {
    expect(mercadoPagoStatusToCommon(status, detail, paid, refunded)).toBe(common);
  });

  it('covers every status and throws on an unknown one', () => {
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(MERCADOPAGO_PAYMENT_STATUSES));
    expect(() => mercadoPagoStatusToCommon('unknown' as MercadoPagoPaymentStatus, null, 1, 0)).toThrow();
  });

  it('preference without payment: open, expired once past expiration_date_to with expires=true', () => {
    const now = Date.UTC(2026, 1, 1, 16);
    const pref = { id: 'p', expires: true, expiration_date_to: '2026-02-01T12:00:00.000-04:00' };
    expect(preferenceToSnapshot(pref, now - 1)).toMatchObject({ ok: true, value: { status: 'open', amountPaid: 0 } });
    expect(preferenceToSnapshot(pref, now)).toMatchObject({ ok: true, value: { status: 'expired' } });
    expect(preferenceToSnapshot({ ...pref, expires: false }, now + 1)).toMatchObject({ ok: true, value: { status: 'open' } });
  });
});

describe('amounts as JSON numbers of major units', () => {
  it.each([
    [1050, 'USD', 10.5],
    [1999, 'BRL', 19.99],
    [1, 'ARS', 0.01],
    [5000, 'CLP', 5000],
    [150000, 'COP', 1500],
    [1234, 'KWD', 1.234],
    [900719925474099, 'USD', 9007199254740.99],
  ])('%i %s → %d and back', (minor, currency, major) => {
    expect(toMercadoPagoNumber(minor, currency)).toBe(major);
    expect(fromMercadoPagoNumber(major, currency)).toBe(minor);
  });

  it('refuses what is not exact or not supported', () => {
    expect(toMercadoPagoNumber(150050, 'COP')).toBeNull(); // whole pesos only (unconfirmed rule)
    expect(toMercadoPagoNumber(Number.MAX_SAFE_INTEGER, 'USD')).toBeNull(); // 90071992547409.91 is not a double
    expect(toMercadoPagoNumber(100, 'XXX')).toBeNull();
    expect(toMercadoPagoNumber(100, 'usd')).toBeNull();
    expect(fromMercadoPagoNumber(10.505, 'USD')).toBeNull();
    expect(fromMercadoPagoNumber('10.5', 'USD')).toBeNull();
    expect(fromMercadoPagoNumber(5000.5, 'CLP')).toBeNull();
  });

  it('dates carry an explicit offset', () => {
    expect(mercadoPagoDate(Date.UTC(2026, 1, 1, 12))).toBe('2026-02-01T12:00:00.000+00:00');
  });
});

describe('responses', () => {
  it('payment → view with exact amounts; inexact or unknown status is unexpected_response', () => {
    const payment = {
      id: 1319886532,
      status: 'approved',
      status_detail: 'partially_refunded',
      transaction_amount: 105.5,
      transaction_amount_refunded: 5.25,
      currency_id: 'BRL',
      external_reference: 'cko1',
    };
    expect(paymentToView(payment)).toEqual({
      ok: true,
      value: {
        status: 'partially_refunded',
        paymentReference: '1319886532',
        amountPaid: 10550,
        amountRefunded: 525,
        externalReference: 'cko1',
        amount: 10550,
        currency: 'BRL',
      },
    });
    expect(paymentToView({ ...payment, transaction_amount: 105.555 })).toMatchObject({
      ok: false,
      failure: { code: 'unexpected_response' },
    });
    expect(paymentToView({ ...payment, status: 'weird' })).toMatchObject({ ok: false });
    expect(paymentToView({ ...payment, status: 'rejected', transaction_amount_refunded: null })).toMatchObject({
      ok: true,
      value: { status: 'failed', amountPaid: 0, amountRefunded: 0 },
    });
  });

  it('refund statuses and results', () => {
    expect(mercadoPagoRefundStatus('approved')).toBe('succeeded');
    expect(mercadoPagoRefundStatus('in_process')).toBe('pending');
    expect(mercadoPagoRefundStatus('rejected')).toBe('failed');
    expect(refundToResult({ id: 42, payment_id: 1, amount: 19.99, status: 'approved' }, 'BRL')).toEqual({
      ok: true,
      value: { reference: '42', status: 'succeeded', amount: 1999 },
    });
    expect(refundToResult({ id: 42, amount: 1, status: 'done' }, 'BRL')).toMatchObject({ ok: false });
  });

  it('preference → created: sandbox_init_point for test credentials', () => {
    const pref = { id: 'p-1', init_point: 'https://live', sandbox_init_point: 'https://sandbox' };
    expect(preferenceToCreated(pref, 5, true)).toEqual({
      ok: true,
      value: { reference: 'p-1', checkoutUrl: 'https://sandbox', expiresAt: 5, details: {} },
    });
    expect(preferenceToCreated(pref, 5, false)).toMatchObject({ ok: true, value: { checkoutUrl: 'https://live' } });
    expect(preferenceToCreated({ id: 'p-1' }, 5, false)).toMatchObject({ ok: false });
  });

  it('error bodies → first cause code and description', () => {
    expect(
      describeMercadoPagoError(400, {
        message: 'x',
        error: 'bad_request',
        status: 400,
        cause: [{ code: 4292, description: "Header-X-Idempotency-Key-can't-be-null" }],
      }),
    ).toEqual({ code: '4292', message: "MercadoPago: Header-X-Idempotency-Key-can't-be-null" });
    expect(describeMercadoPagoError(401, { message: 'invalid access token', error: 'unauthorized', status: 401, cause: [] })).toEqual({
      code: 'unauthorized',
      message: 'MercadoPago: invalid access token',
    });
    expect(describeMercadoPagoError(502, null)).toEqual({ message: 'MercadoPago answered 502' });
  });
});
