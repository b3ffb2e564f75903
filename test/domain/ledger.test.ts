import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calculateFees, processingCost, VENUE_TIERS } from '../../src/domain/fees';
import { ledgerBalance, refundLedgerLines, saleLedgerLines } from '../../src/domain/ledger';
import { calculateTax } from '../../src/domain/tax';

function sale(ticketPrice: number, ticketCount: number, tier: (typeof VENUE_TIERS)[number], city: string) {
  const tax = calculateTax({ amount: ticketPrice, venueAddress: { city, state: 'TN' } });
  if (!tax.ok) throw new Error(tax.error.message);
  const fees = calculateFees({ ticketPrice, ticketCount, tier, tax: tax.value });
  return saleLedgerLines({
    userId: 'u1',
    venueId: 'v1',
    provider: 'stripe',
    fees,
    tax: tax.value,
    processingCost: processingCost(fees.total),
  });
}

describe('sale ledger lines', () => {
  it('books the worked example: starter, Knoxville, 2 × 5000', () => {
    expect(sale(10_000, 2, 'starter', 'Knoxville')).toEqual([
      { account: 'buyer:u1', amount: 11_845 },
      { account: 'venue:v1:pending', amount: -10_000 },
      { account: 'platform:fees', amount: -820 },
      { account: 'platform:gas', amount: -100 },
      { account: 'tax:US-TN', amount: -700 },
      { account: 'tax:US-TN-KNOXVILLE', amount: -225 },
      { account: 'platform:fees', amount: 374 }, // 2.9 % of 11845 = 343.5 → 344, + 30
      { account: 'psp:stripe:fees', amount: -374 },
    ]);
  });

  it('always balances to zero and never carries a zero line', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom(...VENUE_TIERS),
        fc.constantFrom('Nashville', 'Knoxville', 'Memphis', 'Chattanooga'),
        (price, count, tier, city) => {
          const lines = sale(price, count, tier, city);
          expect(ledgerBalance(lines)).toBe(0);
          expect(lines.every((l) => l.amount !== 0 && Number.isSafeInteger(l.amount))).toBe(true);
        },
      ),
    );
  });
});

describe('refund ledger lines', () => {
  const tax = calculateTax({ amount: 10_000, venueAddress: { city: 'Nashville', state: 'TN' } });
  if (!tax.ok) throw new Error('tax');
  const fees = calculateFees({ ticketPrice: 10_000, ticketCount: 2, tier: 'starter', tax: tax.value });

  it('reverses every part of the sale exactly on a full refund', () => {
    const lines = refundLedgerLines({ userId: 'u1', venueId: 'v1', fees, tax: tax.value, amount: fees.total, alreadyRefunded: 0 });
    expect(lines).toEqual([
      { account: 'buyer:u1', amount: -fees.total },
      { account: 'venue:v1:pending', amount: 10_000 },
      { account: 'platform:fees', amount: 820 },
      { account: 'platform:gas', amount: 100 },
      { account: 'tax:US-TN', amount: 700 },
      { account: 'tax:US-TN-NASHVILLE', amount: 225 },
      { account: `tax:${tax.value.breakdown.special?.jurisdiction}`, amount: 100 },
    ]);
  });

  it('balances for any partial refund, and partial refunds summing to the total reverse the sale exactly', () => {
    const full = refundLedgerLines({ userId: 'u1', venueId: 'v1', fees, tax: tax.value, amount: fees.total, alreadyRefunded: 0 });
    const perAccount = (lines: { account: string; amount: number }[]) => {
      const totals: Record<string, number> = {};
      for (const l of lines) totals[l.account] = (totals[l.account] ?? 0) + l.amount;
      return totals;
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 8 }), (cuts) => {
        let refunded = 0;
        const all: { account: string; amount: number }[] = [];
        for (const cut of cuts) {
          const amount = Math.min(cut, fees.total - refunded);
          if (amount === 0) break;
          const lines = refundLedgerLines({ userId: 'u1', venueId: 'v1', fees, tax: tax.value, amount, alreadyRefunded: refunded });
          expect(ledgerBalance(lines)).toBe(0);
          all.push(...lines);
          refunded += amount;
        }
        if (refunded < fees.total) {
          all.push(
            ...refundLedgerLines({
              userId: 'u1',
              venueId: 'v1',
              fees,
              tax: tax.value,
              amount: fees.total - refunded,
              alreadyRefunded: refunded,
            }),
          );
        }
        expect(perAccount(all)).toEqual(perAccount(full));
      }),
    );
  });
});
