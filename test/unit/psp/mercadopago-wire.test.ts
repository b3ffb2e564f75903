import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import {
  describeMercadoPagoError,
  paymentToView,
  preferenceToCreated,
  preferenceToSnapshot,
  refundToResult,
} from '../../../src/psp/mercadopago/transformers.ts';
import { readMercadoPagoBody, verifyMercadoPagoNotification } from '../../../src/psp/mercadopago/webhook.ts';

/** Answers and notifications of another shape than MercadoPago documents: failure values, never throws. */
const unexpected = { ok: false, failure: { kind: 'unavailable', retryable: false, code: 'unexpected_response' } };

const payment = {
  id: 1319886532,
  status: 'approved',
  status_detail: 'accredited',
  transaction_amount: 105.5,
  transaction_amount_refunded: 0,
  currency_id: 'BRL',
  external_reference: 'cko1',
};
const preference = {
  id: 'p-1',
  init_point: 'https://live',
  sandbox_init_point: 'https://sandbox',
  expires: true,
  expiration_date_to: '2026-02-01T12:00:00.000+00:00',
};
const refund = { id: 42, payment_id: 1319886532, amount: 19.99, status: 'approved' };

const roots: Array<[string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['an array', [payment]],
  ['a string', 'ok'],
  ['a number', 7],
];

