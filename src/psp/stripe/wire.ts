import { z } from 'zod';
import { MAX_EVENT_ID_LENGTH, MAX_EVENT_TYPE_LENGTH } from '../checkout';

/**
 * The Stripe objects we read (API 2023-08-16, the OpenAPI extract), as zod schemas: responses of the stripe
 * package and webhook objects are parsed with them, so a body of another shape is a value (an unexpected
 * response, a malformed event), never a crash. Only the fields the mappings read are checked; others pass
 * through. Lengths follow Stripe's documented limits (ids are short, metadata values ≤ 500).
 */

const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);
const Code = z.string().max(255);
const Minor = z.number().int().nonnegative();
const Currency = z.string().min(1).max(16);
const Metadata = z.record(z.string(), z.string().max(500)).nullish();
/** An id, or the expanded object with its id. */
const IdOrObject = z.union([Id, z.looseObject({ id: Id })]).nullish();

export const PAYMENT_INTENT_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] as const;
export type StripePaymentIntentStatus = (typeof PAYMENT_INTENT_STATUSES)[number];

export const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;
type RefundStatus = (typeof REFUND_STATUSES)[number];

export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled'] as const;
export type StripePayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** A status this code maps; Stripe may add others, which a webhook acknowledges and ignores. */
export function isStripePaymentIntentStatus(value: unknown): value is StripePaymentIntentStatus {
  return typeof value === 'string' && (PAYMENT_INTENT_STATUSES as readonly string[]).includes(value);
}

export function isStripeRefundStatus(value: unknown): value is RefundStatus | null {
  return value === null || (typeof value === 'string' && (REFUND_STATUSES as readonly string[]).includes(value));
}

// ---- objects as a webhook carries them (statuses free: one Stripe adds later is still well-formed) ----

const LastPaymentError = z.looseObject({ code: Code.nullish(), decline_code: Code.nullish(), message: z.string().nullish() });
const NextAction = z.looseObject({ type: Code, redirect_to_url: z.looseObject({ url: z.string().max(2048).nullish() }).nullish() });

export const ChargeObject = z.looseObject({
  id: Id,
  object: z.literal('charge').optional(),
  amount: Minor,
  amount_refunded: Minor,
  refunded: z.boolean().optional(),
  currency: Currency,
  status: z.enum(['succeeded', 'pending', 'failed']).optional(),
  payment_intent: Id.nullish(),
  metadata: Metadata,
});

export const PaymentIntentObject = z.looseObject({
  id: Id,
  amount: Minor,
  amount_received: Minor.nullish(),
  /** What a capture may still take (manual capture); 0 otherwise. */
  amount_capturable: Minor.nullish(),
  capture_method: Code.nullish(),
  cancellation_reason: Code.nullish(),
  currency: Currency,
  status: Code,
  latest_charge: z.union([Id, ChargeObject, z.looseObject({ id: Id })]).nullish(),
  last_payment_error: LastPaymentError.nullish(),
  next_action: NextAction.nullish(),
  customer: IdOrObject,
  metadata: Metadata,
});

export const RefundObject = z.looseObject({
  id: Id,
  amount: Minor,
  status: Code.nullish(),
  currency: Currency.optional(),
  payment_intent: Id.nullish(),
  metadata: Metadata,
});

export const CheckoutSessionObject = z.looseObject({
  id: Id,
  status: Code.nullish(),
  payment_status: Code,
  amount_total: Minor.nullish(),
  currency: Currency.nullish(),
  url: z.string().max(4096).nullish(),
  expires_at: z.number().int().optional(),
  client_reference_id: z.string().max(200).nullish(),
  payment_intent: IdOrObject,
  payment_link: IdOrObject,
  customer: IdOrObject,
  metadata: Metadata,
});

/** Connect money out: a connected account's (or the platform's) payout to its bank. */
export const PayoutObject = z.looseObject({
  id: Id,
  object: z.literal('payout').optional(),
  amount: Minor,
  currency: Currency,
  status: Code,
  arrival_date: z.number().int().nonnegative().nullish(),
  method: Code.optional(),
  failure_code: Code.nullish(),
  failure_message: z.string().nullish(),
  metadata: Metadata,
});

/** A dispute of a charge; its metadata is the dispute's own (our routing ids are on the PaymentIntent). */
export const DisputeObject = z.looseObject({
  id: Id,
  object: z.literal('dispute').optional(),
  amount: Minor,
  currency: Currency,
  status: Code,
  reason: Code,
  charge: z.union([Id, z.looseObject({ id: Id })]),
  payment_intent: IdOrObject,
  metadata: Metadata,
});

