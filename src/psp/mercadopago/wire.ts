import { z } from 'zod';

/**
 * MercadoPago wire shapes (official Node SDK types). What we send stays plain types; what we read (API
 * answers, error bodies, the notification body) is a zod schema, parsed with safeParse so another shape is a
 * value (an unexpected response, a malformed notification), never a crash or a wrong type let through. Only
 * the fields the mappings read are checked; others pass through. Money is a JSON number of major units.
 */
export type MercadoPagoItem = { id: string; title: string; quantity: number; unit_price: number; currency_id: string };

/** POST /checkout/preferences body (the fields the adapter sets). */
export type MercadoPagoPreferenceRequest = {
  items: MercadoPagoItem[];
  back_urls: { success: string; failure: string; pending: string };
  auto_return: 'approved';
  external_reference: string;
  notification_url: string;
  expires: true;
  /** ISO 8601 with an offset, e.g. 2026-02-01T12:00:00.000+00:00. */
  expiration_date_to: string;
  metadata: Record<string, string>;
  payer?: { email: string };
};

/** Payment and refund ids are numbers at MercadoPago; an id-like string is read as well. */
const NumericId = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]);
/** Major units; whether the value is exact in the currency is checked where it is converted. */
const Amount = z.number();

/** POST and GET /checkout/preferences answers. Which init point must be present depends on the credentials. */
export const MercadoPagoPreference = z.looseObject({
  id: z.string().min(1),
  init_point: z.string().nullish(),
  sandbox_init_point: z.string().nullish(),
  external_reference: z.string().nullish(),
  expires: z.boolean().nullish(),
  expiration_date_to: z.string().nullish(),
});
export type MercadoPagoPreference = z.output<typeof MercadoPagoPreference>;

export const MERCADOPAGO_PAYMENT_STATUSES = [
  'pending',
  'approved',
  'authorized',
  'in_process',
  'in_mediation',
  'rejected',
  'cancelled',
  'refunded',
  'charged_back',
] as const;
export type MercadoPagoPaymentStatus = (typeof MERCADOPAGO_PAYMENT_STATUSES)[number];

/** GET /v1/payments/{id} (the fields the adapter reads). A status added after this code is not readable. */
export const MercadoPagoPayment = z.looseObject({
  id: NumericId,
  status: z.enum(MERCADOPAGO_PAYMENT_STATUSES),
  status_detail: z.string().nullish(),
  transaction_amount: Amount,
  transaction_amount_refunded: Amount.nullish(),
  currency_id: z.string().min(1).max(16),
  external_reference: z.string().nullish(),
});
export type MercadoPagoPayment = z.output<typeof MercadoPagoPayment>;

export const MERCADOPAGO_REFUND_STATUSES = ['approved', 'in_process', 'rejected'] as const;
export type MercadoPagoRefundStatus = (typeof MERCADOPAGO_REFUND_STATUSES)[number];

/** POST /v1/payments/{id}/refunds and GET /v1/payments/{id}/refunds/{refund_id} answers. */
export const MercadoPagoRefund = z.looseObject({
  id: NumericId,
  payment_id: NumericId.nullish(),
  amount: Amount,
  status: z.enum(MERCADOPAGO_REFUND_STATUSES),
});
export type MercadoPagoRefund = z.output<typeof MercadoPagoRefund>;

/**
 * Error body: { message, error, status, cause: [{ code, description }] }. It only words a failure that is
 * already one, so each field of another type is dropped (`catch`) rather than failing the whole body.
 */
export const MercadoPagoErrorBody = z.looseObject({
  message: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
  cause: z.array(z.unknown()).optional().catch(undefined),
});
export const MercadoPagoErrorCause = z.looseObject({
  code: z.union([z.string(), z.number()]).nullish().catch(undefined),
  description: z.string().nullish().catch(undefined),
});

/**
 * Webhook body (the payment is only named: read it with GET /v1/payments/{data.id}). `data.id` may be null
 * here: like any body id, it is compared with the signed query id (when there is one) and refused if it differs.
 */
export const MercadoPagoWebhookBody = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  type: z.string().nullish(),
  date_created: z.string().nullish(),
  action: z.string().nullish(),
  data: z.looseObject({ id: z.union([z.string(), z.number()]).nullish() }).optional(),
});
export type MercadoPagoWebhookBody = z.output<typeof MercadoPagoWebhookBody>;
