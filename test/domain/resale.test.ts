import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkResalePrice, resalePriceBounds, splitResale } from '../../src/domain/resale';

describe('resalePriceBounds', () => {
  it('face 10000 → 5000…25000 by default', () => {
    expect(resalePriceBounds(10000)).toEqual({ min: 5000, max: 25000 });
  });

  it.each([
    [10001, {}, 5001, 25002], // 5000.5 rounds up for min; 25002.5 rounds down for max
    [1, {}, 1, 2],
    [0, {}, 0, 0],
    [10000, { minPct: 80, maxPct: 120 }, 8000, 12000],
    [10000, { minPct: 100, maxPct: 100 }, 10000, 10000],
  ])('face %i with %j → %i…%i', (face, window, min, max) => {
    expect(resalePriceBounds(face, window)).toEqual({ min, max });
  });

  it('rejects a window whose min is above its max', () => {
    expect(() => resalePriceBounds(10000, { minPct: 300, maxPct: 250 })).toThrow(RangeError);
  });

  it('bounds are the exact edges of the percentage window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (face, a, b) => {
          const [minPct, maxPct] = a <= b ? [a, b] : [b, a];
          const { min, max } = resalePriceBounds(face, { minPct, maxPct });
          expect(min * 100).toBeGreaterThanOrEqual(face * minPct);
          expect((min - 1) * 100).toBeLessThan(face * minPct);
          expect(max * 100).toBeLessThanOrEqual(face * maxPct);
          expect((max + 1) * 100).toBeGreaterThan(face * maxPct);
        },
      ),
    );
  });
});

describe('checkResalePrice', () => {
  it.each([
    [15000, true],
    [5000, true],
    [25000, true],
    [4999, false],
    [25001, false],
  ])('%i on a 10000 face value → allowed %s', (price, allowed) => {
    const result = checkResalePrice(price, 10000);
    expect(result.ok).toBe(allowed);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'price' });
  });
});

describe('splitResale', () => {
  it('15000 at 10 % royalty and 5 % fee → 1500 / 750 / 12750', () => {
    expect(splitResale(15000)).toEqual({ venueRoyalty: 1500, platformFee: 750, sellerPayout: 12750 });
  });

  it.each([
    [15, {}, 2, 1, 12], // 1.5 → 2, 0.75 → 1
    [1, {}, 0, 0, 1],
    [0, {}, 0, 0, 0],
    [10000, { royaltyBps: 0, platformFeeBps: 0 }, 0, 0, 10000],
    [1, { royaltyBps: 5000, platformFeeBps: 5000 }, 1, 0, 0], // both round up; the fee absorbs it
  ])('%i with %j → %i / %i / %i', (price, rates, royalty, fee, payout) => {
    expect(splitResale(price, rates)).toEqual({ venueRoyalty: royalty, platformFee: fee, sellerPayout: payout });
  });

  it('rejects rates above 100 % together', () => {
    expect(() => splitResale(100, { royaltyBps: 6000, platformFeeBps: 5000 })).toThrow(RangeError);
  });

  it('the three parts are non-negative and sum exactly to the price', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (price, r, f) => {
          fc.pre(r + f <= 10_000);
          const s = splitResale(price, { royaltyBps: r, platformFeeBps: f });
          expect([s.venueRoyalty, s.platformFee, s.sellerPayout].every((x) => x >= 0)).toBe(true);
          expect(BigInt(s.venueRoyalty) + BigInt(s.platformFee) + BigInt(s.sellerPayout)).toBe(BigInt(price));
        },
      ),
    );
  });
});
