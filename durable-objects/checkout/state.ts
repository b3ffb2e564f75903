import type { CheckoutObservation, CheckoutState } from '../../src/domain/checkout';
import { isPaid } from '../../src/domain/checkout';
import type { CheckoutSnapshot } from '../../src/psp/checkout';
import type { SessionRecord } from './schema';

/** Between the stored record and the status machine of domain/checkout.ts. */

export function stateOf(record: SessionRecord): CheckoutState {
  return {
    status: record.status,
    amount: record.amount,
    amountPaid: record.amountPaid,
    amountRefunded: record.amountRefunded,
    paymentReference: record.paymentReference,
  };
}

export function snapshotObservation(s: CheckoutSnapshot): CheckoutObservation {
  return {
    status: s.status,
    amountPaid: s.amountPaid > 0 ? s.amountPaid : null,
    amountRefunded: s.amountRefunded,
    paymentReference: s.paymentReference,
  };
}

export function differs(record: SessionRecord, next: CheckoutState): boolean {
  return (
    next.status !== record.status ||
    next.amountPaid !== record.amountPaid ||
    next.amountRefunded !== record.amountRefunded ||
    next.paymentReference !== record.paymentReference
  );
}

/** The record in its next state: a new version, paid-at set on first payment, pending read-back retries cleared. */
export function advance(record: SessionRecord, next: CheckoutState, now: number): SessionRecord {
  return {
    ...record,
    ...next,
    paidAt: record.paidAt ?? (isPaid(next.status) ? now : null),
    checkAttempts: 0,
    nextCheckAt: null,
    updatedAt: now,
    version: record.version + 1,
  };
}
