import { type CheckoutNotification, type InboundNotification, WebhookVerificationError } from '../checkout';

/**
 * QPay's payment callback: a plain GET (some integrators see POST) to the
 * `callback_url` given at invoice creation, with no signature; QPay may append `qpay_payment_id=<id>`.
 * Our callback URL is `<app>/v1/webhooks/qpay?session=<sessionId>`, so the query names the session.
 * Nothing in it is trusted: the notification is only a trigger (observed: null) and the owning object
 * asks POST /v2/payment/check before it believes any payment. No network call here.
 */
const SESSION_ID = /^cko[0-9a-f]{32}$/;
/** QPay payment ids are numeric strings in observed traffic; allow the id-like characters a future format may use. */
const PAYMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseQpayCallback(request: InboundNotification, now: () => number = Date.now): CheckoutNotification[] {
  if (request.method !== 'GET' && request.method !== 'POST') throw new WebhookVerificationError('unexpected callback method');
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new WebhookVerificationError('malformed callback URL');
  }
  const sessions = url.searchParams.getAll('session');
  const session = sessions.length === 1 ? sessions[0]! : '';
  if (!SESSION_ID.test(session)) throw new WebhookVerificationError('unknown callback');
  const paymentIds = url.searchParams.getAll('qpay_payment_id');
  if (paymentIds.length > 1) throw new WebhookVerificationError('malformed qpay_payment_id');
  const paymentId = paymentIds[0] ?? null;
  if (paymentId !== null && !PAYMENT_ID.test(paymentId)) throw new WebhookVerificationError('malformed qpay_payment_id');
  return [
    {
      provider: 'qpay',
      eventId: `qpay:${session}:${paymentId ?? 'callback'}`,
      type: 'callback',
      sessionId: session,
      reference: null,
      paymentReference: paymentId,
      observed: null,
      occurredAt: now(),
    },
  ];
}
