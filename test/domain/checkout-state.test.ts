import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advance,
  applyObservation,
  CHECKOUT_STATUSES,
  type CheckoutState,
  type CheckoutStatus,
  differs,
  type SessionBookkeeping,
  snapshotObservation,
  stateOf,
} from '../../src/domain/checkout';

const stored: SessionBookkeeping & { sessionId: string } = {
  sessionId: 'cko_1',
  status: 'open',
  amount: 5000,
  amountPaid: 0,
  amountRefunded: 0,
  paymentReference: null,
  paidAt: null,
  checkAttempts: 2,
  nextCheckAt: 9000,
  updatedAt: 100,
  version: 3,
};

describe('stateOf / differs', () => {
  it('takes the status machine part of a record and nothing else', () => {
    expect(stateOf(stored)).toEqual({ status: 'open', amount: 5000, amountPaid: 0, amountRefunded: 0, paymentReference: null });
  });

  it('a change is a new status, paid or refunded amount or payment reference', () => {
    const state = stateOf(stored);
    expect(differs(stored, state)).toBe(false);
    expect(differs(stored, { ...state, status: 'processing' })).toBe(true);
    expect(differs(stored, { ...state, amountPaid: 1 })).toBe(true);
    expect(differs(stored, { ...state, amountRefunded: 1 })).toBe(true);
    expect(differs(stored, { ...state, paymentReference: 'pi_1' })).toBe(true);
    expect(differs(stored, { ...state, amount: 1 })).toBe(false);
  });
});

describe('snapshotObservation', () => {
  it('a captured amount of 0 reports none; the rest is passed on', () => {
    expect(snapshotObservation({ status: 'open', amountPaid: 0, amountRefunded: 0, paymentReference: null })).toEqual({
      status: 'open',
      amountPaid: null,
      amountRefunded: 0,
      paymentReference: null,
    });
    expect(snapshotObservation({ status: 'succeeded', amountPaid: 4900, amountRefunded: 100, paymentReference: 'pi_1' })).toEqual({
      status: 'succeeded',
      amountPaid: 4900,
      amountRefunded: 100,
      paymentReference: 'pi_1',
    });
  });
});

describe('advance', () => {
  it('sets the new state, a new version and the time, clears read-back retries, and sets paid-at on the first payment', () => {
    const next: CheckoutState = { ...stateOf(stored), status: 'succeeded', amountPaid: 5000, paymentReference: 'pi_1' };
    expect(advance(stored, next, 500)).toEqual({
      ...stored,
      ...next,
      paidAt: 500,
      checkAttempts: 0,
      nextCheckAt: null,
      updatedAt: 500,
      version: 4,
    });
  });

  it('keeps the first paid-at', () => {
    const paid = { ...stored, status: 'succeeded' as const, amountPaid: 5000, paidAt: 200 };
    expect(advance(paid, { ...stateOf(paid), status: 'partially_refunded', amountRefunded: 100 }, 900).paidAt).toBe(200);
  });

  it('property: the version grows by one, paid-at is set exactly when paid, and observations only ever advance', () => {
    fc.assert(
      fc.property(fc.constantFrom<CheckoutStatus>(...CHECKOUT_STATUSES), fc.nat({ max: 10_000 }), (status, refunded) => {
        const next = applyObservation(stateOf(stored), { status, amountRefunded: refunded });
        const after = advance(stored, next, 700);
        expect(after.version).toBe(stored.version + 1);
        expect(after.paidAt).toBe(['succeeded', 'partially_refunded', 'refunded'].includes(next.status) ? 700 : null);
        expect(after.sessionId).toBe('cko_1');
        expect(stateOf(after)).toEqual(next);
      }),
    );
  });
});
