import { z } from 'zod';
import { MAX_EVENT_ID_LENGTH, MAX_EVENT_TYPE_LENGTH, timestampOr, WebhookPayloadError } from '../checkout';
import { WebhookSignatureError } from '../stripe/webhook';
import type { PspEvent } from '../types';
import type { SquareCheckoutPayment, SquareCheckoutRefund } from './checkout-transformers';
import { type SquarePaymentStatus, type SquareRefundStatus, squarePaymentToOutcome, squareRefundToOutcome } from './transformers';

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
  if (!signature) throw new WebhookSignatureError('Missing x-square-hmacsha256-signature header');
  const mac = fromBase64(signature.trim());
  if (mac === null || mac.length !== 32) throw new WebhookSignatureError('Malformed Square signature');
  const key = await crypto.subtle.importKey('raw', encoder.encode(signatureKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  if (!(await crypto.subtle.verify('HMAC', key, mac, encoder.encode(notificationUrl + rawBody)))) {
    throw new WebhookSignatureError('Square signature does not match');
  }
}

// ---- the event's shape ---------------------------------------------------------------------------
// Only what the checkout and ticket mappings read is checked; other fields pass through untouched.

const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);
const Money = z.looseObject({ amount: z.number().int().nonnegative(), currency: z.string().min(1).max(16) });
const Status = z.string().min(1).max(64);

const PaymentSchema = z.looseObject({
  id: Id,
  status: Status,
  amount_money: Money.nullish(),
  total_money: Money.nullish(),
  refunded_money: Money.nullish(),
  reference_id: z.string().max(255).nullish(),
  note: z.string().max(500).nullish(),
});
const RefundSchema = z.looseObject({
  id: Id,
  status: Status,
  amount_money: Money,
  payment_id: Id.nullish(),
  reason: z.string().max(500).nullish(),
});

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
    object?: { payment?: SquareCheckoutPayment; refund?: SquareCheckoutRefund } | null;
  } | null;
};

function refused(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new WebhookPayloadError(`${what}${at}: ${issue?.message ?? 'malformed'}`);
}

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
  if (!envelope.success) refused('Square event', envelope.error);
  const { type, data } = envelope.data;
  const kind = type.startsWith('payment.') ? 'payment' : type.startsWith('refund.') ? 'refund' : null;
  if (kind) {
    const object = data?.object?.[kind];
    if (object === undefined || object === null) throw new WebhookPayloadError(`Square ${type} event without data.object.${kind}`);
    const checked = (kind === 'payment' ? PaymentSchema : RefundSchema).safeParse(object);
    if (!checked.success) refused(`Square ${type} event's ${kind}`, checked.error);
  }
  return envelope.data as SquareEvent;
}

const PAYMENT_STATUSES: readonly string[] = ['APPROVED', 'PENDING', 'COMPLETED', 'CANCELED', 'FAILED'] satisfies SquarePaymentStatus[];
const REFUND_STATUSES: readonly string[] = ['PENDING', 'COMPLETED', 'REJECTED', 'FAILED'] satisfies SquareRefundStatus[];

/** Statuses this code maps; Square may add others, which a webhook acknowledges and ignores. */
export function isSquarePaymentStatus(value: unknown): value is SquarePaymentStatus {
  return typeof value === 'string' && PAYMENT_STATUSES.includes(value);
}
export function isSquareRefundStatus(value: unknown): value is SquareRefundStatus {
  return typeof value === 'string' && REFUND_STATUSES.includes(value);
}

/** Why an event maps to kind 'other': a type no owner reads, or a status Square added after this code. */
export function squareIgnoredReason(event: SquareEvent): 'unknown_status' | 'unhandled_type' {
  const payment = event.data?.object?.payment;
  const refund = event.data?.object?.refund;
  if (payment && !isSquarePaymentStatus(payment.status)) return 'unknown_status';
  if (refund && !isSquareRefundStatus(refund.status)) return 'unknown_status';
  return 'unhandled_type';
}

/** Square event (checked by readSquareEvent) → PspEvent. Payments we create carry our transaction id in `reference_id`. */
export function squareEventToPspEvent(event: SquareEvent): PspEvent {
  const occurredAt = timestampOr(event.created_at, Date.now());
  const base = { provider: 'square' as const, eventId: event.event_id, type: event.type, tenantId: null, occurredAt };
  const payment = event.data?.object?.payment;
  if ((event.type === 'payment.created' || event.type === 'payment.updated') && payment && isSquarePaymentStatus(payment.status)) {
    return {
      ...base,
      kind: 'payment',
      transactionId: payment.reference_id ?? null,
      reference: payment.id,
      outcome: squarePaymentToOutcome(payment),
    };
  }
  const refund = event.data?.object?.refund;
  if ((event.type === 'refund.created' || event.type === 'refund.updated') && refund && isSquareRefundStatus(refund.status)) {
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
