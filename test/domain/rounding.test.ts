import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentOfMinor, roundHalfUp } from '../../src/domain/rounding';

describe('roundHalfUp', () => {
  it.each([
    [0, 10, 0],
    [4, 10, 0],
    [5, 10, 1],
    [6, 10, 1],
    [15, 10, 2],
    [25, 10, 3],
    [5, 2, 3],
    [1, 3, 0],
    [2, 3, 1],
    [-4, 10, 0],
    [-5, 10, -1],
    [-15, 10, -2],
    [5, -2, -3],
    [-5, -2, 3],
  ])('roundHalfUp(%i, %i) = %i (halves away from zero)', (n, d, expected) => {
    expect(roundHalfUp(n, d)).toBe(expected);
  });

  it('returns 0, not -0, when a negative value rounds to zero', () => {
    expect(Object.is(roundHalfUp(-4, 10), 0)).toBe(true);
  });

  it('works on bigints beyond the safe range', () => {
    expect(roundHalfUp(10n ** 30n + 5n, 10n)).toBe(10n ** 29n + 1n);
  });

  it('rejects a zero denominator and non-integers', () => {
    expect(() => roundHalfUp(1, 0)).toThrow(RangeError);
    expect(() => roundHalfUp(1.5, 2)).toThrow(TypeError);
  });
});

describe('percentOfMinor', () => {
  it.each([
    [1050, 700, 74], // 7 % of 1050 → 74 (73.5 rounds up)
    [10000, 700, 700],
    [10000, 225, 225],
    [10000, 820, 820],
    [7, 700, 0], // 0.49
    [8, 700, 1], // 0.56
    [50, 100, 1], // exactly 0.5 → up
    [49, 100, 0],
    [0, 700, 0],
    [1, 5000, 1], // 0.5 → 1
    [1, 4999, 0],
    [24, 5625, 14], // 13.5 → 14 (found by the property below)
    [12345, 0, 0],
    [12345, 10000, 12345],
  ])('%i at %i bps = %i', (amount, bps, expected) => {
    expect(percentOfMinor(amount, bps)).toBe(expected);
  });

  it('never overflows for the largest safe amount', () => {
    // 9007199254740991 × 700 / 10000 = 630503947831869.37 → 630503947831869
    expect(percentOfMinor(Number.MAX_SAFE_INTEGER, 700)).toBe(630503947831869);
    expect(percentOfMinor(Number.MAX_SAFE_INTEGER, 10000)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects fractional amounts and negative or fractional rates', () => {
    expect(() => percentOfMinor(10.5, 700)).toThrow(TypeError);
    expect(() => percentOfMinor(100, -1)).toThrow(RangeError);
    expect(() => percentOfMinor(100, 7.5)).toThrow(RangeError);
  });

  // Small amounts hit exact halves and zero results; large ones exercise the BigInt path.
  const amounts = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
  const rates = fc.integer({ min: 0, max: 10_000 });

  it('is within half a unit of the exact value, and halves go up', () => {
    fc.assert(
      fc.property(amounts, rates, (amount, bps) => {
        const result = BigInt(percentOfMinor(amount, bps));
        const exact = BigInt(amount) * BigInt(bps); // scaled by 10000
        const diff = result * 10_000n - exact; // in units of 1/10000
        // half up: result − exact ∈ (−0.5, +0.5], +0.5 exactly when the exact value ends in .5
        expect(diff > -5_000n && diff <= 5_000n).toBe(true);
      }),
    );
  });

  it('is monotonic in the amount', () => {
    fc.assert(
      fc.property(amounts, amounts, rates, (a, b, bps) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(percentOfMinor(lo, bps)).toBeLessThanOrEqual(percentOfMinor(hi, bps));
      }),
    );
  });

  it('is symmetric for negative amounts (half away from zero)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), rates, (amount, bps) => {
        expect(percentOfMinor(-amount, bps)).toBe(-percentOfMinor(amount, bps) || 0);
      }),
    );
  });
});