export const TransferObject = z.looseObject({
  id: Id,
  object: z.literal('transfer').optional(),
  amount: Minor,
  currency: Currency,
  destination: IdOrObject,
  transfer_group: z.string().max(MAX_EVENT_ID_LENGTH).nullish(),
  metadata: Metadata,
});

// ---- the same objects as an API response (statuses this code maps: another is an unexpected response) ----

export const StripePaymentIntent = PaymentIntentObject.extend({ status: z.enum(PAYMENT_INTENT_STATUSES) });
export type StripePaymentIntent = z.output<typeof StripePaymentIntent>;

export const StripeRefund = RefundObject.extend({ status: z.enum(REFUND_STATUSES).nullable() });
export type StripeRefund = z.output<typeof StripeRefund>;

export const StripeCharge = ChargeObject;
export type StripeCharge = z.output<typeof StripeCharge>;

/** A PaymentIntent as a session expanded with payment_intent.latest_charge carries it. */
export const StripeSessionIntent = StripePaymentIntent.extend({ latest_charge: z.union([Id, ChargeObject]).nullish() });
export type StripeSessionIntent = z.output<typeof StripeSessionIntent>;

export const StripeCheckoutSession = CheckoutSessionObject.extend({
  status: z.enum(['open', 'complete', 'expired']).nullable(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  payment_intent: z.union([Id, StripeSessionIntent]).nullish(),
});
export type StripeCheckoutSession = z.output<typeof StripeCheckoutSession>;

export const StripePaymentLink = z.looseObject({ id: Id, url: z.string().min(1).max(4096) });

export const StripePayout = PayoutObject.extend({ status: z.enum(PAYOUT_STATUSES) });
export type StripePayout = z.output<typeof StripePayout>;

export const StripeTransfer = TransferObject;
export type StripeTransfer = z.output<typeof StripeTransfer>;

export type StripeDispute = z.output<typeof DisputeObject>;
export const StripePrice = z.looseObject({ id: Id });

// ---- events -------------------------------------------------------------------------------------

export const EVENT_OBJECT_SCHEMAS = {
  payment_intent: PaymentIntentObject,
  refund: RefundObject,
  charge: ChargeObject,
  'checkout.session': CheckoutSessionObject,
  payout: PayoutObject,
  dispute: DisputeObject,
} as const;
export type StripeObjectKind = keyof typeof EVENT_OBJECT_SCHEMAS;

export const StripeEventEnvelope = z.object({
  id: Id,
  type: z.string().min(1).max(MAX_EVENT_TYPE_LENGTH),
  created: z.number().int().nonnegative(),
  /** The connected account the event happened on (Connect); absent for the platform's own. */
  account: Id.nullish(),
  data: z.looseObject({ object: z.looseObject({ object: z.string().optional(), metadata: Metadata }) }).optional(),
});

/** What an error thrown by the stripe package carries (StripeError and subclasses) that we read. */
export type StripeErrorLike = {
  type?: string;
  rawType?: string;
  statusCode?: number;
  code?: string;
  decline_code?: string;
  message?: string;
  detailCode?: string;
  paymentIntentId?: string;
  /** The status of the PaymentIntent an error carries (Stripe includes it when refusing a transition). */
  paymentIntentStatus?: string;
};

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? Reflect.get(value, key) : undefined;
}
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** An error the stripe package threw, read field by field: whatever is missing or mistyped is left out. */
export function readStripeError(err: unknown): StripeErrorLike {
  const status = field(err, 'statusCode');
  return {
    type: text(field(err, 'type')),
    rawType: text(field(err, 'rawType')),
    statusCode: typeof status === 'number' ? status : undefined,
    code: text(field(err, 'code')),
    decline_code: text(field(err, 'decline_code')),
    message: text(field(err, 'message')),
    detailCode: text(field(field(err, 'detail'), 'code')),
    paymentIntentId: text(field(field(err, 'payment_intent'), 'id')) ?? text(field(field(field(err, 'raw'), 'payment_intent'), 'id')),
    paymentIntentStatus:
      text(field(field(err, 'payment_intent'), 'status')) ?? text(field(field(field(err, 'raw'), 'payment_intent'), 'status')),
  };
}
