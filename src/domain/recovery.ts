/**
 * The rules of a failed payment's recovery transaction that depend on nothing but the transaction: how it
 * starts, when a new link reopens it, when a payment completes it and what completing or expiring makes of
 * it. Storing it, recording attempts and cancelling pending notifications are the owning object's.
 */
import type { CheckoutStatus } from './checkout';

export type RecoveryStatus = 'pending' | 'link_sent' | 'completed' | 'expired';

/** What a new transaction is recorded from. */
export type RecoveryOpening = {
  transactionId: string;
  tenantId: string;
  amount: number;
  currency: string;
  description: string;
  failureReason: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  requestHash: string;
};

/** The transaction as the rules see it; the owner's stored record is exactly this shape. */
export type RecoveryState = RecoveryOpening & {
  recoveryStatus: RecoveryStatus;
  stripePaymentIntentId: string | null;
  stripeCheckoutSessionId: string | null;
  stripeCustomerId: string | null;
  checkoutSessionRef: string | null;
  checkoutUrl: string | null;
  checkoutExpiresAt: number | null;
  checkoutStatus: CheckoutStatus | null;
  paymentLinkId: string | null;
  paymentLinkUrl: string | null;
  amountPaid: number;
  completedAt: number | null;
  createdAt: number;
  updatedAt: number;
  version: number;
  /** How many checkout sessions were made for this transaction: the next one's idempotency scope. */
  checkoutGeneration: number;
  /** Version of the last checkout update applied, so an older one cannot move checkoutStatus back. */
  checkoutVersion: number;
};

/** The money a payment brought in, and what it was paid through. */
export type RecoveryPaid = { amount: number; currency: string; paymentIntentId: string | null; sessionId: string };

/** A newly recorded transaction: pending, with no link yet. */
export function newRecord(cmd: RecoveryOpening, now: number): RecoveryState {
  return {
    transactionId: cmd.transactionId,
    tenantId: cmd.tenantId,
    amount: cmd.amount,
    currency: cmd.currency,
    description: cmd.description,
    failureReason: cmd.failureReason,
    customerEmail: cmd.customerEmail,
    customerPhone: cmd.customerPhone,
    recoveryStatus: 'pending',
    stripePaymentIntentId: null,
    stripeCheckoutSessionId: null,
    stripeCustomerId: null,
    checkoutSessionRef: null,
    checkoutUrl: null,
    checkoutExpiresAt: null,
    checkoutStatus: null,
    paymentLinkId: null,
    paymentLinkUrl: null,
    amountPaid: 0,
    completedAt: null,
    createdAt: now,
    updatedAt: now,
    version: 0,
    requestHash: cmd.requestHash,
    checkoutGeneration: 0,
    checkoutVersion: 0,
  };
}

/** A new link reopens an expired transaction (back to pending, with a fresh reminder schedule). */
export function reopens(record: Pick<RecoveryState, 'recoveryStatus'>): boolean {
  return record.recoveryStatus === 'expired';
}

/** Whether a payment covers the transaction: its currency (any case), at least its amount. */
export function paymentCovers(
  record: Pick<RecoveryState, 'amount' | 'currency'>,
  paid: Pick<RecoveryPaid, 'amount' | 'currency'>,
): boolean {
  return paid.currency.toUpperCase() === record.currency && paid.amount >= record.amount;
}

/** Why a payment that does not cover the transaction was not taken for it, as the attempt records it. */
export function mismatchMessage(
  record: Pick<RecoveryState, 'amount' | 'currency'>,
  paid: Pick<RecoveryPaid, 'amount' | 'currency'>,
): string {
  return `paid ${paid.amount} ${paid.currency.toUpperCase()} for ${record.amount} ${record.currency}`;
}

/** The transaction completed by a covering payment at `now`. */
export function completedRecord<R extends RecoveryState>(record: R, paid: RecoveryPaid, now: number): R {
  return {
    ...record,
    recoveryStatus: 'completed',
    amountPaid: paid.amount,
    completedAt: now,
    stripePaymentIntentId: paid.paymentIntentId ?? record.stripePaymentIntentId,
    stripeCheckoutSessionId: paid.sessionId,
  };
}

/** The transaction expired: its only link ended unpaid. */
export function expiredRecord<R extends RecoveryState>(record: R): R {
  return { ...record, recoveryStatus: 'expired' };
}
