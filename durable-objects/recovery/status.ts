import { completedRecord, expiredRecord, mismatchMessage, paymentCovers } from '../../src/domain/recovery';
import type { RecoveryContext } from './context';
import { cancelWaitingDeliveries } from './deliveries';
import { emitDelivery } from './projection';
import { cancelScheduledReminders } from './reminders';
import { recordAttempt } from './rows';
import type { RecoveryRecord } from './types';

/** A payment that may complete the transaction: a paid checkout session, or Stripe's event for one. */
export type RecoveryPayment = {
  amount: number;
  currency: string;
  paymentIntentId: string | null;
  sessionId: string;
  source: string;
  attemptId: string;
  occurredAt: number;
};

/**
 * Marks the transaction completed (once) when the money paid covers it in its currency; records the payment
 * as an attempt either way. Returns the new record, or null when nothing completes (already, or a mismatch).
 */
export function complete(ctx: RecoveryContext, record: RecoveryRecord, paid: RecoveryPayment): RecoveryRecord | null {
  const covers = paymentCovers(record, paid);
  recordAttempt(ctx.sql, {
    attemptId: paid.attemptId,
    paymentIntentId: paid.paymentIntentId,
    status: 'succeeded',
    amount: paid.amount,
    currency: paid.currency.toUpperCase(),
    failureCode: covers ? null : 'amount_mismatch',
    failureMessage: covers ? null : mismatchMessage(record, paid),
    source: paid.source,
    occurredAt: paid.occurredAt,
  });
  if (record.recoveryStatus === 'completed') return null;
  if (!covers) {
    ctx.logger.warn('recovery.payment_mismatch', { transactionId: record.transactionId, source: paid.source });
    return null;
  }
  const now = Date.now();
  const next = completedRecord(record, paid, now);
  cancelPending(ctx, next, now);
  ctx.logger.info('recovery.completed', { transactionId: record.transactionId, source: paid.source });
  return next;
}

/** The only link, a Checkout Session, ended unpaid: the transaction expires and its pending notifications are cancelled. */
export function expire(ctx: RecoveryContext, record: RecoveryRecord, now: number): RecoveryRecord {
  const next = expiredRecord(record);
  cancelPending(ctx, next, now);
  return next;
}

/** Paid or expired: reminders still scheduled and deliveries still waiting are cancelled (and projected). */
export function cancelPending(ctx: RecoveryContext, record: RecoveryRecord, now: number): void {
  cancelScheduledReminders(ctx.sql, now);
  cancelWaitingDeliveries(ctx.sql, now, (d) => emitDelivery(ctx, record, d.delivery_id, d.channel, now));
}
