import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAYOUT_DAILY_LIMIT, PAYOUT_MIN_AMOUNT, payoutCosts, payoutDay, payoutRefusal } from '../../src/domain/payout';

describe('payout rules', () => {
  it('an instant payout costs exactly 1 % (half up); a standard one nothing; fee + net = amount', () => {
    expect(payoutCosts(45_000, 'instant')).toEqual({ amount: 45_000, fee: 450, net: 44_550 });
    expect(payoutCosts(10_050, 'instant')).toEqual({ amount: 10_050, fee: 101, net: 9_949 });
    expect(payoutCosts(45_000, 'standard')).toEqual({ amount: 45_000, fee: 0, net: 45_000 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), fc.constantFrom('standard' as const, 'instant' as const), (amount, type) => {
        const { fee, net } = payoutCosts(amount, type);
        expect(fee + net).toBe(amount);
        expect(fee).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('refuses below the minimum (422 on amount), above payable (INSUFFICIENT_FUNDS) and beyond the day (PAYOUT_LIMIT_EXCEEDED), in that order', () => {
    expect(payoutRefusal(PAYOUT_MIN_AMOUNT - 1, 1_000_000, 0)?.code).toBe('VALIDATION_ERROR');
    expect(payoutRefusal(PAYOUT_MIN_AMOUNT, PAYOUT_MIN_AMOUNT - 1, 0)?.code).toBe('INSUFFICIENT_FUNDS');
    expect(payoutRefusal(20_000, 100_000_000, PAYOUT_DAILY_LIMIT - 19_999)?.code).toBe('PAYOUT_LIMIT_EXCEEDED');
    expect(payoutRefusal(20_000, 100_000_000, PAYOUT_DAILY_LIMIT - 20_000)).toBeNull();
    expect(payoutRefusal(PAYOUT_MIN_AMOUNT, PAYOUT_MIN_AMOUNT, 0)).toBeNull();
  });

  it('counts by UTC day', () => {
    expect(payoutDay(Date.parse('2026-12-07T23:59:59.999Z'))).toBe('2026-12-07');
    expect(payoutDay(Date.parse('2026-12-08T00:00:00Z'))).toBe('2026-12-08');
  });
});
