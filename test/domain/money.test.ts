import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMinor,
  allocate,
  CURRENCY_EXPONENTS,
  currencyExponent,
  decimalToMinor,
  isCurrency,
  minor,
  minorToDecimalString,
  mulMinor,
  parseCurrency,
  subMinor,
  sumMinor,
} from '../../src/domain/money';

describe('minor', () => {
  it('accepts safe integers, including 0 and negatives', () => {
    expect([0, 1, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER].map(minor)).toEqual([
      0,
      1,
      -1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]);
  });

  it.each([0.5, 10.01, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])('rejects %s with a TypeError', (n) => {
    expect(() => minor(n)).toThrow(TypeError);
  });
});

describe('currencies', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['VND', 0],
    ['ISK', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['HUF', 2],
    ['MNT', 2],
    ['CRC', 2],
  ])('%s has exponent %i', (code, exponent) => {
    expect(currencyExponent(code)).toEqual({ ok: true, value: exponent });
  });

  it('covers every currency the platform settles in', () => {
    const required =
      'USD EUR GBP CAD AUD JPY KRW CLP VND ISK KWD BHD JOD OMR TND MNT CRC BRL MXN COP ARS PEN INR CHF SEK NOK DKK PLN CZK HUF NZD SGD HKD ZAR TRY';
    for (const code of required.split(' ')) expect(isCurrency(code), code).toBe(true);
    expect(Object.values(CURRENCY_EXPONENTS).every((e) => e === 0 || e === 2 || e === 3)).toBe(true);
  });

  it('isCurrency is exact, parseCurrency is lenient about case and spaces', () => {
    expect(isCurrency('usd')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
    expect(parseCurrency(' usd ')).toEqual({ ok: true, value: 'USD' });
  });

  it('reports an unknown currency as a validation error on the currency field', () => {
    expect(currencyExponent('XXX')).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_ERROR', field: 'currency' }) });
    expect(currencyExponent('constructor').ok).toBe(false);
  });
});

describe('arithmetic', () => {
  it('adds, subtracts, multiplies and sums integers', () => {
    expect(addMinor(1050, 74)).toBe(1124);
    expect(subMinor(100, 250)).toBe(-150);
    expect(mulMinor(5000, 4)).toBe(20000);
    expect(sumMinor([])).toBe(0);
    expect(sumMinor([1, 2, 3])).toBe(6);
  });

  it('throws instead of losing precision past the safe range', () => {
    expect(() => addMinor(Number.MAX_SAFE_INTEGER, 1)).toThrow(TypeError);
    expect(() => mulMinor(Number.MAX_SAFE_INTEGER, 2)).toThrow(TypeError);
    expect(() => addMinor(0.1, 0.2)).toThrow(TypeError);
  });
});

describe('allocate', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 1, 1, 1, 1, 1], [17, 17, 17, 17, 16, 16]],
    [10, [3, 7], [3, 7]],
    [20000, [2, 2], [10000, 10000]],
    [5, [1, 0, 1], [3, 0, 2]],
    [1, [1, 1], [1, 0]],
    [1, [1, 2], [0, 1]],
    [0, [1, 2, 3], [0, 0, 0]],
    [7, [5], [7]],
    [101, [1, 1], [51, 50]],
  ])('allocate(%i, %j) = %j', (total, weights, expected) => {
    expect(allocate(total, weights)).toEqual(expected);
  });

  it('is exact for very large totals (no float products)', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const parts = allocate(big, [1, 1, 1]);
    expect(parts).toEqual([3002399751580331, 3002399751580330, 3002399751580330]);
    expect(parts.reduce((s, p) => s + BigInt(p), 0n)).toBe(BigInt(big));
  });

  it.each([
    ['empty weights', 10, []],
    ['a negative weight', 10, [1, -1]],
    ['all-zero weights', 10, [0, 0]],
    ['a fractional weight', 10, [0.5, 1]],
    ['a negative total', -1, [1]],
  ])('rejects %s', (_label, total, weights) => {
    expect(() => allocate(total, weights)).toThrow();
  });

  const totals = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
  const weightLists = fc
    .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 })
    .filter((ws) => ws.some((w) => w > 0));

  it('parts are non-negative integers that sum exactly to the total', () => {
    fc.assert(
      fc.property(totals, weightLists, (total, weights) => {
        const parts = allocate(total, weights);
        expect(parts).toHaveLength(weights.length);
        expect(parts.every((p) => Number.isSafeInteger(p) && p >= 0)).toBe(true);
        expect(parts.reduce((s, p) => s + BigInt(p), 0n)).toBe(BigInt(total));
      }),
    );
  });

  it('each part is within one unit of its exact share, and zero weights get nothing', () => {
    fc.assert(
      fc.property(totals, weightLists, (total, weights) => {
        const parts = allocate(total, weights);
        const W = weights.reduce((s, w) => s + BigInt(w), 0n);
        parts.forEach((p, i) => {
          const exactTimesW = BigInt(total) * BigInt(weights[i]!);
          // floor(share) ≤ part ≤ floor(share) + 1  ⟺  exact·W − W < part·W < exact·W + W
          const scaled = BigInt(p) * W;
          expect(scaled > exactTimesW - W && scaled < exactTimesW + W).toBe(true);
          if (weights[i] === 0) expect(p).toBe(0);
        });
      }),
    );
  });

  it('equal weights give parts that differ by at most one, larger parts first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 30 }), (total, n) => {
        const parts = allocate(total, Array(n).fill(1));
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
        expect([...parts].sort((a, b) => b - a)).toEqual(parts);
      }),
    );
  });
});

describe('minorToDecimalString / decimalToMinor', () => {
  it.each([
    [1050, 2, '10.50'],
    [5, 2, '0.05'],
    [0, 2, '0.00'],
    [500, 0, '500'],
    [-5, 3, '-0.005'],
    [1234567, 3, '1234.567'],
  ])('%i at exponent %i is "%s" and back', (amount, exponent, text) => {
    expect(minorToDecimalString(amount, exponent)).toBe(text);
    expect(decimalToMinor(text, exponent)).toBe(amount);
  });

  it('reads numbers, thousands separators and trailing zeros exactly', () => {
    expect(decimalToMinor(10.5, 2)).toBe(1050);
    expect(decimalToMinor(0.07, 2)).toBe(7);
    expect(decimalToMinor('1,234.50', 2)).toBe(123450);
    expect(decimalToMinor('10.500', 2)).toBe(1050);
    expect(decimalToMinor('10', 2)).toBe(1000);
  });

  it('refuses more decimals than the currency has, and non-numbers', () => {
    expect(decimalToMinor('10.505', 2)).toBeNull();
    expect(decimalToMinor('1.5', 0)).toBeNull();
    expect(decimalToMinor('abc', 2)).toBeNull();
    expect(decimalToMinor('', 2)).toBeNull();
    expect(decimalToMinor(Number.NaN, 2)).toBeNull();
    expect(decimalToMinor(1e21, 2)).toBeNull();
  });

  it('round-trips every amount (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom(0, 2, 3), (amount, exponent) => {
        expect(decimalToMinor(minorToDecimalString(amount, exponent), exponent)).toBe(amount);
      }),
    );
  });
});
