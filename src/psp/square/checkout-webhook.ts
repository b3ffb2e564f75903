import { type CheckoutNotification, type InboundNotification, timestampOr, WebhookVerificationError } from '../checkout';
import { parseEdgepayNote, paymentView, squareRefundCheckoutStatus } from './checkout-transformers';
import { isSquarePaymentStatus, isSquareRefundStatus, readSquareEvent, type SquareEvent, verifySquareWebhook } from './webhook';

/**
 * Square notifications for payment links (CONTRACTS.md §3.5): `x-square-hmacsha256-signature` over the
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
  try {
    await verifySquareWebhook(request.rawBody, request.headers['x-square-hmacsha256-signature'], signatureKey, notificationUrl);
  } catch (err) {
    throw new WebhookVerificationError(err instanceof Error ? err.message : 'Invalid Square signature');
  }
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

  const payment = event.data?.object?.payment;
  if (event.type === 'payment.updated' && payment && isSquarePaymentStatus(payment.status)) {
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

  const refund = event.data?.object?.refund;
  if ((event.type === 'refund.created' || event.type === 'refund.updated') && refund && isSquareRefundStatus(refund.status)) {
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
