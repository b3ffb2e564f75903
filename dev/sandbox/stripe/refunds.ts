import { formatAmount, invalid, missing, type Obj, refundObject } from './objects.ts';
import { metadataParam, onlyParams, optEnum, optPositiveInt, optString } from './params.ts';
import { type Call, findOwned, type Owned, type Result } from './state.ts';
import { emitStripeEvent } from './webhooks.ts';

/**
 * Refunds of a succeeded PaymentIntent's charge, up to what was captured (less than the charge's amount after a
 * partial capture). Pending refunds (setting refunds=pending) count toward charge.amount_refunded at once, as on
 * Stripe, and succeed on /__sandbox/complete/stripe/<re_…>. An authorization is released by canceling its
 * PaymentIntent, never by refunding its uncaptured charge.
 */
export function createRefund(call: Call): Result {
  const { params } = call;
  onlyParams(params, ['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand']);
  const piId = optString(params, 'payment_intent');
  const chargeId = optString(params, 'charge');
  const requested = optPositiveInt(params, 'amount');
  const reason = optEnum(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null;
  const metadata = metadataParam(params);
  if (!piId && !chargeId) {
    throw invalid('One of the following params should be provided for this request: payment_intent or charge.', {
      code: 'parameter_missing',
    });
  }
  let charge: Owned | undefined;
  if (piId) {
    const entry = findOwned(call.state.intents, piId, call.owner);
    if (!entry) throw invalid(`No such payment_intent: '${piId}'`, { code: 'resource_missing', param: 'payment_intent' });
    if (entry.object.status !== 'succeeded' || !entry.object.latest_charge) {
      throw invalid(`This PaymentIntent (${piId}) does not have a successful charge to refund.`, {
        code: 'payment_intent_unexpected_state',
        param: 'payment_intent',
      });
    }
    charge = call.state.charges.get(entry.object.latest_charge);
    if (chargeId && chargeId !== charge?.object.id) {
      throw invalid(`The charge ${chargeId} does not belong to PaymentIntent ${piId}.`, { param: 'charge' });
    }
  } else if (chargeId) {
    charge = findOwned(call.state.charges, chargeId, call.owner);
    if (!charge) throw invalid(`No such charge: '${chargeId}'`, { code: 'resource_missing', param: 'charge' });
    if (charge.object.status !== 'succeeded') throw invalid(`Charge ${chargeId} has not been captured.`, { param: 'charge' });
    if (charge.object.captured === false) {
      throw invalid(
        `This uncaptured Charge was created by a PaymentIntent (${charge.object.payment_intent}). You must cancel the PaymentIntent to reverse the authorization instead of refunding the Charge directly.`,
        { param: 'charge' },
      );
    }
  }
  const ch = (charge as Owned).object;
  if (ch.disputed) throw invalid(`Charge ${ch.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
  const remaining = ch.amount_captured - ch.amount_refunded;
  if (remaining <= 0) throw invalid(`Charge ${ch.id} has already been refunded.`, { code: 'charge_already_refunded' });
  const amount = requested ?? remaining;
  if (amount > remaining) {
    throw invalid(
      `Refund amount (${formatAmount(amount, ch.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, ch.currency)})`,
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  const refund = refundObject(ch, amount, reason, metadata, call.now);
  if (call.ctx.setting('refunds') === 'pending') refund.status = 'pending';
  call.state.refunds.set(refund.id, { owner: call.owner, object: refund, apiVersion: call.origin.apiVersion });

  const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
  ch.amount_refunded += amount;
  ch.refunded = ch.amount_refunded >= ch.amount_captured;
  emitStripeEvent(call.ctx, call.origin, 'refund.created', refund);
  emitStripeEvent(call.ctx, call.origin, 'charge.refunded', ch, previous);
  return { status: 200, body: refund };
}

export function retrieve(call: Call, kind: 'refund' | 'charge', id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = findOwned(kind === 'refund' ? call.state.refunds : call.state.charges, id, call.owner);
  if (!entry) throw missing(kind, id, kind);
  return { status: 200, body: entry.object };
}

/** A pending refund settles: refund.updated with previous_attributes.status. */
export function settleRefund(call: Call, refund: Obj): boolean {
  if (refund.status !== 'pending') return false;
  refund.status = 'succeeded';
  refund.destination_details.card.reference_status = 'available';
  refund.destination_details.card.reference = String(Math.floor(1e11 + Math.random() * 9e11));
  emitStripeEvent(call.ctx, call.origin, 'refund.updated', refund, { status: 'pending' });
  return true;
}
