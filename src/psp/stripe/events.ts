/**
 * The Stripe event types some owner of ours acts on: ticket payments read every PaymentIntent change but its
 * creation and every refund, hosted checkout sessions read their own events and `charge.refunded`, recovery
 * reads completed sessions and PaymentIntent outcomes, Connect money out reads payout outcomes (paid, failed,
 * canceled; not payout.created / payout.updated) and every dispute event. A webhook endpoint is registered with
 * exactly these (`enabled_events`): Stripe then does not post the rest (`payment_intent.created`,
 * `charge.succeeded`, …), which the app would only acknowledge, so each card payment is one notification
 * instead of three. Events that happen on a connected account (its payouts, disputes of its direct charges)
 * reach only an endpoint registered for connected accounts (`connect: true`), so production needs that one too,
 * with this list. Kept free of imports so the dev stack can register the sandbox's endpoint with the same list.
 */
export const STRIPE_WEBHOOK_EVENTS = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_intent.partially_funded',
  'charge.refunded',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'payout.paid',
  'payout.failed',
  'payout.canceled',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const;
