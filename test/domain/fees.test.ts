import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VenueTier } from '../../src/domain/fees';
import {
  calculateFees,
  gasEstimate,
  isVenueTier,
  platformFee,
  processingCost,
  resolveVenueTier,
  tierForVolume,
} from '../../src/domain/fees';
import type { TaxResult } from '../../src/domain/tax';
import { calculateTax } from '../../src/domain/tax';

function taxAt(amount: number, city: string, state = 'TN'): TaxResult {
  const result = calculateTax({ amount, venueAddress: { city, state } });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('calculateFees — worked numbers', () => {
  it('starter venue, Knoxville TN, 2 × 5000', () => {
    expect(calculateFees({ ticketPrice: 10000, ticketCount: 2, tier: 'starter', tax: taxAt(10000, 'Knoxville') })).toEqual({
      ticketPrice: 10000,
      platformFee: 820,
      gasEstimate: 100,
      stateTax: 700,
      localTax: 225,
      specialTax: 0,
      totalTax: 925,
      total: 11845,
    });
  });

  it('pro venue, one 10000 ticket, Knoxville: 790 + 50 + 700 + 225 → 11765', () => {
    const fees = calculateFees({ ticketPrice: 10000, ticketCount: 1, tier: 'pro', tax: taxAt(10000, 'Knoxville') });
    expect([fees.platformFee, fees.gasEstimate, fees.stateTax, fees.localTax, fees.total]).toEqual([790, 50, 700, 225, 11765]);
  });

  it('enterprise venue in Nashville includes the entertainment tax in the total', () => {
    const fees = calculateFees({ ticketPrice: 10000, ticketCount: 1, tier: 'enterprise', tax: taxAt(10000, 'Nashville') });
    expect([fees.platformFee, fees.specialTax, fees.totalTax, fees.total]).toEqual([750, 100, 1025, 10000 + 750 + 50 + 1025]);
  });

  it('tax is on the ticket price only, not on the platform fee or gas', () => {
    const fees = calculateFees({ ticketPrice: 1050, ticketCount: 1, tier: 'starter', tax: taxAt(1050, 'Elsewhere') });
    // 8.2 % of 1050 = 86.1 → 86; 7 % of 1050 = 73.5 → 74
    expect(fees).toMatchObject({ platformFee: 86, gasEstimate: 50, stateTax: 74, total: 1050 + 86 + 50 + 74 });
  });
});

describe('platformFee and gas', () => {
  it.each([
    ['starter', 10000, 820],
    ['pro', 10000, 790],
    ['enterprise', 10000, 750],
    ['starter', 0, 0],
    ['starter', 1, 0], // 0.082
    ['starter', 6, 0], // 0.492
    ['starter', 7, 1], // 0.574
    ['pro', 1000, 79],
    ['enterprise', 2, 0], // 0.15
    ['enterprise', 20, 2], // 1.5 → 2
  ] as Array<[VenueTier, number, number]>)('%s on %i = %i', (tier, price, expected) => {
    expect(platformFee(price, tier)).toBe(expected);
  });

  it('gas is 50 per ticket, for many tickets too', () => {
    expect([1, 2, 4, 1000].map(gasEstimate)).toEqual([50, 100, 200, 50_000]);
  });

  it('rejects zero or fractional ticket counts and negative prices', () => {
    expect(() => gasEstimate(0)).toThrow(RangeError);
    expect(() => gasEstimate(1.5)).toThrow(RangeError);
    expect(() => platformFee(-1, 'pro')).toThrow(RangeError);
  });

  it('handles very large safe amounts exactly', () => {
    const huge = 900_000_000_000_000; // $9 trillion: 8.2 % = 73.8 trillion cents exactly
    const fees = calculateFees({ ticketPrice: huge, ticketCount: 1, tier: 'starter', tax: taxAt(huge, 'Elsewhere', 'OR') });
    expect(fees.platformFee).toBe(73_800_000_000_000);
    expect(fees.total).toBe(huge + 73_800_000_000_000 + 50);
  });

  it('total is always the sum of its parts and the fee is never more than 8.2 % + half a unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom<VenueTier>('starter', 'pro', 'enterprise'),
        fc.constantFrom('Nashville', 'Knoxville', 'Memphis', 'Elsewhere'),
        (price, count, tier, city) => {
          const f = calculateFees({ ticketPrice: price, ticketCount: count, tier, tax: taxAt(price, city) });
          expect(f.total).toBe(f.ticketPrice + f.platformFee + f.gasEstimate + f.totalTax);
          expect(f.totalTax).toBe(f.stateTax + f.localTax + f.specialTax);
          expect(f.platformFee * 10_000).toBeLessThanOrEqual(price * 820 + 5_000);
        },
      ),
    );
  });
});

describe('venue tiers', () => {
  it.each([
    [0, 'starter'],
    [999_999, 'starter'],
    [1_000_000, 'pro'], // exactly $10 000 is pro
    [5_000_000, 'pro'],
    [10_000_000, 'pro'], // exactly $100 000 is still pro
    [10_000_001, 'enterprise'],
    [Number.MAX_SAFE_INTEGER, 'enterprise'],
  ])('volume %i → %s', (volume, tier) => {
    expect(tierForVolume(volume)).toBe(tier);
  });

  it('an explicit tier overrides the volume', () => {
    expect(resolveVenueTier('enterprise', 0)).toBe('enterprise');
    expect(resolveVenueTier('starter', 50_000_000)).toBe('starter');
    expect(resolveVenueTier(undefined, 50_000_000)).toBe('enterprise');
    expect(resolveVenueTier(null, 1_000_000)).toBe('pro');
  });

  it('tier never gets more expensive as volume grows', () => {
    const rank = { starter: 0, pro: 1, enterprise: 2 };
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(rank[tierForVolume(lo)]).toBeLessThanOrEqual(rank[tierForVolume(hi)]);
      }),
    );
  });

  it('rejects negative volume and recognises tier names', () => {
    expect(() => tierForVolume(-1)).toThrow(RangeError);
    expect(isVenueTier('pro')).toBe(true);
    expect(isVenueTier('gold')).toBe(false);
  });
});

describe('processingCost', () => {
  it.each([
    [11845, 374], // 343.505 → 344, + 30
    [10000, 320],
    [100, 33], // 2.9 + 30 → 3 + 30
    [1, 30], // 0.029 → 0
    [0, 0], // nothing charged, no card transaction
  ])('charging %i costs %i', (total, cost) => {
    expect(processingCost(total)).toBe(cost);
  });
});
