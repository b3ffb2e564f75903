import { describe, expect, it } from 'vitest';
import {
  ADYEN_MAX_SESSION_MS,
  ADYEN_MIN_SESSION_MS,
  adyenExponent,
  adyenIdempotencyKey,
  adyenMetadata,
  adyenRefundReference,
  adyenSessionStatusToCommon,
  clampAdyenExpiry,
  describeAdyenError,
  fromAdyenAmount,
  parseAdyenRefundReference,
  refundResponseToResult,
  sessionResponseToCreated,
  toAdyenAmount,
} from '../../../src/psp/adyen/transformers.ts';
import { ADYEN_SESSION_STATUSES, type AdyenSessionStatus } from '../../../src/psp/adyen/wire.ts';
import type { CheckoutStatus } from '../../../src/psp/checkout.ts';

describe('session status map', () => {
  const table: Record<AdyenSessionStatus, CheckoutStatus> = {
    active: 'open',
    paymentPending: 'processing',
    completed: 'succeeded',
    refused: 'failed',
    canceled: 'canceled',
    expired: 'expired',
  };
  it.each(Object.entries(table))('%s → %s', (adyen, common) => {
    expect(adyenSessionStatusToCommon(adyen as AdyenSessionStatus)).toBe(common);
  });
  it('covers every status of the extract and throws on anything else', () => {
    expect([...ADYEN_SESSION_STATUSES].sort()).toEqual(Object.keys(table).sort());
    expect(() => adyenSessionStatusToCommon('authorised' as AdyenSessionStatus)).toThrow();
  });
});

describe('amounts in Adyen minor units', () => {
  it.each([
    ['EUR', 1050, 1050, 2],
    ['USD', 1, 1, 2],
    ['JPY', 500, 500, 0],
    ['KRW', 1000, 1000, 0],
    ['KWD', 1234, 1234, 3],
    ['CRC', 10000, 10000, 2],
    ['CLP', 5000, 500000, 2],
    ['ISK', 7, 700, 2],
    ['IDR', 1500000, 15000, 0],
  ])('%s: %i ours ↔ %i Adyen (exponent %i)', (currency, ours, adyen, exponent) => {
    expect(adyenExponent(currency)).toBe(exponent);
    expect(toAdyenAmount(ours, currency)).toEqual({ value: adyen, currency });
    expect(fromAdyenAmount({ value: adyen, currency })).toBe(ours);
  });

  it('refuses what cannot be carried exactly or is not a supported currency', () => {
    expect(toAdyenAmount(1050, 'IDR')).toBeNull(); // 10.50 IDR: Adyen has no decimals for IDR
    expect(fromAdyenAmount({ value: 150, currency: 'CLP' })).toBeNull(); // 1.50 CLP
    expect(toAdyenAmount(100, 'CVE')).toBeNull(); // in Adyen's table, not in our ISO table
    expect(toAdyenAmount(100, 'eur')).toBeNull();
    expect(toAdyenAmount(10.5, 'EUR')).toBeNull();
    expect(toAdyenAmount(Number.MAX_SAFE_INTEGER, 'CLP')).toBeNull();
    expect(fromAdyenAmount({ value: 1.5, currency: 'EUR' })).toBeNull();
  });
});

describe('session request details', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  it('clamps expiresAt into [now + 1 min, now + 24 h]', () => {
    expect(clampAdyenExpiry(now + 3600_000, now)).toBe(now + 3600_000);
    expect(clampAdyenExpiry(now + 48 * 3600_000, now)).toBe(now + ADYEN_MAX_SESSION_MS);
    expect(clampAdyenExpiry(now - 1000, now)).toBe(now + ADYEN_MIN_SESSION_MS);
  });

  it('keeps metadata pairs that fit (key ≤ 20, value ≤ 80), in order, at most 20', () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, `v${i}`]));
    const kept = adyenMetadata(many)!;
    expect(Object.keys(kept)).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`));
    expect(adyenMetadata({ ['k'.repeat(20)]: 'v'.repeat(80), ['k'.repeat(21)]: 'x', long: 'v'.repeat(81), '': 'empty' })).toEqual({
      ['k'.repeat(20)]: 'v'.repeat(80),
    });
    expect(adyenMetadata({})).toBeUndefined();
    expect(adyenMetadata({ ['x'.repeat(21)]: '1' })).toBeUndefined();
  });

  it('Idempotency-Key: kept up to 64 characters, else SHA-256 hex', async () => {
    expect(await adyenIdempotencyKey('a'.repeat(64))).toBe('a'.repeat(64));
    expect(await adyenIdempotencyKey('abc'.repeat(30))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('refund references', () => {
  it('sessionId:refundId up to 80 characters, parsed back', () => {
    const session = `cko${'a'.repeat(32)}`;
    expect(adyenRefundReference(session, 'r1')).toBe(`${session}:r1`);
    expect(adyenRefundReference(session, 'r'.repeat(44))).toHaveLength(80);
    expect(adyenRefundReference(session, 'r'.repeat(45))).toBeNull();
    expect(parseAdyenRefundReference(`${session}:r:1`)).toEqual({ sessionId: session, refundId: 'r:1' });
    expect(parseAdyenRefundReference(session)).toEqual({ sessionId: session, refundId: null });
    expect(parseAdyenRefundReference('')).toEqual({ sessionId: null, refundId: null });
  });
});

describe('responses', () => {
  it('session response → created checkout, with offset dates parsed', () => {
    const body = { id: 'CS1', url: 'https://checkoutshopper-test.adyen.com/x', expiresAt: '2022-01-11T13:53:18+01:00' };
    expect(sessionResponseToCreated(body)).toEqual({
      ok: true,
      value: { reference: 'CS1', checkoutUrl: body.url, expiresAt: Date.UTC(2022, 0, 11, 12, 53, 18), details: {} },
    });
    expect(sessionResponseToCreated({ ...body, url: undefined })).toMatchObject({ ok: false, failure: { code: 'unexpected_response' } });
    expect(sessionResponseToCreated({ ...body, expiresAt: 'soon' })).toMatchObject({ ok: false });
  });

  it('refund response "received" → pending; another status or amount is unexpected', () => {
    const body = {
      pspReference: '993617894906488A',
      paymentPspReference: 'P',
      merchantAccount: 'M',
      status: 'received',
      amount: { value: 500000, currency: 'CLP' },
    };
    expect(refundResponseToResult(body, 5000)).toEqual({
      ok: true,
      value: { reference: '993617894906488A', status: 'pending', amount: 5000 },
    });
    expect(refundResponseToResult(body, 5001)).toMatchObject({ ok: false });
    expect(refundResponseToResult({ ...body, status: 'approved' }, 5000)).toMatchObject({ ok: false });
  });

  it('ServiceError → code and message', () => {
    expect(
      describeAdyenError(422, { status: 422, errorCode: '14_030', message: 'Return URL is missing.', errorType: 'validation' }),
    ).toEqual({
      code: '14_030',
      message: 'Adyen validation: Return URL is missing.',
    });
    expect(describeAdyenError(502, '<html>')).toEqual({ message: 'Adyen answered 502' });
  });
});
