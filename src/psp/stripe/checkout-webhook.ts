import { type CheckoutNotification, type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../checkout';
import {
  chargeCheckoutStatus,
  fromStripeAmount,
  intentId,
  refundCheckoutStatus,
  type StripeCharge,
  type StripeCheckoutRefund,
  type StripeCheckoutSession,
} from './checkout-transformers';
import { isStripeRefundStatus } from './transformers';
import { type StripeEventLike, verifyStripeWebhook } from './webhook';

/**
 * Stripe notifications for hosted checkout (CONTRACTS.md §1.7): `Stripe-Signature` checked over the raw body
 * with the endpoint secret (300 s tolerance, any v1 may match), then the event mapped to the common model.
 * Only objects carrying our session id (metadata `edgepay_session_id`, or a session's client_reference_id)
 * are ours; anything else belongs to the ticket-payment flow and maps to [].
 */
type StripeEvent = StripeEventLike;

const SESSION_ID = /^cko[0-9a-f]{32}$/;

/** The event has the shape the checkout mapping reads (constructEvent checks the signature, not the shape). */
export function isStripeEvent(value: unknown): value is StripeEvent {
  const e = value as Partial<StripeEvent> | null;
  return (
    !!e &&
    typeof e.id === 'string' &&
    typeof e.type === 'string' &&
    typeof e.created === 'number' &&
    !!e.data &&
    typeof e.data === 'object' &&
    !!e.data.object &&
    typeof e.data.object === 'object'
  );
}

function metadataOf(object: Record<string, unknown>): Record<string, string> {
  const metadata = object.metadata;
  return metadata && typeof metadata === 'object' ? (metadata as Record<string, string>) : {};
}

/** Ours: metadata first; a session's client_reference_id only when it has the shape of our session ids. */
function sessionIdOf(object: Record<string, unknown>): string | null {
  const fromMetadata = metadataOf(object).edgepay_session_id;
  if (fromMetadata) return fromMetadata;
  const reference = object.object === 'checkout.session' ? object.client_reference_id : null;
  return typeof reference === 'string' && SESSION_ID.test(reference) ? reference : null;
}

export async function verifyStripeCheckoutEvent(request: InboundNotification, secret: string): Promise<StripeEvent> {
  if (request.method !== 'POST') throw new WebhookVerificationError('Stripe notifications are POST requests');
  let event: unknown;
  try {
    event = await verifyStripeWebhook(request.rawBody, request.headers['stripe-signature'], secret);
  } catch (err) {
    if (err instanceof WebhookPayloadError) throw err;
    throw new WebhookVerificationError(err instanceof Error ? err.message : 'Invalid Stripe signature');
  }
  if (!isStripeEvent(event)) throw new WebhookVerificationError('Not a Stripe event');
  return event;
}

/** Verified event → notifications (at most one). Amounts that are not exact in the currency leave `observed` null (the owner reads back). */
export function stripeCheckoutEventToNotifications(event: StripeEvent): CheckoutNotification[] {
  const object = event.data.object;
  const sessionId = sessionIdOf(object);
  if (!sessionId) return [];
  const base = { provider: 'stripe' as const, eventId: event.id, type: event.type, sessionId, occurredAt: event.created * 1000 };
  const currency = typeof object.currency === 'string' ? object.currency : '';

  if (event.type.startsWith('checkout.session.') && object.object === 'checkout.session') {
    const session = object as unknown as StripeCheckoutSession;
    const note = { ...base, reference: session.id, paymentReference: intentId(session) };
    const total = fromStripeAmount(session.amount_total, currency);
    switch (event.type) {
      case 'checkout.session.completed': {
        // A payment_status Stripe adds later is not guessed at: the event is left to be ignored.
        if (!['paid', 'unpaid', 'no_payment_required'].includes(String(session.payment_status))) return [];
        const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
        if (!paid) return [{ ...note, observed: { kind: 'payment', status: 'processing', amount: null } }];
        return [{ ...note, observed: total === null ? null : { kind: 'payment', status: 'succeeded', amount: total } }];
      }
      case 'checkout.session.async_payment_succeeded':
        return [{ ...note, observed: total === null ? null : { kind: 'payment', status: 'succeeded', amount: total } }];
      case 'checkout.session.async_payment_failed':
        return [{ ...note, observed: { kind: 'payment', status: 'failed', amount: null } }];
      case 'checkout.session.expired':
        return [{ ...note, observed: { kind: 'payment', status: 'expired', amount: null } }];
      default:
        return [];
    }
  }

  if (event.type === 'charge.refunded' && object.object === 'charge') {
    // The charge carries the PaymentIntent's metadata (payment_intent_data[metadata] of the session).
    const charge = object as unknown as StripeCharge;
    const amount = fromStripeAmount(charge.amount, currency);
    const amountRefunded = fromStripeAmount(charge.amount_refunded, currency);
    return [
      {
        ...base,
        reference: null,
        paymentReference: charge.payment_intent ?? null,
        observed:
          amount === null || amountRefunded === null
            ? null
            : { kind: 'payment', status: chargeCheckoutStatus(charge), amount, amountRefunded },
      },
    ];
  }

  if (
    (event.type === 'refund.created' || event.type === 'refund.updated' || event.type === 'refund.failed') &&
    object.object === 'refund'
  ) {
    const refund = object as unknown as StripeCheckoutRefund;
    if (!isStripeRefundStatus(refund.status)) return [];
    const amount = fromStripeAmount(refund.amount, currency);
    return [
      {
        ...base,
        reference: null,
        paymentReference: refund.payment_intent ?? null,
        observed:
          amount === null
            ? null
            : {
                kind: 'refund',
                refundReference: refund.id,
                refundId: metadataOf(object).edgepay_refund_id ?? null,
                status: refundCheckoutStatus(refund),
                amount,
              },
      },
    ];
  }
  return [];
}

export async function parseStripeCheckoutNotification(request: InboundNotification, secret: string): Promise<CheckoutNotification[]> {
  return stripeCheckoutEventToNotifications(await verifyStripeCheckoutEvent(request, secret));
}
