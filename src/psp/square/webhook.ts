import { timestampOr } from '../checkout';
import { WebhookSignatureError } from '../stripe/webhook';
import type { PspEvent } from '../types';
import { type SquarePayment, type SquareRefund, squarePaymentToOutcome, squareRefundToOutcome } from './transformers';

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

type SquareEvent = {
  event_id: string;
  type: string;
  created_at?: string;
  data?: { type?: string; id?: string; object?: { payment?: SquarePayment; refund?: SquareRefund } };
};

/** Square event → PspEvent. Payments we create carry our transaction id in `reference_id`. */
export function squareEventToPspEvent(rawBody: string): PspEvent {
  const event = JSON.parse(rawBody) as SquareEvent;
  if (typeof event.event_id !== 'string' || typeof event.type !== 'string') throw new WebhookSignatureError('Not a Square event');
  const occurredAt = timestampOr(event.created_at, Date.now());
  const base = { provider: 'square' as const, eventId: event.event_id, type: event.type, tenantId: null, occurredAt };
  const payment = event.data?.object?.payment;
  if ((event.type === 'payment.created' || event.type === 'payment.updated') && payment) {
    return {
      ...base,
      kind: 'payment',
      transactionId: payment.reference_id ?? null,
      reference: payment.id,
      outcome: squarePaymentToOutcome(payment),
    };
  }
  const refund = event.data?.object?.refund;
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
