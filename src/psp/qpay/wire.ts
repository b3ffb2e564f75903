import { z } from 'zod';

/**
 * QPay merchant API v2 wire shapes: the requests we send as types, and every answer we read as a zod
 * schema, so another shape is a value (an unexpected response, a refused token), never a crash. Only the
 * fields the mappings read are checked; others pass through. The ids, statuses and amounts the flow needs
 * must have their type; an optional detail of another type (`lenient`) reads as absent instead of refusing
 * the whole answer.
 * Money: requests carry whole tugrik as a JSON number; answers mix strings (`total_amount: "10.00"`) and
 * numbers (`gross_amount`, `paid_amount`), turned into minor units by the mappings, which refuse inexact ones.
 */
const Text = z.string().min(1);
/** An optional field read only when it has the type we expect. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
/** Tugrik as QPay writes it: "10.00" or 10. */
const Amount = z.union([z.string(), z.number()]);

// ---- requests ------------------------------------------------------------------------------------

export type QpayInvoiceRequest = {
  invoice_code: string;
  sender_invoice_no: string;
  invoice_receiver_code: string;
  invoice_description: string;
  amount: number;
  callback_url: string;
  enable_expiry: boolean;
  expiry_date: string;
};

export type QpayCheckRequest = {
  object_type: 'INVOICE';
  object_id: string;
  offset: { page_number: number; page_limit: number };
};

export type QpayRefundRequest = { callback_url?: string; note?: string };

// ---- answers -------------------------------------------------------------------------------------

/**
 * POST /v2/auth/token and /v2/auth/refresh. `expires_in` is either a lifetime in seconds or an absolute
 * Unix time (see token-expiry); a negative one is unreadable either way. `token_type` is not read.
 */
export const QpayTokenResponse = z.looseObject({
  access_token: Text,
  expires_in: z.number().nonnegative(),
  refresh_token: lenient(Text),
  refresh_expires_in: lenient(z.number().nonnegative()),
});
export type QpayTokenResponse = z.output<typeof QpayTokenResponse>;

/** POST /v2/invoice. `urls` entries that are not objects are dropped by the mapping. */
export const QpayInvoiceCreated = z.looseObject({
  invoice_id: Text,
  qPay_shortUrl: Text,
  qr_text: lenient(z.string()),
  qr_image: lenient(z.string()),
  urls: lenient(z.array(z.unknown())),
});
export type QpayInvoiceCreated = z.output<typeof QpayInvoiceCreated>;

/** GET /v2/invoice/{id}: the amount is `total_amount`, or `gross_amount` when that is absent. */
export const QpayInvoice = z.looseObject({
  invoice_id: Text,
  invoice_status: Text,
  sender_invoice_no: lenient(Text),
  total_amount: Amount.nullish(),
  gross_amount: Amount.nullish(),
  enable_expiry: lenient(z.boolean()),
  expiry_date: lenient(Text),
});
export type QpayInvoice = z.output<typeof QpayInvoice>;

/** Row statuses: NEW/PAID/FAILED/REFUNDED (qpay-go), PENDING (qpay-sdk docs). Only PAID is confirmed live. */
export const QPAY_PAYMENT_STATUSES = ['NEW', 'PENDING', 'PAID', 'FAILED', 'REFUNDED'] as const;
export type QpayPaymentStatus = (typeof QPAY_PAYMENT_STATUSES)[number];

/** One payment of POST /v2/payment/check; a currency, when given, is checked by the mapping. */
export const QpayPaymentRow = z.looseObject({
  payment_id: z.union([z.string(), z.number()]).nullish(),
  payment_status: z.enum(QPAY_PAYMENT_STATUSES),
  payment_amount: Amount,
  payment_currency: z.string().optional(),
});
export type QpayPaymentRow = z.output<typeof QpayPaymentRow>;

/** POST /v2/payment/check: `paid_amount` is absent while nothing is paid; `count` is not read. */
export const QpayPaymentCheck = z.looseObject({
  paid_amount: Amount.nullish(),
  rows: z.array(QpayPaymentRow),
});
export type QpayPaymentCheck = z.output<typeof QpayPaymentCheck>;

/** An error answer `{ error | error_code, message }`; bodies of another shape (an HTML page) are described by status only. */
export const QpayErrorBody = z.looseObject({
  error_code: lenient(z.string().nullable()),
  error: lenient(z.string().nullable()),
  message: lenient(z.string()),
});
