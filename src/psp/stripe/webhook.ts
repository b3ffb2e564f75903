import Stripe from 'stripe';
import type { RecoveryRoute, WebhookEvents } from '../adapter';
import {
  type CheckoutNotification,
  type InboundNotification,
  refusedPayload,
  WebhookPayloadError,
  WebhookVerificationError,
} from '../checkout';
import type { PspEvent } from '../types';
import { stripeConnectEvent } from './connect';
import {
  chargeCheckoutStatus,
  fromStripeAmount,
  intentId,
  paymentIntentToOutcome,
  refundCheckoutStatus,
  refundToOutcome,
} from './transformers';
import {
  CheckoutSessionObject,
  EVENT_OBJECT_SCHEMAS,
  isStripePaymentIntentStatus,
  isStripeRefundStatus,
  PAYOUT_STATUSES,
  PaymentIntentObject,
  StripeCharge,
  StripeEventEnvelope,
  type StripeObjectKind,
  StripePaymentIntent,
  StripeRefund,
} from './wire';

/**
 * Stripe notifications: `Stripe-Signature` checked over the raw body with the endpoint secret (HMAC-SHA256,
 * 300 s tolerance, any v1 may match), the event's shape checked once, then mapped for each owner it may
 * concern: a hosted checkout session (our session id in metadata or client_reference_id), a recovery
 * transaction (its id in metadata), a ticket payment (transaction id in metadata) and Connect money out
 * (payout outcomes and disputes, connect.ts).
 */

const cryptoProvider = Stripe.createSubtleCryptoProvider();

export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/** A verified Stripe event as the mappings read it; `account` is the connected account it happened on (Connect). */
export type StripeEventLike = {
  id: string;
  type: string;
  created: number;
  account?: string | null;
  data: { object: Record<string, unknown> };
};

/**
 * Verifies `Stripe-Signature` over the raw body before anything is parsed (the package's static helper: no
 * client is needed), then reads the event (readStripeEvent): an authentic body that is not a well-formed event
 * is a WebhookPayloadError.
 */
export async function verifyStripeWebhook(rawBody: string, signature: string | undefined, secret: string): Promise<StripeEventLike> {
  if (!signature) throw new WebhookVerificationError('Missing Stripe-Signature header');
  const signatures = Stripe.webhooks.signature;
  if (!signatures) throw new Error('the stripe package has no signature helper');
  try {
    await signatures.verifyHeaderAsync(rawBody, signature, secret, STRIPE_WEBHOOK_TOLERANCE_SECONDS, cryptoProvider);
  } catch (err) {
    throw new WebhookVerificationError(err instanceof Error ? err.message : 'Invalid signature');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new WebhookPayloadError('Stripe event body is not JSON');
  }
  return readStripeEvent(parsed);
}

/** The object an event type carries, for the types some owner reads; other types are acknowledged and ignored. */
function objectKindOf(type: string): StripeObjectKind | null {
  if (type.startsWith('payment_intent.')) return 'payment_intent';
  if (type.startsWith('refund.')) return 'refund';
  if (type === 'charge.refunded') return 'charge';
  if (type.startsWith('checkout.session.')) return 'checkout.session';
  if (type.startsWith('payout.')) return 'payout';
  if (type.startsWith('charge.dispute.')) return 'dispute';
  return null;
}

/**
 * An authentic Stripe body → the event, or WebhookPayloadError when it is not an event (array or null root,
 * no id/type/created) or when a type some owner reads lacks `data.object` of its kind or has a mistyped field.
 * Events of other types need no `data` (they are only acknowledged). Statuses are not checked here: one Stripe
 * adds later is a well-formed event that the mappings ignore.
 */
export function readStripeEvent(value: unknown): StripeEventLike {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new WebhookPayloadError('Stripe event is not a JSON object');
  const envelope = StripeEventEnvelope.safeParse(value);
  if (!envelope.success) refusedPayload('Stripe event', envelope.error);
  const { id, type, created, account, data } = envelope.data;
  const kind = objectKindOf(type);
  if (kind) {
    if (!data) throw new WebhookPayloadError(`Stripe ${type} event without data.object`);
    if (data.object.object !== kind) throw new WebhookPayloadError(`Stripe ${type} event does not carry a ${kind}`);
    const object = EVENT_OBJECT_SCHEMAS[kind].safeParse(data.object);
    if (!object.success) refusedPayload(`Stripe ${type} event's ${kind}`, object.error);
  }
  return { id, type, created, account: account ?? null, data: { object: data?.object ?? {} } };
}

