import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256Hex } from '../../../src/lib/crypto.ts';
import {
  consultRows,
  describeTilopayError,
  fromTilopayAmount,
  phpNumberFormat2,
  phpUrlencode,
  type TilopayConsultRow,
  tilopayBodyFailure,
  tilopayCodeOutcome,
  tilopayModificationToRefund,
  tilopayOrderHashKey,
  tilopayOrderHashMessage,
  tilopayRowsToSnapshot,
  toTilopayAmount,
} from '../../../src/psp/tilopay/transformers.ts';

const row = (over: Partial<TilopayConsultRow> = {}): TilopayConsultRow => ({
  orderNumber: 'cko1',
  tpt: '9876543',
  amount: '10.50',
  currency: 'USD',
  code: '1',
  auth: '123456',
  email: 'a@example.cr',
  ...over,
});
const expected = { amount: 1050, currency: 'USD' };
const snapshot = (rows: TilopayConsultRow[], e = expected) => {
  const r = tilopayRowsToSnapshot(rows, e);
  if (!r.ok) throw new Error(JSON.stringify(r.failure));
  return r.value;
};

describe('amounts: two-decimal strings in major units', () => {
  it.each([
    [1050, 'USD', '10.50'],
    [100, 'USD', '1.00'],
    [10_000, 'CRC', '100.00'],
    [123_456_789, 'CRC', '1234567.89'],
    [500, 'JPY', '500.00'],
    [7, 'CLP', '7.00'],
  ])('%i minor %s → "%s"', (minor, currency, wire) => {
    expect(toTilopayAmount(minor, currency)).toEqual({ ok: true, value: wire });
  });

  it('refuses three-decimal and unknown currencies, and non-positive amounts', () => {
    expect(toTilopayAmount(1000, 'KWD')).toMatchObject({ ok: false, failure: { code: 'unsupported_currency' } });
    expect(toTilopayAmount(1000, 'XYZ')).toMatchObject({ ok: false, failure: { code: 'unsupported_currency' } });
    expect(toTilopayAmount(0, 'USD')).toMatchObject({ ok: false, failure: { code: 'invalid_amount' } });
  });

  it.each<[string | number, string, number | null]>([
    ['10.50', 'USD', 1050],
    ['1,234.50', 'USD', 123_450],
    [10.5, 'USD', 1050],
    ['500.00', 'JPY', 500],
    ['500.50', 'JPY', null],
    ['10.505', 'USD', null],
    ['abc', 'CRC', null],
  ])('reads %j %s back as %j', (wire, currency, minor) => {
    expect(fromTilopayAmount(wire, currency)).toBe(minor);
  });

  it('number_format(…, 2) with "," thousands and PHP urlencode', () => {
    expect(phpNumberFormat2(5)).toBe('0.05');
    expect(phpNumberFormat2(100_000)).toBe('1,000.00');
    expect(phpNumberFormat2(123_456_789)).toBe('1,234,567.89');
    expect(phpUrlencode("o'neil ana+x@ex.cr~")).toBe('o%27neil+ana%2Bx%40ex.cr%7E');
  });
});

describe('OrderHash V2', () => {
  it('matches an HMAC-SHA256 computed independently from the documented recipe', async () => {
    const p = {
      apiKey: '1234-5678-9012-3456-7890',
      apiUser: 'user1',
      tpt: '4455667',
      orderNumber: 'cko1',
      hundredths: 123_450,
      currency: 'USD',
      code: '1',
      auth: '123456',
      email: 'ana@example.cr',
    };
    const message = tilopayOrderHashMessage(p);
    expect(message).toBe(
      'api_Key=1234-5678-9012-3456-7890&api_user=user1&orderId=4455667&external_orden_id=cko1&amount=1,234.50&currency=USD&responseCode=1&auth=123456&email=ana%40example.cr',
    );
    const independent = createHmac('sha256', '4455667|1234-5678-9012-3456-7890|pass1').update(message).digest('hex');
    expect(await hmacSha256Hex(tilopayOrderHashKey('4455667', p.apiKey, 'pass1'), message)).toBe(independent);
  });
});

