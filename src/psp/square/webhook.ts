import { z } from 'zod';
import type { WebhookEvents } from '../adapter';
import {
  type CheckoutNotification,
  type InboundNotification,
  MAX_EVENT_ID_LENGTH,
  MAX_EVENT_TYPE_LENGTH,
  refusedPayload,
  timestampOr,
  WebhookPayloadError,
  WebhookVerificationError,
} from '../checkout';
import type { PspEvent } from '../types';
import { parseEdgepayNote, paymentView, squarePaymentToOutcome, squareRefundCheckoutStatus, squareRefundToOutcome } from './transformers';
import { isSquarePaymentStatus, isSquareRefundStatus, PaymentObject, RefundObject, SquarePayment, SquareRefund } from './wire';

export const SQUARE_SIGNATURE_HEADER = 'x-square-hmacsha256-signature';

const encoder = new TextEncoder();

function fromBase64(value: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature key, notification URL + raw body)),
 * checked in constant time (WebCrypto verify). The URL must be exactly the one registered with Square.
 */
export async function verifySquareWebhook(
  rawBody: string,
  signature: string | undefined,
  signatureKey: string,
  notificationUrl: string,
): Promise<void> {
  if (!signature) throw new WebhookVerificationError('Missing x-square-hmacsha256-signature header');
  const mac = fromBase64(signature.trim());
  if (mac === null || mac.length !== 32) throw new WebhookVerificationError('Malformed Square signature');
  const key = await crypto.subtle.importKey('raw', encoder.encode(signatureKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  if (!(await crypto.subtle.verify('HMAC', key, mac, encoder.encode(notificationUrl + rawBody)))) {
    throw new WebhookVerificationError('Square signature does not match');
  }
}

// ---- the event's shape ---------------------------------------------------------------------------
// Only what the checkout and ticket mappings read is checked; other fields pass through untouched.

const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);

const Envelope = z.looseObject({
  event_id: Id,
  type: z.string().min(1).max(MAX_EVENT_TYPE_LENGTH),
  created_at: z.string().max(64).nullish(),
  data: z
    .looseObject({
      type: z.string().max(64).nullish(),
      id: z.string().max(255).nullish(),
      object: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

/** A Square event as the mappings read it (checked by readSquareEvent). */
export type SquareEvent = {
  event_id: string;
  type: string;
  created_at?: string | null;
  data?: {
    type?: string | null;
    id?: string | null;
    object?: Record<string, unknown> | null;
  } | null;
};

/**
 * An authentic Square body → the event, or WebhookPayloadError: not JSON, not an object, no event_id/type, or
 * a payment/refund event without `data.object.payment`/`.refund` of the documented shape. Statuses are not
 * checked here: one Square adds later is a well-formed event that the mappings ignore.
 */
export function readSquareEvent(rawBody: string): SquareEvent {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    throw new WebhookPayloadError('Square notification body is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new WebhookPayloadError('Square notification is not a JSON object');
  const envelope = Envelope.safeParse(value);
  if (!envelope.success) refusedPayload('Square event', envelope.error);
  const { type, data } = envelope.data;
  const kind = type.startsWith('payment.') ? 'payment' : type.startsWith('refund.') ? 'refund' : null;
  if (kind) {
    const object = data?.object?.[kind];
    if (object === undefined || object === null) throw new WebhookPayloadError(`Square ${type} event without data.object.${kind}`);
    const checked = (kind === 'payment' ? PaymentObject : RefundObject).safeParse(object);
    if (!checked.success) refusedPayload(`Square ${type} event's ${kind}`, checked.error);
  }
  return envelope.data;
}

/** The event's payment or refund read with a schema; null when it carries none of that shape. */
function objectOf<S extends z.ZodType>(event: SquareEvent, key: 'payment' | 'refund', schema: S): z.output<S> | null {
  const parsed = schema.safeParse(event.data?.object?.[key]);
  return parsed.success ? parsed.data : null;
}

/** Why an event maps to kind 'other': a type no owner reads, or a status Square added after this code. */
export function squareIgnoredReason(event: SquareEvent): 'unknown_status' | 'unhandled_type' {
  const payment = objectOf(event, 'payment', PaymentObject);
  const refund = objectOf(event, 'refund', RefundObject);
  if (payment && !isSquarePaymentStatus(payment.status)) return 'unknown_status';
  if (refund && !isSquareRefundStatus(refund.status)) return 'unknown_status';
  return 'unhandled_type';
}

/** Square event (checked by readSquareEvent) → PspEvent. Payments we create carry our transaction id in `reference_id`. */
export function squareEventToPspEvent(event: SquareEvent): PspEvent {
  const occurredAt = timestampOr(event.created_at, Date.now());
  const base = { provider: 'square' as const, eventId: event.event_id, type: event.type, tenantId: null, occurredAt };
  const payment = objectOf(event, 'payment', SquarePayment);
  if ((event.type === 'payment.created' || event.type === 'payment.updated') && payment) {
    return {
      ...base,
      kind: 'payment',
      transactionId: payment.reference_id ?? null,
      reference: payment.id,
      outcome: squarePaymentToOutcome(payment),
    };
  }
  const refund = objectOf(event, 'refund', SquareRefund);
  if ((event.type === 'refund.created' || event.type === 'refund.updated') && refund) {
    const outcome = squareRefundToOutcome(refund);
    // A Square refund names only the payment; routing it needs the payment's transaction (kept unmatched until then).
    return {
      ...base,
      kind: 'refund',
      transactionId: null,
      refundId: null,
      reference: refund.id,
      paymentReference: refund.payment_id ?? null,
      amount: outcome.amount,
      status: outcome.status,
    };
  }
  return { ...base, kind: 'other', transactionId: null };
}

// ---- payment-link checkouts ----------------------------------------------------------------------

/**
 * Square notifications for payment links: `x-square-hmacsha256-signature` over the
 * notification URL as registered with Square + the raw body. `payment.updated` routes by the Payment's
 * `note` (our link's payment_note, `edgepay:<sessionId>`); `refund.created/updated` by the refund's
 * `reason` (`edgepay:<sessionId>:<refundId>`, set by our refunds). Anything else (including a status Square
 * adds later) maps to [].
 */
export async function verifySquareCheckoutEvent(
  request: InboundNotification,
  signatureKey: string,
  notificationUrl: string,
): Promise<SquareEvent> {
  if (request.method !== 'POST') throw new WebhookVerificationError('Square notifications are POST requests');
  await verifySquareWebhook(request.rawBody, request.headers[SQUARE_SIGNATURE_HEADER], signatureKey, notificationUrl);
  return readSquareEvent(request.rawBody);
}

export function squareCheckoutEventToNotifications(event: SquareEvent): CheckoutNotification[] {
  const base = {
    provider: 'square' as const,
    eventId: event.event_id,
    type: event.type,
    reference: null,
    occurredAt: timestampOr(event.created_at, Date.now()),
  };

  const payment = objectOf(event, 'payment', SquarePayment);
  if (event.type === 'payment.updated' && payment) {
    const ours = parseEdgepayNote(payment.note);
    if (!ours) return [];
    const currency = (payment.total_money ?? payment.amount_money)?.currency ?? '';
    const view = paymentView(payment, currency);
    return [
      {
        ...base,
        sessionId: ours.sessionId,
        paymentReference: payment.id,
        // A payment Square reports with inconsistent money stays a trigger: the owner reads it back.
        observed: view.ok
          ? { kind: 'payment', status: view.value.status, amount: view.value.total, amountRefunded: view.value.refunded }
          : null,
      },
    ];
  }

  const refund = objectOf(event, 'refund', SquareRefund);
  if ((event.type === 'refund.created' || event.type === 'refund.updated') && refund) {
    const ours = parseEdgepayNote(refund.reason);
    if (!ours) return [];
    const amount = refund.amount_money;
    return [
      {
        ...base,
        sessionId: ours.sessionId,
        paymentReference: refund.payment_id ?? null,
        observed:
          amount && Number.isSafeInteger(amount.amount) && amount.amount >= 0
            ? {
                kind: 'refund',
                refundReference: refund.id,
                refundId: ours.refundId,
                status: squareRefundCheckoutStatus(refund.status),
                amount: amount.amount,
              }
            : null,
      },
    ];
  }
  return [];
}

export async function parseSquareCheckoutNotification(
  request: InboundNotification,
  signatureKey: string,
  notificationUrl: string,
): Promise<CheckoutNotification[]> {
  return squareCheckoutEventToNotifications(await verifySquareCheckoutEvent(request, signatureKey, notificationUrl));
}

/** One verified Square notification for both owners: payment-link checkouts first, else the ticket-payment flow. */
export async function receiveSquareNotification(
  request: InboundNotification,
  signatureKey: string,
  notificationUrl: string,
): Promise<WebhookEvents> {
  const event = await verifySquareCheckoutEvent(request, signatureKey, notificationUrl);
  return {
    checkout: squareCheckoutEventToNotifications(event),
    payment: { event: squareEventToPspEvent(event), ignoredReason: squareIgnoredReason(event) },
  };
}
