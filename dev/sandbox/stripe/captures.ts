import { openDispute } from './disputes.ts';
import { chargeObject, invalid, missing, type Obj, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optPositiveInt, optString } from './params.ts';
import { type Call, customerCall, findOwned, type IntentEntry, type PaymentMethodEntry, type Result } from './state.ts';
import { emitStripeEvent } from './webhooks.ts';

/**
 * Separate authorization and capture (capture_method=manual) as Stripe does it from API 2025-03-31 on: a
 * partial capture or a cancellation creates no Refund, leaves the charge's amount_refunded and refunded alone
 * and sends no charge.refunded. Confirming with a card that succeeds authorizes: an uncaptured charge
 * (status succeeded, captured false, capture_before seven days on), the PaymentIntent requires_capture with
 * amount_capturable = amount, then charge.succeeded and payment_intent.amount_capturable_updated.
 * POST …/capture takes amount_to_capture (default: all that is capturable; the rest is released): the charge
 * is captured (charge.captured) and the PaymentIntent succeeded (payment_intent.succeeded). An authorization
 * not captured by capture_before lapses when the PaymentIntent is next looked at: canceled with
 * cancellation_reason expired, charge.expired and payment_intent.canceled, as Stripe's own expiry sends them.
 * Setting captures=failed answers every capture as Stripe does when the card network has already let the
 * authorization go (400 charge_expired_for_capture); the PaymentIntent is left as it was.
 */
export const AUTHORIZATION_WINDOW_S = 7 * 86_400;

const CAPTURE_PARAMS = ['amount_to_capture', 'expand', 'metadata', 'statement_descriptor_suffix'];

/** Holds the amount on the card: the manual-capture counterpart of payment-intents.ts succeed(). */
export function authorize(call: Call, entry: IntentEntry, pm: PaymentMethodEntry, authenticated: boolean): Result {
  const pi = entry.object;
  const charge = chargeObject(pi, pm.object, authenticated ? { kind: 'authenticate' } : { kind: 'succeed' }, call.now);
  // Nothing reaches the balance before the capture, so there is no balance transaction yet.
  Object.assign(charge, { captured: false, amount_captured: 0, balance_transaction: null });
  charge.payment_method_details.card.capture_before = call.now + AUTHORIZATION_WINDOW_S;
  call.state.charges.set(charge.id, { owner: entry.owner, object: charge });
  Object.assign(pi, {
    status: 'requires_capture',
    amount_capturable: pi.amount,
    latest_charge: charge.id,
    payment_method: pm.id,
    last_payment_error: null,
    next_action: null,
  });
  emitStripeEvent(call.ctx, call.origin, 'charge.succeeded', charge);
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.amount_capturable_updated', pi);
  return { status: 200, body: pi };
}

export function capturePaymentIntent(call: Call, id: string): Result {
  const { params } = call;
  onlyParams(params, CAPTURE_PARAMS);
  const requested = optPositiveInt(params, 'amount_to_capture');
  const suffix = optString(params, 'statement_descriptor_suffix', 22);
  const entry = findOwned(call.state.intents, id, call.owner);
  if (!entry) throw missing('payment_intent', id, 'intent');
  lapseIfDue(call, entry);
  const pi = entry.object;
  if (pi.status !== 'requires_capture') throw notCapturable(pi);
  const amount = requested ?? pi.amount_capturable;
  if (amount > pi.amount_capturable) {
    throw invalid(
      'The payment could not be captured because the requested capture amount is greater than the authorized amount. If you are trying to collect a tip or over-capture, your account might not be configured for those features. Contact us via https://support.stripe.com/contact/',
      { code: 'amount_too_large', param: 'amount_to_capture' },
    );
  }
  const metadata = metadataParam(params, pi.metadata);
  if (call.ctx.setting('captures') === 'failed') {
    throw invalid(
      'The charge cannot be captured as the authorization has expired. Auth and capture charges must be captured within a set number of days (7 by default).',
      { code: 'charge_expired_for_capture', charge: pi.latest_charge },
    );
  }
  const owned = call.state.charges.get(pi.latest_charge);
  if (!owned) throw new Error(`PaymentIntent ${pi.id} requires capture but has no charge`);
  const charge = owned.object;
  const previous = { amount_captured: charge.amount_captured, balance_transaction: null, captured: false };
  Object.assign(charge, { captured: true, amount_captured: amount, balance_transaction: stripeId('txn') });
  Object.assign(pi, { status: 'succeeded', amount_received: amount, amount_capturable: 0, metadata });
  if (suffix !== undefined) {
    pi.statement_descriptor_suffix = suffix;
    charge.statement_descriptor_suffix = suffix;
  }
  emitStripeEvent(call.ctx, call.origin, 'charge.captured', charge, previous);
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.succeeded', pi);
  // A dispute test card's cardholder disputes the money taken, which exists only once it is captured.
  if (entry.paymentMethod?.card.dispute) openDispute(call, owned, entry.paymentMethod.card.dispute);
  return { status: 200, body: pi };
}

/**
 * An authorization past its charge's capture_before is let go, as Stripe does on its own: the PaymentIntent is
 * canceled (reason expired) and charge.expired and payment_intent.canceled go out as changes Stripe made, with
 * no request of the caller's on them.
 */
export function lapseIfDue(call: Call, entry: IntentEntry): void {
  const pi = entry.object;
  if (pi.status !== 'requires_capture') return;
  const charge = call.state.charges.get(pi.latest_charge)?.object;
  const before = charge?.payment_method_details?.card?.capture_before;
  if (!charge || typeof before !== 'number' || call.now < before) return;
  Object.assign(pi, { status: 'canceled', canceled_at: before, cancellation_reason: 'expired', amount_capturable: 0 });
  const origin = customerCall(call.ctx, call.state, entry).origin;
  emitStripeEvent(call.ctx, origin, 'charge.expired', charge);
  emitStripeEvent(call.ctx, origin, 'payment_intent.canceled', pi);
}

function notCapturable(pi: Obj) {
  const message =
    pi.status === 'succeeded'
      ? 'This PaymentIntent could not be captured because it has already been captured.'
      : `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`;
  return invalid(message, { code: 'payment_intent_unexpected_state', payment_intent: structuredClone(pi) });
}