describe('status mapping of Tilopay result codes', () => {
  it('link/URL created (no consult rows) → open', () => {
    expect(snapshot([])).toEqual({ status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 });
  });

  it('code "Pending" → processing', () => {
    expect(snapshot([row({ code: 'Pending', auth: '' })])).toMatchObject({
      status: 'processing',
      paymentReference: '9876543',
      amountPaid: 0,
    });
  });

  it('code "1" with matching amount and currency → succeeded', () => {
    expect(snapshot([row()])).toEqual({ status: 'succeeded', paymentReference: '9876543', amountPaid: 1050, amountRefunded: 0 });
    expect(snapshot([row({ code: 1, amount: 10.5, tpt: 9876543 })])).toMatchObject({ status: 'succeeded', paymentReference: '9876543' });
  });

  it('code "1" with another amount or currency → failed, nothing counted', () => {
    expect(snapshot([row({ amount: '10.49' })])).toMatchObject({ status: 'failed', amountPaid: 0 });
    expect(snapshot([row({ currency: 'CRC' })])).toMatchObject({ status: 'failed', amountPaid: 0 });
  });

  it.each(['2', '7', '43', '51', '82', '98'])('declined code %s → failed', (code) => {
    expect(snapshot([row({ code, auth: '' })]).status).toBe('failed');
    expect(tilopayCodeOutcome(code)).toBe('declined');
  });

  it('code "8" → canceled', () => {
    expect(snapshot([row({ code: '8', auth: '' })]).status).toBe('canceled');
  });

  it('refunds via processModification → refunded / partially_refunded by amount', () => {
    expect(snapshot([row({ refunded: '4.00' })])).toMatchObject({ status: 'partially_refunded', amountPaid: 1050, amountRefunded: 400 });
    expect(snapshot([row({ refunded: '10.50' })])).toMatchObject({ status: 'refunded', amountRefunded: 1050 });
    expect(snapshot([row({ refunded: '0.00' })]).status).toBe('succeeded');
  });

  it('an approved attempt decides over earlier declined ones; otherwise the latest attempt', () => {
    expect(snapshot([row({ code: '51', tpt: '1' }), row({ tpt: '2' })])).toMatchObject({ status: 'succeeded', paymentReference: '2' });
    expect(snapshot([row({ code: '51', tpt: '1' }), row({ code: '8', tpt: '2' })])).toMatchObject({
      status: 'canceled',
      paymentReference: '2',
    });
  });

  it('an unreadable amount is an error, not a status', () => {
    expect(tilopayRowsToSnapshot([row({ amount: '10.505' })], expected)).toMatchObject({
      ok: false,
      failure: { code: 'unexpected_response' },
    });
  });
});

describe('responses', () => {
  it('consult rows: a response array, [] when absent, null when malformed', () => {
    expect(consultRows({ type: '200', response: [row()] })).toEqual([row()]);
    expect(consultRows({ type: '200' })).toEqual([]);
    expect(consultRows({ type: '200', response: 'x' })).toBeNull();
  });

  it('processModification: response "1" applied, anything else refused', () => {
    const fallback = { reference: 'cko1:rf_1', amount: 300, currency: 'USD' };
    expect(tilopayModificationToRefund({ type: '200', response: '1', tpt: '555', amount: '3.00' }, fallback)).toEqual({
      ok: true,
      value: { reference: '555', status: 'succeeded', amount: 300 },
    });
    expect(tilopayModificationToRefund({ type: '200', response: '0' }, fallback)).toEqual({
      ok: true,
      value: { reference: 'cko1:rf_1', status: 'failed', amount: 300 },
    });
  });

  it('an error `type` inside a 2xx body is the failure its status would be', () => {
    expect(tilopayBodyFailure({ type: '200', response: [] })).toBeNull();
    expect(tilopayBodyFailure({ url: 'https://x' })).toBeNull();
    expect(tilopayBodyFailure({ type: '401', message: 'Unauthenticated.' })).toMatchObject({ kind: 'authentication', status: 401 });
    expect(tilopayBodyFailure({ type: 400, message: 'bad' })).toMatchObject({ kind: 'invalid_request', status: 400, code: 'tilopay_400' });
    expect(tilopayBodyFailure({ type: '503' })).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(describeTilopayError(422, { type: '422', message: 'nope' })).toEqual({ code: 'tilopay_422', message: 'Tilopay: nope' });
    expect(describeTilopayError(502, null)).toEqual({ message: 'Tilopay answered 502' });
  });
});
