import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaxResult } from '../../src/domain/tax';
import { builtInTaxProvider, calculateTax, resolveStateCode } from '../../src/domain/tax';
import { US_STATE_TAX } from '../../src/domain/tax-rates';

function tax(amount: number, city: string, state: string): TaxResult {
  const result = calculateTax({ amount, venueAddress: { city, state } });
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.value;
}

describe('calculateTax — Tennessee', () => {
  it('Nashville, 10000: state 700 + local 225 + entertainment 100 = 1025', () => {
    const result = calculateTax({
      amount: 10000,
      venueAddress: { street: '1 Broadway', city: 'Nashville', state: 'TN', zip: '37203' },
      customerAddress: { city: 'Nashville', state: 'TN', zip: '37203' },
    });
    expect(result).toEqual({
      ok: true,
      value: {
        taxableAmount: 10000,
        stateTax: 700,
        localTax: 225,
        specialTax: 100,
        totalTax: 1025,
        jurisdiction: 'US-TN-NASHVILLE',
        breakdown: {
          state: { name: 'Tennessee Sales Tax', rate: 7, rateBps: 700, amount: 700, jurisdiction: 'US-TN' },
          local: { name: 'Nashville Local Tax', rate: 2.25, rateBps: 225, amount: 225, jurisdiction: 'US-TN-NASHVILLE' },
          special: { name: 'Entertainment Tax', rate: 1, rateBps: 100, amount: 100, jurisdiction: 'US-TN-NASHVILLE' },
        },
      },
    });
  });

  it('Knoxville, 10000: 700 + 225 and no entertainment tax', () => {
    const t = tax(10000, 'Knoxville', 'TN');
    expect([t.stateTax, t.localTax, t.specialTax, t.totalTax]).toEqual([700, 225, 0, 925]);
    expect(t.breakdown.local?.name).toBe('Knoxville Local Tax');
    expect(t.breakdown.special).toBeUndefined();
  });

  it('Memphis: local 2.75 % and entertainment 1 %', () => {
    const t = tax(10000, 'Memphis', 'TN');
    expect([t.stateTax, t.localTax, t.specialTax, t.totalTax]).toEqual([700, 275, 100, 1075]);
    expect(t.breakdown.local?.rate).toBe(2.75);
  });

  it('another Tennessee city pays only the state rate', () => {
    const t = tax(10000, 'Chattanooga', 'TN');
    expect([t.stateTax, t.localTax, t.specialTax, t.totalTax, t.jurisdiction]).toEqual([700, 0, 0, 700, 'US-TN']);
    expect(t.breakdown).toEqual({ state: expect.objectContaining({ amount: 700 }) });
  });

  it('the venue decides, not the customer', () => {
    const result = calculateTax({
      amount: 10000,
      venueAddress: { city: 'Knoxville', state: 'TN' },
      customerAddress: { city: 'Nashville', state: 'TN' },
    });
    expect(result.ok && result.value.totalTax).toBe(925);
  });

  it('matches city and state ignoring case and whitespace, and accepts full state names', () => {
    expect(tax(10000, '  nASHville ', ' tn').totalTax).toBe(1025);
    expect(tax(10000, 'Nashville', 'Tennessee').totalTax).toBe(1025);
    expect(tax(10000, 'Nashville-Davidson', 'TN').totalTax).toBe(1025);
    expect(tax(10000, 'New  York', 'new   york').stateTax).toBe(400);
  });

  it.each([
    [1050, 74, 24, 11, 109], // 73.5→74, 23.625→24, 10.5→11
    [7, 0, 0, 0, 0],
    [8, 1, 0, 0, 1],
    [1, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ])('Nashville %i: each component rounded separately → %i + %i + %i = %i', (amount, s, l, e, total) => {
    const t = tax(amount, 'Nashville', 'TN');
    expect([t.stateTax, t.localTax, t.specialTax, t.totalTax]).toEqual([s, l, e, total]);
  });
});

describe('calculateTax — other states', () => {
  it.each([
    ['CA', 725],
    ['TX', 625],
    ['NY', 400],
    ['DC', 600],
    ['CO', 290],
    ['AK', 0],
    ['DE', 0],
    ['MT', 0],
    ['NH', 0],
    ['OR', 0],
  ])('%s applies its base rate of %i bps and no local tax', (state, bps) => {
    const t = tax(100_000, 'Springfield', state);
    expect(t.stateTax).toBe(bps * 10);
    expect(t.localTax).toBe(0);
    expect(t.totalTax).toBe(bps * 10);
    expect(t.breakdown.state.rateBps).toBe(bps);
  });

  it('knows all 50 states and DC', () => {
    expect(Object.keys(US_STATE_TAX)).toHaveLength(51);
    expect(resolveStateCode('District of Columbia')).toBe('DC');
  });

  it('the totals are always the sum of the parts, and never exceed 20 % of the amount', () => {
    const states = Object.keys(US_STATE_TAX);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(...states),
        fc.constantFrom('Nashville', 'Memphis', 'Knoxville', 'Elsewhere'),
        (amount, state, city) => {
          const t = tax(amount, city, state);
          expect(BigInt(t.totalTax)).toBe(BigInt(t.stateTax) + BigInt(t.localTax) + BigInt(t.specialTax));
          expect(t.totalTax).toBeLessThanOrEqual(Math.ceil(amount / 5));
        },
      ),
    );
  });
});

describe('calculateTax — invalid input', () => {
  it('an unknown state is a VALIDATION_ERROR on venueAddress.state', () => {
    expect(calculateTax({ amount: 100, venueAddress: { city: 'Toronto', state: 'ON' } })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'VALIDATION_ERROR', field: 'venueAddress.state' }),
    });
    expect(calculateTax({ amount: 100, venueAddress: { city: 'X', state: 'hasOwnProperty' } }).ok).toBe(false);
  });

  it('an empty city or negative amount is a VALIDATION_ERROR on that field', () => {
    const noCity = calculateTax({ amount: 100, venueAddress: { city: '  ', state: 'TN' } });
    expect(!noCity.ok && noCity.error.field).toBe('venueAddress.city');
    const negative = calculateTax({ amount: -1, venueAddress: { city: 'Nashville', state: 'TN' } });
    expect(!negative.ok && negative.error.field).toBe('amount');
  });

  it('a fractional amount is a programmer error', () => {
    expect(() => calculateTax({ amount: 10.5, venueAddress: { city: 'Nashville', state: 'TN' } })).toThrow(TypeError);
  });
});

describe('builtInTaxProvider', () => {
  it('answers the same as calculateTax', async () => {
    const input = { amount: 10000, venueAddress: { city: 'Nashville', state: 'TN' } };
    await expect(builtInTaxProvider.calculate(input)).resolves.toEqual(calculateTax(input));
  });
});
