/**
 * When a PSP notification applies to a payment. Notifications arrive late, twice and out of order, so each
 * one is judged against the payment's causal order: one that fits the current state applies now, one that
 * belongs before it is stale, one that belongs after it is parked until its predecessor has been applied,
 * and one that means nothing for the payment is ignored. Storing, parking and draining are the owner's.
 */
import { type PaymentEvent, type PaymentState, transition } from './payment-state';

/** A PSP's charge outcome, in the words of the providers' common model. */
export type ChargeStatus = 'succeeded' | 'processing' | 'requires_action' | 'declined' | 'canceled';

/** The payment event a PSP charge outcome stands for. */
export const PAYMENT_EVENT_OF: Record<ChargeStatus, PaymentEvent> = {
  succeeded: 'payment.succeeded',
  processing: 'payment.processing',
  requires_action: 'payment.requires_action',
  declined: 'payment.failed',
  canceled: 'payment.cancelled',
};

/** What to do with a notification now; `next` is the payment's state once it is applied. */
export type EventDecision = { kind: 'apply'; next: PaymentState } | { kind: 'park' | 'stale' | 'ignore' };

/** Causal order of a payment's life: an event ranked above the state waits for its predecessor; one ranked at or below it is stale. */
export const STATE_RANK: Record<PaymentState, number> = {
  PENDING: 0,
  PROCESSING: 1,
  PAID: 2,
  PAYMENT_FAILED: 2,
  CANCELLED: 2,
  EXPIRED: 2,
  REFUNDING: 3,
  PARTIALLY_REFUNDED: 3,
  REFUNDED: 4,
};
export const EVENT_RANK: Record<PaymentEvent, number> = {
  'payment.processing': 1,
  'payment.requires_action': 1,
  'payment.retry': 1,
  'payment.succeeded': 2,
  'payment.failed': 2,
  'payment.cancelled': 2,
  'payment.expired': 2,
  'refund.initiated': 3,
  'refund.succeeded': 3,
  'refund.failed': 3,
};

const notYet = (state: PaymentState, event: PaymentEvent): EventDecision => ({
  kind: EVENT_RANK[event] > STATE_RANK[state] ? 'park' : 'stale',
});

/** A payment notification (charge outcome) against the payment's current state. */
export function decidePaymentEvent(state: PaymentState, event: PaymentEvent): EventDecision {
  let from = state;
  // The same PaymentIntent can still succeed after a decline (the customer retried on it).
  if (event === 'payment.succeeded' && from === 'PAYMENT_FAILED') {
    const retried = transition(from, 'payment.retry');
    if (retried.ok) from = retried.value;
  }
  const next = transition(from, event);
  // Only the in-flight signals may leave the state as it is; any other event that changes nothing is out of order.
  if (!next.ok || (next.value === state && event !== 'payment.requires_action' && event !== 'payment.processing')) {
    return notYet(state, event);
  }
  if (next.value === state) return { kind: 'stale' };
  return { kind: 'apply', next: next.value };
}

/** Our refund's stored status: still with the PSP, or settled. */
export type OwnRefundStatus = 'processing' | 'pending' | 'completed' | 'failed';
export type RefundNotificationStatus = 'succeeded' | 'pending' | 'failed';

/**
 * A notification about one of our refunds: a settled refund does not move again, and "pending" tells
 * nothing new. Applying it settles the refund; the payment's next state is the owner's to work out from
 * its refund totals, so none is given here.
 */
export function decideOwnRefundEvent(refund: OwnRefundStatus, status: RefundNotificationStatus): 'apply' | 'stale' {
  if (refund === 'completed' || refund === 'failed') return 'stale';
  if (status === 'pending') return 'stale';
  return 'apply';
}

/**
 * A refund made elsewhere (the PSP's dashboard): it starts a refund on the payment if the payment can be
 * refunded now; one that failed there changes nothing here. `next` is the state once it is recorded.
 */
export function decideExternalRefundEvent(state: PaymentState, status: RefundNotificationStatus): EventDecision {
  const started = transition(state, 'refund.initiated');
  if (!started.ok) return STATE_RANK[state] < EVENT_RANK['refund.initiated'] ? { kind: 'park' } : { kind: 'stale' };
  if (status === 'failed') return { kind: 'ignore' };
  return { kind: 'apply', next: started.value };
}
