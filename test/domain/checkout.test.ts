import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyObservation,
  CHECKOUT_STATUSES,
  type CheckoutObservation,
  type CheckoutState,
  type CheckoutStatus,
  checkoutPaymentLedger,
  checkoutRefundLedger,
  isPaid,
  refundableAmount,
} from '../../src/domain/checkout';

const open: CheckoutState = { status: 'open', amount: 5000, amountPaid: 0, amountRefunded: 0, paymentReference: null };

describe('applyObservation', () => {
  it.each<[CheckoutStatus, CheckoutStatus, CheckoutStatus]>([
    ['open', 'processing', 'processing'],
    ['open', 'failed', 'failed'],
    ['open', 'expired', 'expired'],
    ['open', 'canceled', 'canceled'],
    ['processing', 'open', 'processing'],
    ['processing', 'expired', 'expired'],
    ['failed', 'open', 'open'],
    ['expired', 'open', 'expired'],
    ['canceled', 'processing', 'canceled'],
    ['expired', 'succeeded', 'succeeded'],
    ['succeeded', 'failed', 'succeeded'],
    ['succeeded', 'expired', 'succeeded'],
    ['succeeded', 'open', 'succeeded'],
  ])('%s + %s → %s', (from, observed, to) => {
    const state = { ...open, status: from, amountPaid: isPaid(from) ? 5000 : 0 };
    expect(applyObservation(state, { status: observed }).status).toBe(to);
  });

  it('a payment records the captured amount and reference; refunds are derived from amounts', () => {
    const paid = applyObservation(open, { status: 'succeeded', amountPaid: 5000, paymentReference: 'pi_1' });
    expect(paid).toMatchObject({ status: 'succeeded', amountPaid: 5000, paymentReference: 'pi_1' });
    const partly = applyObservation(paid, { status: 'succeeded', amountRefunded: 1500 });
    expect(partly).toMatchObject({ status: 'partially_refunded', amountRefunded: 1500 });
    // An older read-back (less refunded) does not undo the newer one.
    expect(applyObservation(partly, { status: 'succeeded', amountRefunded: 0 }).amountRefunded).toBe(1500);
    expect(applyObservation(partly, { status: 'refunded', amountRefunded: 5000 })).toMatchObject({
      status: 'refunded',
      amountRefunded: 5000,
    });
  });

  it('refunded amounts never pass the paid amount', () => {
    const paid = applyObservation(open, { status: 'succeeded', amountPaid: 5000 });
    expect(applyObservation(paid, { status: 'refunded', amountRefunded: 9000 })).toMatchObject({
      status: 'refunded',
      amountRefunded: 5000,
    });
  });

  const observation = fc.record({
    status: fc.constantFrom(...CHECKOUT_STATUSES),
    amountPaid: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
    amountRefunded: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
    paymentReference: fc.option(fc.constantFrom('p1', 'p2'), { nil: undefined }),
  }) as fc.Arbitrary<CheckoutObservation>;

  it('is closed, monotonic and idempotent over any sequence of observations (property)', () => {
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 12 }), (observations) => {
        let state = open;
        for (const obs of observations) {
          const next = applyObservation(state, obs);
          expect(CHECKOUT_STATUSES).toContain(next.status);
          expect(next.amountRefunded).toBeGreaterThanOrEqual(state.amountRefunded);
          expect(next.amountRefunded).toBeLessThanOrEqual(next.amountPaid);
          if (isPaid(state.status)) {
            expect(isPaid(next.status)).toBe(true);
            expect(next.amountPaid).toBe(state.amountPaid);
          }
          expect(applyObservation(next, obs)).toEqual(next);
          state = next;
        }
      }),
    );
  });
});

describe('refundableAmount', () => {
  it('is what was paid minus refunded minus refunds in flight, and 0 before payment', () => {
    expect(refundableAmount(open, 0)).toBe(0);
    const paid = applyObservation(open, { status: 'succeeded', amountPaid: 5000, amountRefunded: 1000 });
    expect(refundableAmount(paid, 1500)).toBe(2500);
    expect(refundableAmount(paid, 9000)).toBe(0);
  });
});

describe('checkout ledger', () => {
  it('payment and refund lines each sum to zero and reverse each other', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), (amount) => {
        const pay = checkoutPaymentLedger('adyen', 'Acme', amount);
        const refund = checkoutRefundLedger('adyen', 'Acme', amount);
        expect(pay.reduce((s, l) => s + l.amount, 0)).toBe(0);
        expect(refund.reduce((s, l) => s + l.amount, 0)).toBe(0);
        expect([...pay, ...refund].filter((l) => l.account.startsWith('psp:')).reduce((s, l) => s + l.amount, 0)).toBe(0);
      }),
    );
  });
});
