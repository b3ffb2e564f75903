import { isPaid } from '../../src/domain/checkout';
import type { RecoveryContext } from './context';
import { recordAttempt } from './rows';
import { complete, expire } from './status';
import type { RecoveryCheckoutUpdate, RecoveryRecord, RecoveryStripeEvent } from './types';

/**
 * A projection of one of this transaction's checkout sessions: the current session's status moves on, a paid
 * session completes the transaction, and the current session ending unpaid expires it when there is no payment
 * link. Returns the record to commit (the same object when nothing changed). Call inside transactionSync.
 */
export function applyCheckoutUpdate(ctx: RecoveryContext, record: RecoveryRecord, u: RecoveryCheckoutUpdate, now: number): RecoveryRecord {
  const current = record.checkoutSessionRef === u.sessionRef;
  let next = record;
  if (current) next = { ...next, checkoutStatus: u.status, checkoutVersion: u.version };
  if (isPaid(u.status)) {
    const completed = complete(ctx, next, {
      amount: u.amountPaid,
      currency: u.currency,
      paymentIntentId: u.paymentReference,
      sessionId: u.providerSessionId,
      source: 'checkout.updated',
      attemptId: `checkout:${u.sessionRef}`,
      occurredAt: now,
    });
    if (completed) next = completed;
  } else if (current && (u.status === 'expired' || u.status === 'canceled') && !next.paymentLinkId && next.recoveryStatus !== 'completed') {
    next = expire(ctx, next, now);
  }
  return next;
}

/**
 * A Stripe event about this transaction: a paid session completes it, an unpaid one and a payment intent's
 * success or failure are recorded as attempts. Returns the record to commit. Call inside transactionSync.
 */
export function applyStripeEvent(ctx: RecoveryContext, record: RecoveryRecord, e: RecoveryStripeEvent): RecoveryRecord {
  let next: RecoveryRecord = { ...record, stripeCustomerId: e.customerId ?? record.stripeCustomerId };
  if (e.kind === 'session') {
    const paid = e.paymentStatus === 'paid' || e.paymentStatus === 'no_payment_required';
    if (paid && e.amountTotal !== null && e.currency) {
      next =
        complete(ctx, next, {
          amount: e.amountTotal,
          currency: e.currency,
          paymentIntentId: e.paymentIntentId,
          sessionId: e.sessionId,
          source: e.type,
          attemptId: e.eventId,
          occurredAt: e.occurredAt,
        }) ?? next;
    } else {
      recordAttempt(ctx.sql, {
        attemptId: e.eventId,
        paymentIntentId: e.paymentIntentId,
        status: 'processing',
        amount: e.amountTotal,
        currency: e.currency,
        failureCode: null,
        failureMessage: null,
        source: e.type,
        occurredAt: e.occurredAt,
      });
      next = { ...next, stripePaymentIntentId: e.paymentIntentId ?? next.stripePaymentIntentId };
    }
  } else {
    recordAttempt(ctx.sql, {
      attemptId: e.eventId,
      paymentIntentId: e.paymentIntentId,
      status: e.status,
      amount: e.amount,
      currency: e.currency,
      failureCode: e.failureCode,
      failureMessage: e.failureMessage,
      source: e.type,
      occurredAt: e.occurredAt,
    });
    // A success names the payment; a failure only when nothing better is known yet.
    if (e.status === 'succeeded' || !next.stripePaymentIntentId) next = { ...next, stripePaymentIntentId: e.paymentIntentId };
  }
  return next;
}
