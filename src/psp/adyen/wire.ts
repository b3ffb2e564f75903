import { z } from 'zod';
import { MAX_EVENT_ID_LENGTH } from '../checkout';

/**
 * Adyen Checkout API v71 wire shapes (schemas in dev/sandbox/openapi/adyen-checkout.json). What we send stays
 * plain types; what we read (API answers, notifications) is a zod schema, so a body of another shape is a value
 * (an unexpected response, a malformed notification), never a crash or a wrong type let through. Only the
 * fields the mappings read are checked; others pass through. Amounts are minor units per Adyen's currency table.
 */
export type AdyenAmount = { value: number; currency: string };

/** A safe integer of Adyen minor units and an upper-case three-letter code (the exponent is checked when mapping). */
export const AdyenAmountSchema = z.looseObject({
  value: z.number().refine(Number.isSafeInteger, 'not a safe integer'),
  currency: z.string().regex(/^[A-Z]{3}$/),
});

const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);

/** CreateCheckoutSessionRequest: the subset of its properties the adapter sets. */
export type AdyenCreateSessionRequest = {
  merchantAccount: string;
  amount: AdyenAmount;
  reference: string;
  returnUrl: string;
  mode: 'hosted';
  expiresAt: string;
  metadata?: Record<string, string>;
  shopperEmail?: string;
};

/**
 * CreateCheckoutSessionResponse: the fields a Hosted Checkout create needs. Adyen's own schema leaves `url`
 * optional (embedded sessions have none); a hosted session without one cannot be paid, so here it is required.
 */
export const AdyenCreateSessionResponse = z.looseObject({
  id: Id,
  url: z.string().min(1).max(4096),
  expiresAt: z.string().max(64),
});
export type AdyenCreateSessionResponse = z.output<typeof AdyenCreateSessionResponse>;

export const ADYEN_SESSION_STATUSES = ['active', 'canceled', 'completed', 'expired', 'paymentPending', 'refused'] as const;
export type AdyenSessionStatus = (typeof ADYEN_SESSION_STATUSES)[number];

/** PaymentRefundRequest: the subset the adapter sets (required: amount, merchantAccount). */
export type AdyenRefundRequest = {
  merchantAccount: string;
  amount: AdyenAmount;
  /** ≤ 80 characters. */
  reference: string;
};

/** PaymentRefundResponse: `status` is always "received" (checked when mapping); the outcome arrives in a REFUND notification. */
export const AdyenRefundResponse = z.looseObject({
  pspReference: Id,
  status: z.string().max(64),
  amount: AdyenAmountSchema,
});
export type AdyenRefundResponse = z.output<typeof AdyenRefundResponse>;

/** A field of the wrong type is left out rather than failing the whole description of an error. */
const lenientString = z.string().max(1000).optional().catch(undefined);

/** ServiceError: only describes a failure, so each field is read on its own. */
export const AdyenServiceError = z.looseObject({ errorCode: lenientString, message: lenientString, errorType: lenientString });
export type AdyenServiceError = z.output<typeof AdyenServiceError>;

/** Adyen's documented maxima are lower (pspReference 16, merchantReference 80); these bound what we store. */
export const AdyenNotificationItem = z.looseObject({
  eventCode: z.string().max(64),
  success: z.enum(['true', 'false']),
  pspReference: z.string().max(64),
  originalReference: z.string().max(64).optional(),
  merchantAccountCode: z.string().max(255),
  merchantReference: z.string().max(255),
  amount: AdyenAmountSchema,
  eventDate: z.string().max(64).nullish(),
  // Every item carries additionalData (hmacSignature lives there). The signature is checked by verification,
  // which rejects one that is missing or not a string as a signature mismatch.
  additionalData: z.looseObject({ checkoutSessionId: z.string().max(MAX_EVENT_ID_LENGTH).nullish() }),
});
/** One NotificationRequestItem of a standard notification (string booleans; amounts in Adyen minor units). */
export type AdyenNotificationItem = z.output<typeof AdyenNotificationItem>;

/** The batch envelope; each item is parsed on its own, in order, so the first bad item decides the rejection. */
export const AdyenNotificationRequest = z.looseObject({
  notificationItems: z.array(z.unknown()).min(1),
});

/** { NotificationRequestItem: item } around each item of the batch. */
export const AdyenNotificationWrapper = z.looseObject({ NotificationRequestItem: AdyenNotificationItem });
