import { reopens } from '../../src/domain/recovery';
import type { AttachCheckoutCommand, CheckoutPlan, RecoveryRecord, RecoveryTransactionView } from './types';

/** A Checkout Session is reused only while it has more than this much time left. */
const REUSE_MIN_REMAINING_MS = 60_000;

/** One open Checkout Session per transaction: the one there is while it has time left, else the generation of a new one. */
export function planCheckout(record: RecoveryRecord, view: RecoveryTransactionView, now: number): CheckoutPlan {
  if (record.recoveryStatus === 'completed') return { kind: 'completed' };
  const open = record.checkoutStatus === 'open' || record.checkoutStatus === 'processing';
  if (record.checkoutSessionRef && open && (record.checkoutExpiresAt ?? 0) > now + REUSE_MIN_REMAINING_MS) {
    return { kind: 'existing', view };
  }
  return { kind: 'create', generation: record.checkoutGeneration + 1, view };
}

/** The session is the one attached already, or of an older generation than the current one: nothing to attach. */
export function isKnownCheckout(record: RecoveryRecord, cmd: AttachCheckoutCommand): boolean {
  return record.checkoutSessionRef === cmd.sessionRef || cmd.generation < record.checkoutGeneration;
}

export function withCheckoutSession(record: RecoveryRecord, cmd: AttachCheckoutCommand): RecoveryRecord {
  return {
    ...record,
    checkoutSessionRef: cmd.sessionRef,
    stripeCheckoutSessionId: cmd.providerSessionId,
    checkoutUrl: cmd.url,
    checkoutExpiresAt: cmd.expiresAt,
    checkoutStatus: cmd.status,
    checkoutGeneration: cmd.generation,
    checkoutVersion: 0,
    recoveryStatus: reopens(record) ? 'pending' : record.recoveryStatus,
  };
}

/** The transaction's reusable payment link; the first one stored wins, so concurrent creations agree. */
export function withPaymentLink(record: RecoveryRecord, link: { id: string; url: string }): RecoveryRecord {
  return {
    ...record,
    paymentLinkId: link.id,
    paymentLinkUrl: link.url,
    recoveryStatus: reopens(record) ? 'pending' : record.recoveryStatus,
  };
}
