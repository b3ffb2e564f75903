import type { z } from 'zod';
import {
  type CheckoutNotification,
  type InboundNotification,
  MAX_EVENT_ID_LENGTH,
  refusedPayload,
  timestampOr,
  WebhookPayloadError,
  WebhookVerificationError,
} from '../checkout';
import { fromPaypalMoney, parsePaypalInvoiceId, paypalRefundCaptureId, paypalRefundStatus } from './transformers';
import { CaptureResource, OrderResource, PaypalWebhookEvent, RefundResource } from './wire';

/**
 * PayPal webhooks. A notification carries PAYPAL-TRANSMISSION-ID/-TIME/-SIG, PAYPAL-CERT-URL
 * and PAYPAL-AUTH-ALGO; we verify it online with POST /v1/notifications/verify-webhook-signature (the client
 * makes that call), sending the headers, our webhook id and the parsed event. The request fields are checked
 * against the extract's `verify_webhook_signature` schema first: a notification whose headers could not form a
 * valid request is refused without calling PayPal.
 */
export type PaypalVerifyRequest = {
  auth_algo: string;
  cert_url: string;
  transmission_id: string;
  transmission_sig: string;
  transmission_time: string;
  webhook_id: string;
  /** The body parsed afresh, as PayPal sent it: the checked copy would put the keys zod checks first. */
  webhook_event: unknown;
};

/** PayPal could not be asked (network, 5xx, timeout): not a verdict on the notification, so the route should answer 5xx. */
export class PaypalVerificationUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaypalVerificationUnavailableError';
  }
}

const HEADER_RULES = {
  'paypal-auth-algo': { max: 100, pattern: /^[a-zA-Z0-9]+$/ },
  'paypal-cert-url': { max: 500, pattern: /^https?:\/\/\S+$/ },
  'paypal-transmission-id': { max: 50, pattern: /^(?!\d+$)\w+\S+/ },
  'paypal-transmission-sig': { max: 500, pattern: /^(?!\d+$)\w+\S+/ },
  'paypal-transmission-time': { max: 100, pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i },
} as const;

/** `webhook_id` in verify_webhook_signature: ^[a-zA-Z0-9]+$, at most 50. */
const WEBHOOK_ID = /^[a-zA-Z0-9]{1,50}$/;

type Headers = Record<keyof typeof HEADER_RULES, string>;

function transmissionHeaders(headers: Record<string, string>): Headers {
  const out: Partial<Headers> = {};
  for (const [name, rule] of Object.entries(HEADER_RULES) as Array<[keyof Headers, { max: number; pattern: RegExp }]>) {
    const value = headers[name]?.trim();
    if (!value) throw new WebhookVerificationError(`Missing ${name} header`);
    if (value.length > rule.max || !rule.pattern.test(value)) throw new WebhookVerificationError(`Malformed ${name} header`);
    out[name] = value;
  }
  return out as Headers;
}

function parseBody(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody);
  } catch {
    throw new WebhookPayloadError('PayPal notification body is not JSON');
  }
}

/**
 * Checks method, headers (WebhookVerificationError) and body shape (WebhookPayloadError) before anything is sent
 * to PayPal; returns the parsed event. An event type we map needs its `resource` object.
 */
export function readPaypalEvent(request: InboundNotification): PaypalWebhookEvent {
  if (request.method !== 'POST') throw new WebhookVerificationError('PayPal notifications are POSTs');
  transmissionHeaders(request.headers);
  const event = parseBody(request.rawBody);
  if (!event || typeof event !== 'object' || Array.isArray(event))
    throw new WebhookPayloadError('PayPal notification body is not an event');
  const checked = PaypalWebhookEvent.safeParse(event);
  if (!checked.success) refusedPayload('PayPal event', checked.error);
  const { event_type: type, resource } = checked.data;
  if (MAPPED_EVENTS.has(type) && !resource) throw new WebhookPayloadError(`PayPal ${type} event without a resource`);
  return checked.data;
}

