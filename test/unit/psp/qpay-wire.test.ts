import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckoutInput } from '../../../src/psp/checkout.ts';
import { refreshQpayToken, requestQpayToken } from '../../../src/psp/qpay/token.ts';
import {
  describeQpayError,
  fromQpayInvoiceCreated,
  snapshotFromInvoice,
  snapshotFromPaymentCheck,
  toInvoiceSummary,
} from '../../../src/psp/qpay/transformers.ts';
import { TokenRequestError } from '../../../src/psp/tokens.ts';

/** QPay answers of another shape are refused as values (a TokenRequestError, an unexpected response), never a TypeError. */
const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const credentials = { baseUrl: 'https://qpay.invalid/v2', clientId: 'client', clientSecret: 'secret', timeoutMs: 1000 };
const unexpected = { ok: false, failure: { kind: 'unavailable', code: 'unexpected_response', retryable: false } };

function answerTokenCallsWith(body: string): void {
  vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response(body, { status: 200 }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('token answer', () => {
  it('reads a well-formed answer, and an optional refresh field of another type as absent', async () => {
    answerTokenCallsWith(
      JSON.stringify({ token_type: 'bearer', access_token: 'at', expires_in: 60, refresh_token: 'rt', refresh_expires_in: 120 }),
    );
    await expect(requestQpayToken(credentials, () => NOW)).resolves.toEqual({
      accessToken: 'at',
      expiresAt: NOW + 60_000,
      refreshToken: 'rt',
      refreshExpiresAt: NOW + 120_000,
    });
    answerTokenCallsWith(JSON.stringify({ access_token: 'at', expires_in: 60, refresh_token: 7, refresh_expires_in: '120' }));
    await expect(refreshQpayToken(credentials, 'rt', () => NOW)).resolves.toEqual({
      accessToken: 'at',
      expiresAt: NOW + 60_000,
      refreshToken: null,
      refreshExpiresAt: null,
    });
  });

  it.each([
    ['missing access_token', { token_type: 'bearer', expires_in: 60 }],
    ['empty access_token', { access_token: '', expires_in: 60 }],
    ['access_token of another type', { access_token: 42, expires_in: 60 }],
    ['missing expires_in', { access_token: 'at' }],
    ['expires_in as a string', { access_token: 'at', expires_in: '60' }],
    ['negative expires_in', { access_token: 'at', expires_in: -1 }],
    ['null', null],
    ['an array', [{ access_token: 'at', expires_in: 60 }]],
    ['a string', 'at'],
  ])('%s → TokenRequestError without a status, from the token and the refresh call', async (_, body) => {
    for (const call of [() => requestQpayToken(credentials, () => NOW), () => refreshQpayToken(credentials, 'rt', () => NOW)]) {
      answerTokenCallsWith(JSON.stringify(body));
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TokenRequestError);
      expect(err).toMatchObject({ status: null, message: 'QPay token response without access_token/expires_in' });
    }
  });

  it('a body that is not JSON → TokenRequestError', async () => {
    answerTokenCallsWith('<html>gateway</html>');
    const err = await requestQpayToken(credentials, () => NOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect(err).toMatchObject({ status: null, message: 'QPay token response is not JSON' });
  });
});

const input = {
  sessionId: `cko${'0123456789abcdef'.repeat(2)}`,
  expiresAt: NOW + 15 * 60_000,
} as CheckoutInput;

describe('invoice create answer', () => {
  const created = { invoice_id: 'inv-1', qPay_shortUrl: 'https://s.qpay.mn/abc', qr_text: 'qr', qr_image: 'img', urls: [] };

  it.each([
    ['null', null],
    ['an array', [created]],
    ['invoice_id of another type', { ...created, invoice_id: 1 }],
    ['an empty qPay_shortUrl', { ...created, qPay_shortUrl: '' }],
    ['no qPay_shortUrl', { invoice_id: 'inv-1' }],
  ])('%s → unexpected response', (_, body) => {
    expect(fromQpayInvoiceCreated(body, input)).toMatchObject(unexpected);
  });

  it('names where the answer differs', () => {
    expect(fromQpayInvoiceCreated({ ...created, invoice_id: 1 }, input)).toMatchObject({
      failure: { message: 'QPay answered an unexpected invoice creation body at invoice_id' },
    });
  });

  it('reads optional fields of another type as absent', () => {
    expect(fromQpayInvoiceCreated({ ...created, qr_text: 5, qr_image: null, urls: 'x' }, input)).toMatchObject({
      ok: true,
      value: { details: { qr_text: null, qr_image: null, urls: [] } },
    });
  });
});

describe('invoice answer', () => {
  const invoice = { invoice_id: 'inv-1', invoice_status: 'OPEN', sender_invoice_no: input.sessionId, total_amount: '10.00' };

  it.each([
    ['null', null],
    ['an array', [invoice]],
    ['no invoice_status', { invoice_id: 'inv-1', total_amount: '10.00' }],
    ['invoice_status of another type', { ...invoice, invoice_status: 1 }],
    ['total_amount of another type', { ...invoice, total_amount: { value: 10 } }],
  ])('%s → unexpected response', (_, body) => {
    expect(snapshotFromInvoice(body, NOW)).toMatchObject(unexpected);
    expect(toInvoiceSummary(body)).toMatchObject(unexpected);
  });

  it('reads optional fields of another type as absent', () => {
    expect(toInvoiceSummary({ ...invoice, sender_invoice_no: 7 })).toMatchObject({ ok: true, value: { senderInvoiceNo: null } });
    expect(snapshotFromInvoice({ ...invoice, enable_expiry: 'yes', expiry_date: '2000-01-01T00:00:00Z' }, NOW)).toMatchObject({
      ok: true,
      value: { status: 'open' },
    });
  });
});

describe('payment check answer', () => {
  const row = { payment_id: '1', payment_status: 'PAID', payment_amount: '10000.00', payment_currency: 'MNT' };

  it.each([
    ['null', null],
    ['an array', [row]],
    ['rows not an array', { count: 1, rows: row }],
    ['a null row', { count: 1, rows: [null] }],
    ['a row without a status', { count: 1, rows: [{ ...row, payment_status: undefined }] }],
    ['a status of another type', { count: 1, rows: [{ ...row, payment_status: 1 }] }],
    ['an amount of another type', { count: 1, rows: [{ ...row, payment_amount: null }] }],
    ['a payment id of another type', { count: 1, rows: [{ ...row, payment_id: { id: 1 } }] }],
    ['a currency of another type', { count: 1, rows: [{ ...row, payment_currency: null }] }],
    ['paid_amount of another type', { count: 1, paid_amount: true, rows: [row] }],
  ])('%s → unexpected response', (_, body) => {
    expect(snapshotFromPaymentCheck(body, 1_000_000)).toMatchObject(unexpected);
  });

  it('names the row that differs', () => {
    expect(snapshotFromPaymentCheck({ rows: [row, { ...row, payment_status: 'SETTLED' }] }, 1_000_000)).toMatchObject({
      failure: { message: 'QPay answered an unexpected payment check body at rows.1.payment_status' },
    });
  });
});

describe('error answer', () => {
  it.each([null, [{ error: 'INVOICE_PAID' }], 'INVOICE_PAID'])('%j is described by its status only', (body) => {
    expect(describeQpayError(400, body)).toEqual({ message: 'QPay answered 400' });
  });

  it('reads fields of another type as absent', () => {
    expect(describeQpayError(400, { error: 400, message: 'Bad request' })).toEqual({ message: 'QPay answered 400: Bad request' });
    expect(describeQpayError(400, { error: 'INVOICE_PAID', message: { text: 'x' } })).toEqual({
      code: 'INVOICE_PAID',
      message: 'QPay answered 400 INVOICE_PAID',
    });
  });
});
