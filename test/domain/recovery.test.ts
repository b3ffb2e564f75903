import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  completedRecord,
  expiredRecord,
  mismatchMessage,
  newRecord,
  paymentCovers,
  type RecoveryOpening,
  type RecoveryStatus,
  reopens,
} from '../../src/domain/recovery';

const opening: RecoveryOpening = {
  transactionId: 'txn_1',
  tenantId: 't1',
  amount: 4200,
  currency: 'USD',
  description: 'Order 17',
  failureReason: 'card_declined',
  customerEmail: null,
  customerPhone: null,
  requestHash: 'h1',
};

describe('newRecord', () => {
  it('is pending, unpaid, linkless, at version 0, created and updated now', () => {
    const record = newRecord(opening, 1000);
    expect(record).toMatchObject({
      ...opening,
      recoveryStatus: 'pending',
      amountPaid: 0,
      completedAt: null,
      createdAt: 1000,
      updatedAt: 1000,
    });
    expect(record).toMatchObject({ version: 0, checkoutGeneration: 0, checkoutVersion: 0, checkoutStatus: null, paymentLinkId: null });
    expect(reopens(record)).toBe(false);
  });
});

describe('reopens', () => {
  it.each<[RecoveryStatus, boolean]>([
    ['pending', false],
    ['link_sent', false],
    ['completed', false],
    ['expired', true],
  ])('%s → %s', (status, expected) => {
    expect(reopens({ recoveryStatus: status })).toBe(expected);
  });
});

describe('paymentCovers', () => {
  it('takes the currency in any case and at least the amount', () => {
    expect(paymentCovers(opening, { amount: 4200, currency: 'usd' })).toBe(true);
    expect(paymentCovers(opening, { amount: 5000, currency: 'USD' })).toBe(true);
    expect(paymentCovers(opening, { amount: 4199, currency: 'USD' })).toBe(false);
    expect(paymentCovers(opening, { amount: 4200, currency: 'EUR' })).toBe(false);
    expect(mismatchMessage(opening, { amount: 4199, currency: 'usd' })).toBe('paid 4199 USD for 4200 USD');
  });

  it('property: covers exactly when the currency matches and the amount is not short', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom('USD', 'usd', 'EUR'), (asked, paid, currency) => {
        const covers = paymentCovers({ amount: asked, currency: 'USD' }, { amount: paid, currency });
        expect(covers).toBe(currency.toUpperCase() === 'USD' && paid >= asked);
      }),
    );
  });
});

describe('completedRecord / expiredRecord', () => {
  it('completes with the amount paid, the time, the session and the intent (keeping a known intent when none is given)', () => {
    const record = { ...newRecord(opening, 1000), stripePaymentIntentId: 'pi_known' };
    expect(completedRecord(record, { amount: 4200, currency: 'USD', paymentIntentId: null, sessionId: 'cs_1' }, 2000)).toEqual({
      ...record,
      recoveryStatus: 'completed',
      amountPaid: 4200,
      completedAt: 2000,
      stripePaymentIntentId: 'pi_known',
      stripeCheckoutSessionId: 'cs_1',
    });
    const paid = completedRecord(record, { amount: 4300, currency: 'USD', paymentIntentId: 'pi_new', sessionId: 'cs_2' }, 2000);
    expect(paid.stripePaymentIntentId).toBe('pi_new');
  });

  it('expiring changes the status only, and an expired transaction reopens on a new link', () => {
    const record = newRecord(opening, 1000);
    const expired = expiredRecord(record);
    expect(expired).toEqual({ ...record, recoveryStatus: 'expired' });
    expect(reopens(expired)).toBe(true);
    expect(record.recoveryStatus).toBe('pending');
  });

  it('keeps fields the owner adds to the record', () => {
    const record = { ...newRecord(opening, 1000), extra: 'kept' };
    expect(expiredRecord(record).extra).toBe('kept');
    expect(completedRecord(record, { amount: 4200, currency: 'USD', paymentIntentId: null, sessionId: 'cs_1' }, 2).extra).toBe('kept');
  });
});