export function paypalVerificationRequest(request: InboundNotification, webhookId: string): PaypalVerifyRequest {
  // A configuration error (PayPal webhook ids are alphanumeric), not a forged notification: a plain Error.
  if (!WEBHOOK_ID.test(webhookId)) throw new Error('PayPal webhook id must be 1–50 letters and digits');
  const h = transmissionHeaders(request.headers);
  return {
    auth_algo: h['paypal-auth-algo'],
    cert_url: h['paypal-cert-url'],
    transmission_id: h['paypal-transmission-id'],
    transmission_sig: h['paypal-transmission-sig'],
    transmission_time: h['paypal-transmission-time'],
    webhook_id: webhookId,
    webhook_event: parseBody(request.rawBody),
  };
}

const CAPTURE_EVENTS: Record<string, 'succeeded' | 'processing' | 'failed'> = {
  'PAYMENT.CAPTURE.COMPLETED': 'succeeded',
  'PAYMENT.CAPTURE.PENDING': 'processing',
  'PAYMENT.CAPTURE.DENIED': 'failed',
  'PAYMENT.CAPTURE.DECLINED': 'failed',
};

const REFUND_EVENTS = new Set(['PAYMENT.CAPTURE.REFUNDED', 'PAYMENT.REFUND.PENDING', 'PAYMENT.REFUND.FAILED']);
const MAPPED_EVENTS = new Set(['CHECKOUT.ORDER.APPROVED', ...Object.keys(CAPTURE_EVENTS), ...REFUND_EVENTS]);

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

function readResource<S extends z.ZodType>(schema: S, event: PaypalWebhookEvent): z.output<S> {
  const checked = schema.safeParse(event.resource);
  if (!checked.success) refusedPayload(`PayPal ${event.event_type} event's resource`, checked.error);
  return checked.data;
}

/** A verified event → common notifications; events that do not concern checkouts → []. */
export function paypalEventToNotifications(event: PaypalWebhookEvent): CheckoutNotification[] {
  const base = {
    provider: 'paypal' as const,
    eventId: event.id,
    type: event.event_type,
    occurredAt: timestampOr(event.create_time, Date.now()),
  };
  const resource = event.resource;
  if (!resource || typeof resource !== 'object') return [];

  if (event.event_type === 'CHECKOUT.ORDER.APPROVED') {
    // Approved, not paid: the owning object captures (CheckoutCapability.capture).
    const order = readResource(OrderResource, event);
    const unit = order.purchase_units?.[0];
    return [
      {
        ...base,
        sessionId: text(unit?.custom_id) ?? text(unit?.reference_id),
        reference: text(order.id),
        paymentReference: null,
        observed: { kind: 'payment', status: 'processing', amount: fromPaypalMoney(unit?.amount)?.amount ?? null },
      },
    ];
  }

  const captureStatus = CAPTURE_EVENTS[event.event_type];
  if (captureStatus) {
    const capture = readResource(CaptureResource, event);
    return [
      {
        ...base,
        sessionId: text(capture.custom_id),
        reference: text(capture.supplementary_data?.related_ids?.order_id),
        paymentReference: text(capture.id),
        observed: { kind: 'payment', status: captureStatus, amount: fromPaypalMoney(capture.amount)?.amount ?? null },
      },
    ];
  }

  if (REFUND_EVENTS.has(event.event_type)) {
    const refund = readResource(RefundResource, event);
    const money = fromPaypalMoney(refund.amount);
    const refundReference = text(refund.id);
    if (!refundReference || refundReference.length > MAX_EVENT_ID_LENGTH || !money) {
      throw new WebhookPayloadError(`PayPal ${event.event_type} without a readable refund`);
    }
    const status = typeof refund.status === 'string' ? paypalRefundStatus(refund.status) : null;
    if (!status) {
      // A refund status PayPal adds later: acknowledged, recorded as ignored, not guessed at.
      return [
        { ...base, sessionId: text(refund.custom_id), reference: null, paymentReference: null, observed: null, ignored: 'unknown_status' },
      ];
    }
    return [
      {
        ...base,
        sessionId: text(refund.custom_id),
        reference: null,
        paymentReference: paypalRefundCaptureId(refund),
        observed: {
          kind: 'refund',
          refundReference,
          refundId: parsePaypalInvoiceId(text(refund.invoice_id) ?? undefined),
          status,
          amount: money.amount,
        },
      },
    ];
  }
  return [];
}