describe('payment read-back', () => {
  it('a well-formed payment still maps (other fields pass through)', () => {
    expect(paymentToView({ ...payment, extra: { nested: true } })).toEqual({
      ok: true,
      value: {
        status: 'succeeded',
        paymentReference: '1319886532',
        amountPaid: 10550,
        amountRefunded: 0,
        externalReference: 'cko1',
        amount: 10550,
        currency: 'BRL',
      },
    });
  });

  it.each(roots)('a root that is %s → unexpected_response', (_name, body) => {
    expect(paymentToView(body)).toMatchObject(unexpected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing id', { id: undefined }],
    ['an empty string id', { id: '' }],
    ['an object id', { id: { n: 1 } }],
    ['a fractional id', { id: 1.5 }],
    ['a missing status', { status: undefined }],
    ['a numeric status', { status: 1 }],
    ['a numeric status_detail', { status_detail: 5 }],
    ['a string amount', { transaction_amount: '105.5' }],
    ['a missing amount', { transaction_amount: undefined }],
    ['a string refunded amount', { transaction_amount_refunded: '0' }],
    ['a numeric currency', { currency_id: 986 }],
    ['an empty currency', { currency_id: '' }],
    ['a numeric external_reference', { external_reference: 5 }],
  ])('%s → unexpected_response', (_name, over) => {
    expect(paymentToView({ ...payment, ...over })).toMatchObject(unexpected);
  });

  it('names the field that does not fit', () => {
    const read = paymentToView({ ...payment, transaction_amount: '105.5' });
    expect(read.ok ? '' : read.failure.message).toContain('transaction_amount');
  });
});

describe('preferences', () => {
  it('a well-formed preference still maps', () => {
    expect(preferenceToCreated(preference, 5, false)).toMatchObject({ ok: true, value: { reference: 'p-1', checkoutUrl: 'https://live' } });
    expect(preferenceToSnapshot(preference, Date.UTC(2026, 1, 1, 13))).toMatchObject({ ok: true, value: { status: 'expired' } });
  });

  it.each(roots)('a root that is %s → unexpected_response', (_name, body) => {
    expect(preferenceToCreated(body, 5, true)).toMatchObject(unexpected);
    expect(preferenceToSnapshot(body, 0)).toMatchObject(unexpected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing id', { id: undefined }],
    ['a numeric id', { id: 12 }],
    ['a numeric init_point', { init_point: 1, sandbox_init_point: 1 }],
    ['a string expires', { expires: 'true' }],
    ['a numeric expiration date', { expiration_date_to: 1769947200000 }],
  ])('%s → unexpected_response', (_name, over) => {
    expect(preferenceToCreated({ ...preference, ...over }, 5, false)).toMatchObject(unexpected);
    expect(preferenceToSnapshot({ ...preference, ...over }, 0)).toMatchObject(unexpected);
  });

  it('a sandbox_init_point of another type is not taken for a URL', () => {
    expect(preferenceToCreated({ ...preference, sandbox_init_point: { url: 'x' } }, 5, true)).toMatchObject(unexpected);
  });
});

describe('refunds', () => {
  it('a well-formed refund still maps', () => {
    expect(refundToResult(refund, 'BRL')).toEqual({ ok: true, value: { reference: '42', status: 'succeeded', amount: 1999 } });
  });

  it.each(roots)('a root that is %s → unexpected_response', (_name, body) => {
    expect(refundToResult(body, 'BRL')).toMatchObject(unexpected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing id', { id: undefined }],
    ['a boolean id', { id: true }],
    ['a string amount', { amount: '19.99' }],
    ['a missing amount', { amount: undefined }],
    ['an unknown status', { status: 'done' }],
    ['an object payment_id', { payment_id: {} }],
  ])('%s → unexpected_response', (_name, over) => {
    expect(refundToResult({ ...refund, ...over }, 'BRL')).toMatchObject(unexpected);
  });
});

describe('error bodies', () => {
  it('fields of another type are dropped, not rendered as [object Object]', () => {
    expect(describeMercadoPagoError(400, { message: { text: 'x' }, error: 7, cause: [{ code: {}, description: ['d'] }] })).toEqual({
      message: 'MercadoPago answered 400',
    });
    expect(describeMercadoPagoError(400, { message: 'bad', error: 'bad_request', cause: 'not a list' })).toEqual({
      code: 'bad_request',
      message: 'MercadoPago: bad',
    });
    expect(describeMercadoPagoError(400, { message: 'bad', cause: [null, { code: 1 }] })).toEqual({ message: 'MercadoPago: bad' });
    expect(describeMercadoPagoError(500, [{ message: 'x' }])).toEqual({ message: 'MercadoPago answered 500' });
  });
});

describe('notification bodies', () => {
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  const SECRET = 'mp_secret_test';
  const REQUEST_ID = 'bb56a2f1-6aae-46ac-982e-9dcd3581d08e';
  function notification(body: unknown, dataId = '1319886532'): InboundNotification {
    const manifest = `id:${dataId};request-id:${REQUEST_ID};ts:${ts};`;
    const v1 = createHmac('sha256', SECRET).update(manifest, 'utf8').digest('hex');
    return {
      method: 'POST',
      url: `https://edgepay.example/v1/webhooks/mercadopago?data.id=${dataId}&type=payment`,
      headers: { 'x-signature': `ts=${ts},v1=${v1}`, 'x-request-id': REQUEST_ID },
      rawBody: typeof body === 'string' ? body : JSON.stringify(body),
    };
  }
  const good = {
    id: 12345,
    type: 'payment',
    date_created: '2026-04-01T12:00:00.000-04:00',
    action: 'payment.updated',
    data: { id: '1319886532' },
  };

  it('a well-formed body still yields its trigger', async () => {
    expect(await verifyMercadoPagoNotification(notification(good), SECRET, now)).toEqual({
      type: 'payment',
      dataId: '1319886532',
      eventId: '12345',
      action: 'payment.updated',
      occurredAt: Date.parse('2026-04-01T12:00:00.000-04:00'),
    });
    expect(readMercadoPagoBody('')).toEqual({});
  });

  it.each<[string, unknown]>([
    ['a string root', '"payment"'],
    ['a number root', '5'],
    ['a boolean id', { ...good, id: true }],
    ['a null data', { ...good, data: null }],
    ['a string data', { ...good, data: '1319886532' }],
    ['an array data', { ...good, data: ['1319886532'] }],
    ['an object data.id', { ...good, data: { id: { n: 1319886532 } } }],
    ['a numeric type', { ...good, type: 1 }],
    ['a numeric date_created', { ...good, date_created: 5 }],
    ['an object action', { ...good, action: { name: 'payment.updated' } }],
  ])('%s → WebhookPayloadError', async (_name, body) => {
    await expect(verifyMercadoPagoNotification(notification(body), SECRET, now)).rejects.toBeInstanceOf(WebhookPayloadError);
  });

  it('a malformed body is checked only once the signature verifies', async () => {
    const forged = { ...notification({ ...good, id: true }), headers: { 'x-request-id': REQUEST_ID } };
    await expect(verifyMercadoPagoNotification(forged, SECRET, now)).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});