function metadataOf(object: Record<string, unknown>): Record<string, string> {
  const parsed = CheckoutSessionObject.shape.metadata.safeParse(object.metadata);
  return (parsed.success && parsed.data) || {};
}

// ---- ticket payments ----------------------------------------------------------------------------

const MAX_DECLINE_MESSAGE = 500;

/** Why an event maps to kind 'other': a type no owner reads, or a status Stripe added after this code. */
export function stripeIgnoredReason(event: StripeEventLike): 'unknown_status' | 'unhandled_type' {
  const object = event.data.object;
  if (object.object === 'payment_intent' && !isStripePaymentIntentStatus(object.status)) return 'unknown_status';
  if (object.object === 'refund' && !isStripeRefundStatus(object.status)) return 'unknown_status';
  if (object.object === 'payout' && !(PAYOUT_STATUSES as readonly unknown[]).includes(object.status)) return 'unknown_status';
  if (object.object === 'checkout.session' && !['paid', 'unpaid', 'no_payment_required'].includes(String(object.payment_status)))
    return 'unknown_status';
  return 'unhandled_type';
}

/** Stripe event → common PspEvent. Payment intents and refunds carry our ids in metadata. */
export function stripeEventToPspEvent(event: StripeEventLike): PspEvent {
  const object = event.data.object;
  const metadata = metadataOf(object);
  const base = {
    provider: 'stripe' as const,
    eventId: event.id,
    type: event.type,
    transactionId: metadata.transaction_id ?? null,
    tenantId: metadata.tenant_id ?? null,
    occurredAt: event.created * 1000,
  };
  if (
    event.type.startsWith('payment_intent.') &&
    object.object === 'payment_intent' &&
    event.type !== 'payment_intent.created' &&
    isStripePaymentIntentStatus(object.status)
  ) {
    const intent = StripePaymentIntent.safeParse(object);
    if (!intent.success) return { ...base, kind: 'other' };
    const outcome = paymentIntentToOutcome(intent.data);
    // The decline message is Stripe's prose: what is kept of it is bounded like every stored field.
    if (outcome.status === 'declined') outcome.message = outcome.message.slice(0, MAX_DECLINE_MESSAGE);
    return { ...base, kind: 'payment', reference: intent.data.id, outcome };
  }
  if (
    (event.type === 'refund.created' || event.type === 'refund.updated' || event.type === 'refund.failed') &&
    object.object === 'refund' &&
    isStripeRefundStatus(object.status)
  ) {
    const parsed = StripeRefund.safeParse(object);
    if (!parsed.success) return { ...base, kind: 'other' };
    const refund = parsed.data;
    const outcome = refundToOutcome(refund);
    return {
      ...base,
      kind: 'refund',
      refundId: metadata.refund_id ?? null,
      reference: refund.id,
      paymentReference: refund.payment_intent ?? null,
      amount: refund.amount,
      status: outcome.status,
    };
  }
  return { ...base, kind: 'other' };
}

// ---- checkout sessions --------------------------------------------------------------------------

const SESSION_ID = /^cko[0-9a-f]{32}$/;

/** Ours: metadata first; a session's client_reference_id only when it has the shape of our session ids. */
function sessionIdOf(object: Record<string, unknown>): string | null {
  const fromMetadata = metadataOf(object).edgepay_session_id;
  if (fromMetadata) return fromMetadata;
  const reference = object.object === 'checkout.session' ? object.client_reference_id : null;
  return typeof reference === 'string' && SESSION_ID.test(reference) ? reference : null;
}

