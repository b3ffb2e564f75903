import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PurchaseLimitInput } from '../../src/domain/limits';
import { checkPurchaseLimits, DEFAULT_PURCHASE_LIMITS } from '../../src/domain/limits';

const base: PurchaseLimitInput = {
  limits: DEFAULT_PURCHASE_LIMITS,
  requested: 2,
  priorByUser: 0,
  priorByPaymentMethod: 0,
  priorByAddress: 0,
};

describe('checkPurchaseLimits', () => {
  it('defaults are 4 per user, 4 per payment method, 8 per address, 4 per order', () => {
    expect(DEFAULT_PURCHASE_LIMITS).toEqual({ perUser: 4, perPaymentMethod: 4, perAddress: 8, perOrder: 4 });
  });

  it.each([
    ['a first order of 4', { requested: 4 }],
    ['reaching the user limit exactly', { requested: 1, priorByUser: 3, priorByPaymentMethod: 3 }],
    ['reaching the address limit exactly', { requested: 2, priorByAddress: 6 }],
    ['unknown payment method and address', { requested: 4, priorByPaymentMethod: null, priorByAddress: null }],
  ] as Array<[string, Partial<PurchaseLimitInput>]>)('allows %s', (_label, overrides) => {
    expect(checkPurchaseLimits({ ...base, ...overrides })).toEqual({ ok: true, value: undefined });
  });

  it.each([
    ['perOrder', { requested: 5 }, 4],
    ['perUser', { requested: 2, priorByUser: 3 }, 1],
    ['perPaymentMethod', { requested: 1, priorByPaymentMethod: 4 }, 0],
    ['perAddress', { requested: 3, priorByAddress: 6 }, 2],
    // order is checked first, then user, payment method, address
    ['perOrder', { requested: 5, priorByUser: 4, priorByAddress: 8 }, 4],
    ['perUser', { requested: 1, priorByUser: 4, priorByPaymentMethod: 4, priorByAddress: 8 }, 0],
    ['perPaymentMethod', { requested: 1, priorByPaymentMethod: 4, priorByAddress: 8 }, 0],
  ] as Array<[string, Partial<PurchaseLimitInput>, number]>)('reports %s for %j with %i remaining', (field, overrides, remaining) => {
    const result = checkPurchaseLimits({ ...base, ...overrides });
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'PURCHASE_LIMIT_EXCEEDED', field, remaining }),
    });
  });

  it('uses the event limits when given', () => {
    const limits = { perUser: 10, perPaymentMethod: 10, perAddress: 20, perOrder: 10 };
    expect(checkPurchaseLimits({ ...base, limits, requested: 10 }).ok).toBe(true);
    expect(checkPurchaseLimits({ ...base, limits, requested: 11 }).ok).toBe(false);
  });

  it('rejects an empty order and negative counts as programmer errors', () => {
    expect(() => checkPurchaseLimits({ ...base, requested: 0 })).toThrow(RangeError);
    expect(() => checkPurchaseLimits({ ...base, priorByUser: -1 })).toThrow(RangeError);
  });

  it('accepts exactly when every known prior + requested is within its limit', () => {
    const prior = fc.integer({ min: 0, max: 12 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        prior,
        fc.option(prior, { nil: null }),
        fc.option(prior, { nil: null }),
        (requested, priorByUser, priorByPaymentMethod, priorByAddress) => {
          const input = { ...base, requested, priorByUser, priorByPaymentMethod, priorByAddress };
          const within =
            requested <= 4 &&
            priorByUser + requested <= 4 &&
            (priorByPaymentMethod === null || priorByPaymentMethod + requested <= 4) &&
            (priorByAddress === null || priorByAddress + requested <= 8);
          expect(checkPurchaseLimits(input).ok).toBe(within);
        },
      ),
    );
  });
});
