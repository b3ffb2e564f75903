import { z } from 'zod';
import { MAX_EVENT_ID_LENGTH, MAX_EVENT_TYPE_LENGTH } from '../checkout';

/**
 * The PayPal answers and events we read (Orders v2, Payments v2, Notifications v1, OAuth 2.0), as zod schemas:
 * each body is parsed with one, so a body of another shape is a value (an unexpected response, a malformed
 * event, a token error), never a crash or a wrong type read as a right one. Only the fields the mappings read
 * are checked; others pass through. Amounts stay `{ currency_code, value }` with `value` a decimal string in
 * major units: converting them (and refusing an unreadable one) is the mappings' job.
 */
const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);

export const PAYPAL_ORDER_STATUSES = ['CREATED', 'SAVED', 'APPROVED', 'VOIDED', 'COMPLETED', 'PAYER_ACTION_REQUIRED'] as const;
export type PaypalOrderStatus = (typeof PAYPAL_ORDER_STATUSES)[number];
export const PAYPAL_CAPTURE_STATUSES = ['COMPLETED', 'DECLINED', 'PARTIALLY_REFUNDED', 'PENDING', 'REFUNDED', 'FAILED'] as const;
export type PaypalCaptureStatus = (typeof PAYPAL_CAPTURE_STATUSES)[number];
export const PAYPAL_REFUND_STATUSES = ['CANCELLED', 'FAILED', 'PENDING', 'COMPLETED'] as const;
export type PaypalRefundStatus = (typeof PAYPAL_REFUND_STATUSES)[number];

export const PaypalMoney = z.looseObject({ currency_code: z.string(), value: z.string() });
export type PaypalMoney = { currency_code: string; value: string };

export const PaypalLink = z.looseObject({ href: z.string(), rel: z.string(), method: z.string().optional() });
export type PaypalLink = z.output<typeof PaypalLink>;
const Links = z.array(PaypalLink).optional();

/** What a capture and a refund both carry. */
const PaymentRecordFields = {
  id: Id,
  amount: PaypalMoney.optional(),
  custom_id: z.string().optional(),
  invoice_id: z.string().optional(),
  links: Links,
};

export const PaypalCapture = z.looseObject({
  ...PaymentRecordFields,
  status: z.enum(PAYPAL_CAPTURE_STATUSES),
  supplementary_data: z.looseObject({ related_ids: z.looseObject({ order_id: z.string().optional() }).optional() }).optional(),
});
export type PaypalCapture = z.output<typeof PaypalCapture>;

/** A refund as the Payments API answers it (create, get): a status the spec does not list is not read. */
export const PaypalRefund = z.looseObject({ ...PaymentRecordFields, status: z.enum(PAYPAL_REFUND_STATUSES) });
export type PaypalRefund = z.output<typeof PaypalRefund>;

/**
 * A refund listed on an order: only COMPLETED ones are summed, so a status PayPal adds later leaves the
 * payment readable (it is not money returned yet).
 */
const OrderRefund = PaypalRefund.extend({ status: z.string() });

export const PaypalPurchaseUnit = z.looseObject({
  reference_id: z.string().optional(),
  custom_id: z.string().optional(),
  amount: PaypalMoney.optional(),
  payments: z.looseObject({ captures: z.array(PaypalCapture).optional(), refunds: z.array(OrderRefund).optional() }).optional(),
});
export type PaypalPurchaseUnit = z.output<typeof PaypalPurchaseUnit>;

/** An order as create, get and capture answer it (with `Prefer: return=representation`). */
export const PaypalOrder = z.looseObject({
  id: Id,
  status: z.enum(PAYPAL_ORDER_STATUSES),
  create_time: z.string().optional(),
  purchase_units: z.array(PaypalPurchaseUnit).optional(),
  links: Links,
});
export type PaypalOrder = z.output<typeof PaypalOrder>;

/**
 * An error body, read only to describe the failure: a field of another type is dropped (it cannot name the
 * error), the rest still does. OAuth endpoints answer `error`/`error_description` instead.
 */
const Described = z.string().optional().catch(undefined);
const ErrorDetail = z.looseObject({ field: Described, issue: Described, description: Described });
export const PaypalErrorBody = z.looseObject({
  name: Described,
  message: Described,
  debug_id: Described,
  details: z.array(ErrorDetail.optional().catch(undefined)).optional().catch(undefined),
  error: Described,
  error_description: Described,
});
export type PaypalErrorBody = z.output<typeof PaypalErrorBody>;

/** POST /v1/notifications/verify-webhook-signature answer. */
export const PaypalVerifyResponse = z.looseObject({ verification_status: z.enum(['SUCCESS', 'FAILURE']) });
export type PaypalVerifyResponse = z.output<typeof PaypalVerifyResponse>;

/** POST /v1/oauth2/token answer: `expires_in` is a lifetime in seconds (~32400). */
export const PaypalTokenResponse = z.looseObject({ access_token: z.string().min(1), expires_in: z.number().nonnegative() });
export type PaypalTokenResponse = z.output<typeof PaypalTokenResponse>;

// ---- webhook events ------------------------------------------------------------------------------

/** The event envelope; `resource` is checked by the mapping of its event type. */
export const PaypalWebhookEvent = z.looseObject({
  id: Id,
  event_type: z.string().min(1).max(MAX_EVENT_TYPE_LENGTH),
  create_time: z.string().optional(),
  resource_type: z.string().optional(),
  resource: z.record(z.string(), z.unknown()).nullish(),
});
export type PaypalWebhookEvent = z.output<typeof PaypalWebhookEvent>;

// The resources as the event mapping reads them: every field optional and read defensively (a mistyped one
// reads as absent, as the mapping's own checks expect), so the schemas type the reads without refusing an
// event the mapping can still route.
const EventMoney = PaypalMoney.optional().catch(undefined);
export const OrderResource = z.looseObject({
  id: z.unknown().optional(),
  purchase_units: z
    .array(z.looseObject({ custom_id: z.unknown().optional(), reference_id: z.unknown().optional(), amount: EventMoney }))
    .optional()
    .catch(undefined),
});
export const CaptureResource = z.looseObject({
  id: z.unknown().optional(),
  custom_id: z.unknown().optional(),
  amount: EventMoney,
  supplementary_data: z
    .looseObject({ related_ids: z.looseObject({ order_id: z.unknown() }).optional().catch(undefined) })
    .optional()
    .catch(undefined),
});
export const RefundResource = z.looseObject({
  id: z.unknown().optional(),
  status: z.unknown().optional(),
  custom_id: z.unknown().optional(),
  invoice_id: z.unknown().optional(),
  amount: EventMoney,
  links: z
    .array(z.looseObject({ href: z.string(), rel: z.string() }))
    .optional()
    .catch(undefined),
});