/** Verified event → notifications (at most one). Amounts that are not exact in the currency leave `observed` null (the owner reads back). */
export function stripeCheckoutEventToNotifications(event: StripeEventLike): CheckoutNotification[] {
  const object = event.data.object;
  const sessionId = sessionIdOf(object);
  if (!sessionId) return [];
  const base = { provider: 'stripe' as const, eventId: event.id, type: event.type, sessionId, occurredAt: event.created * 1000 };
  const currency = typeof object.currency === 'string' ? object.currency : '';

  if (event.type.startsWith('checkout.session.') && object.object === 'checkout.session') {
    const parsed = CheckoutSessionObject.safeParse(object);
    if (!parsed.success) return [];
    const session = parsed.data;
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
    const parsed = StripeCharge.safeParse(object);
    if (!parsed.success) return [];
    const charge = parsed.data;
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
    const parsed = StripeRefund.safeParse(object);
    if (!parsed.success) return [];
    const refund = parsed.data;
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

// ---- recovery transactions ----------------------------------------------------------------------

/*
 * Recovery events: checkout.session.completed / async_payment_succeeded (our recovery sessions, and sessions a
 * payment link made: they carry the link's metadata) → completed when paid in full; payment_intent.succeeded /
 * payment_intent.payment_failed → a payment attempt recorded. Link payments' PaymentIntents carry no metadata
 * (API 2023-08-16 has no payment_intent_data on links), so for those the session's completion records the attempt.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RECOVERY_SESSION_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
const RECOVERY_INTENT_EVENTS: Record<string, 'succeeded' | 'failed'> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
};

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);
function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === 'string') return value || null;
  return value ? str(value.id) : null;
}

/** The recovery transaction a verified event names, as its object's event; null when it names none. */
export function recoveryRouteOf(event: StripeEventLike): RecoveryRoute | null {
  const object = event.data.object;
  const metadata = metadataOf(object);
  const transactionId = str(metadata.edgepay_recovery_transaction_id);
  const tenantId = str(metadata.edgepay_tenant_id);
  if (!transactionId || !UUID.test(transactionId) || !tenantId) return null;
  const base = { eventId: event.id, type: event.type, occurredAt: event.created * 1000 };
  if (RECOVERY_SESSION_EVENTS.has(event.type) && object.object === 'checkout.session') {
    const parsed = CheckoutSessionObject.safeParse(object);
    if (!parsed.success) return null;
    const session = parsed.data;
    const paymentStatus = session.payment_status;
    if (paymentStatus !== 'paid' && paymentStatus !== 'unpaid' && paymentStatus !== 'no_payment_required') return null;
    const currency = str(session.currency);
    return {
      tenantId,
      transactionId,
      event: {
        ...base,
        customerId: idOf(session.customer),
        kind: 'session',
        sessionId: session.id,
        paymentStatus,
        amountTotal: currency ? fromStripeAmount(session.amount_total, currency) : null,
        currency: currency?.toUpperCase() ?? null,
        paymentIntentId: idOf(session.payment_intent),
        paymentLinkId: idOf(session.payment_link),
      },
    };
  }
  const status = RECOVERY_INTENT_EVENTS[event.type];
  if (status && object.object === 'payment_intent') {
    const parsed = PaymentIntentObject.safeParse(object);
    if (!parsed.success) return null;
    const intent = parsed.data;
    const error = intent.last_payment_error ?? null;
    const received = typeof intent.amount_received === 'number' && intent.amount_received > 0 ? intent.amount_received : intent.amount;
    const currency = str(intent.currency);
    return {
      tenantId,
      transactionId,
      event: {
        ...base,
        customerId: idOf(intent.customer),
        kind: 'payment_intent',
        paymentIntentId: intent.id,
        status,
        amount: currency ? fromStripeAmount(received, currency) : null,
        currency: currency?.toUpperCase() ?? null,
        failureCode: status === 'failed' ? (str(error?.decline_code) ?? str(error?.code)) : null,
        failureMessage: status === 'failed' ? (str(error?.message)?.slice(0, 300) ?? null) : null,
      },
    };
  }
  return null;
}

// ---- one entry --------------------------------------------------------------------------------------

export async function verifyStripeNotification(request: InboundNotification, secret: string): Promise<StripeEventLike> {
  if (request.method !== 'POST') throw new WebhookVerificationError('Stripe notifications are POST requests');
  return verifyStripeWebhook(request.rawBody, request.headers[STRIPE_SIGNATURE_HEADER], secret);
}

/** One verified Stripe notification for every owner: checkout sessions, recovery transactions, ticket payments, Connect. */
export async function receiveStripeNotification(request: InboundNotification, secret: string): Promise<WebhookEvents> {
  const event = await verifyStripeNotification(request, secret);
  return {
    checkout: stripeCheckoutEventToNotifications(event),
    recovery: recoveryRouteOf(event),
    connect: stripeConnectEvent(event),
    payment: { event: stripeEventToPspEvent(event), ignoredReason: stripeIgnoredReason(event) },
  };
}

export async function parseStripeCheckoutNotification(request: InboundNotification, secret: string): Promise<CheckoutNotification[]> {
  return stripeCheckoutEventToNotifications(await verifyStripeNotification(request, secret));
}
