import type { z } from 'zod';
import type { CheckoutStatus } from '../domain/checkout';
import type { ProviderId } from './registry';
import { issueAt, type PspResult } from './types';

// The status vocabulary is the domain's; the adapters import it from here.
export { CHECKOUT_STATUSES, type CheckoutStatus } from '../domain/checkout';

/**
 * Hosted checkout sessions: the one interface the seven providers sit behind. Our side names a
 * session with its own id (`sessionId`), which every adapter stores in the provider's object (metadata,
 * reference, external reference, custom id, order number or callback URL) so that a notification routes
 * back to the object that owns the session. Amounts are integer minor units of `currency` (ISO 4217
 * exponents); each adapter converts to its wire format in its transformers.
 */
/** Every provider offers hosted checkout; the registry (registry.ts) lists them. */
export type CheckoutProvider = ProviderId;

export type CheckoutInput = {
  /** Our session id: `cko` + 32 lowercase hex characters (alphanumeric, 35 chars; fits every provider's reference field). */
  sessionId: string;
  tenantId: string;
  /** Minor units of `currency`, > 0. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** psp_config.psp_merchant_id: Stripe connected account, Adyen merchant account, Square location id, MercadoPago collector id, PayPal payee merchant id, Tilopay integration key, QPay invoice code. */
  merchantAccount: string;
  /** One line shown to the payer (item title / description). */
  description: string;
  /** String metadata from psp_config.metadata (≤ 2 KB as JSON), passed to the provider where it has a field for it. */
  metadata: Record<string, string>;
  successUrl: string;
  cancelUrl: string;
  /** When the session should stop being payable (ms since epoch); adapters clamp to the provider's allowed range. */
  expiresAt: number;
  /**
   * Where the provider notifies us for this session when the notification URL is per request
   * (MercadoPago notification_url, QPay callback_url, Tilopay redirect). Already contains the session id.
   */
  notificationUrl: string;
  /** Deterministic per session (derived from sessionId): a retried create is the same provider operation where the provider offers idempotency. */
  idempotencyKey: string;
  customerEmail?: string;
};

/** A provider detail: flat values or a list of flat records (QPay's deep links) — shallow, so Durable Object RPC types stay finite. */
export type JsonValue = string | number | boolean | null | Record<string, string>[];

export type CreatedCheckout = {
  /** The provider's id of the checkout object: cs_…, Adyen session id, Square payment link id, MercadoPago preference id, PayPal order id, Tilopay order number, QPay invoice id. */
  reference: string;
  /** Where to send the payer. */
  checkoutUrl: string;
  /** When the provider will stop accepting payment (ms), null when it does not expire. */
  expiresAt: number | null;
  /** Provider-specific public details the API returns as they are (QPay: qr_text, qr_image, short_url, urls; Square: order_id). */
  details: Record<string, JsonValue>;
};

/** Identifies a created session at the provider for read-backs, cancel and refunds. */
export type CheckoutRef = {
  sessionId: string;
  reference: string;
  merchantAccount: string;
  amount: number;
  currency: string;
  /** The payment behind the session once known: PaymentIntent id, Adyen pspReference, Square payment id, MercadoPago payment id, PayPal capture id, Tilopay transaction id, QPay payment id. */
  paymentReference: string | null;
};

/** The provider's view of a session now. */
export type CheckoutSnapshot = {
  status: CheckoutStatus;
  paymentReference: string | null;
  /** Captured amount in minor units (0 until paid). */
  amountPaid: number;
  /** Cumulative refunded amount in minor units. */
  amountRefunded: number;
};

export type CheckoutRefundInput = CheckoutRef & {
  /** Our refund id, unique within the session; carried in the provider's refund where it has a field. */
  refundId: string;
  /** Minor units, ≤ amountPaid − amountRefunded (the caller checks). */
  refundAmount: number;
  idempotencyKey: string;
};

export type CheckoutRefundResult = {
  /** The provider's refund id. */
  reference: string;
  /** succeeded: the money is returned; pending: the outcome arrives later (webhook or read-back); failed: refused. */
  status: 'succeeded' | 'pending' | 'failed';
  amount: number;
};

/** An HTTP request from a provider, as the webhook route received it. */
export type InboundNotification = {
  method: 'GET' | 'POST';
  /** The full URL as received (Square signs it; QPay and Tilopay put data in the query). */
  url: string;
  headers: Record<string, string>; // lower-case names
  rawBody: string;
};

/**
 * A verified notification in the common model. `sessionId` is ours (from metadata/reference); a
 * notification without one is kept as unmatched. When `observed` is null the notification is only a
 * trigger (MercadoPago, QPay, Tilopay, or anything unsigned): the owning object asks the provider.
 */
export type CheckoutNotification = {
  provider: CheckoutProvider;
  /** Deduplication key, unique per provider event (retries of one event carry the same id). */
  eventId: string;
  type: string;
  sessionId: string | null;
  /** The provider's checkout reference when the notification names it. */
  reference: string | null;
  paymentReference: string | null;
  observed:
    | { kind: 'payment'; status: CheckoutStatus; amount: number | null; amountRefunded?: number }
    | { kind: 'refund'; refundReference: string; refundId: string | null; status: CheckoutRefundResult['status']; amount: number }
    | null;
  occurredAt: number;
  /**
   * Set when the provider's notification is authentic but nothing will act on it (an event type or status we
   * do not handle, an object the provider itself does not know): it is acknowledged and recorded as ignored,
   * never handed to a session's object. `observed` is then null.
   */
  ignored?: string;
};

/** Webhook ids and types as we store them (webhook_inbox.webhook_id is 255 characters, event_type 128). */
export const MAX_EVENT_ID_LENGTH = 255;
export const MAX_EVENT_TYPE_LENGTH = 128;

/** What the route knows before any provider call: lets an adapter skip work for sessions that are not ours. */
export type NotificationContext = {
  /** True when `sessionId` names a session of ours created with this provider. */
  ownsSession(sessionId: string): Promise<boolean>;
};

/**
 * Whether any of the notifications names a session of ours. Read from a notification not yet verified (or
 * never verifiable), only to decide whether it is worth a provider call or a record: one that names no
 * session of ours gets neither.
 */
export async function namesOwnedSession(notifications: CheckoutNotification[], context: NotificationContext): Promise<boolean> {
  for (const n of notifications) if (n.sessionId && (await context.ownsSession(n.sessionId))) return true;
  return false;
}

/** A provider's ISO timestamp in ms, or `fallback` when it is absent or not a date. */
export function timestampOr(value: string | null | undefined, fallback: number): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : fallback;
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/**
 * The notification is authentic (or cannot be checked without a well-formed body) but not of the shape the
 * provider documents: a missing or mistyped field our mapping reads. Answered 400 WEBHOOK_PAYLOAD_INVALID.
 */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}

/** A notification its schema refused: the field and zod's reason, never the value. */
export function refusedPayload(what: string, error: z.ZodError): never {
  throw new WebhookPayloadError(`${what}${issueAt(error)}: ${error.issues[0]?.message ?? 'malformed'}`);
}

/** The checkout capability of an adapter (adapter.ts): hosted sessions, their read-back, cancel and refunds. */
export interface CheckoutCapability {
  createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>>;
  retrieveSession(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>>;
  /** Makes an unpaid session unpayable (Stripe expire, QPay cancel); ok(false) where the provider has no such call. */
  cancelSession(ref: CheckoutRef): Promise<PspResult<boolean>>;
  refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>>;
  /** Read-back of a refund that was pending, where the provider has one (the owning object polls until it is final). */
  retrieveRefund?(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>>;
  /**
   * For providers where the payer only approves and the merchant must capture (PayPal orders): called by
   * the owning object when a notification or read-back says `processing`; idempotent per session.
   */
  capture?(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>>;
}

/**
 * A checkout-only provider's adapter class: the checkout capability plus its notifications. `parseNotification`
 * verifies (signature, or the provider's verification call where that is all it offers) and maps to common
 * notifications (an Adyen batch holds several). Throws WebhookVerificationError when it is not authentic and
 * WebhookPayloadError when it is not well-formed; events that do not concern checkouts map to [] or to `ignored`
 * notifications. With a context, an adapter whose check costs a provider call (or whose notification is unsigned)
 * makes no call and returns [] for sessions that are not ours.
 */
export interface NotifyingCheckout extends CheckoutCapability {
  readonly provider: string;
  parseNotification(request: InboundNotification, context?: NotificationContext): Promise<CheckoutNotification[]>;
}
