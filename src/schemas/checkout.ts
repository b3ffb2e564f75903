import { z } from '@hono/zod-openapi';
import { CHECKOUT_STATUSES } from '../psp/checkout';
import { PSP_PROVIDERS as CHECKOUT_PROVIDERS, type CheckoutCurrency, PSP_DESCRIPTORS, pspDescriptor } from '../psp/registry';

/** Every currency some provider takes (each descriptor lists its own), MNT for QPay (whole tugrik) among them. */
export const SUPPORTED_CHECKOUT_CURRENCIES = [...new Set(PSP_DESCRIPTORS.flatMap((d) => d.currencies))] as [
  CheckoutCurrency,
  ...CheckoutCurrency[],
];

/** Why a provider does not take a currency, in the provider's terms; null when it does. */
function currencyRefusal(provider: (typeof CHECKOUT_PROVIDERS)[number], currency: CheckoutCurrency): string | null {
  const descriptor = pspDescriptor(provider);
  if (descriptor.currencies.includes(currency)) return null;
  const takers = PSP_DESCRIPTORS.filter((d) => (d.currencies as readonly string[]).includes(currency));
  if (takers.length === 1 && takers[0]) return `${currency} is supported with ${takers[0].name} only`;
  if (descriptor.currencies.length === 1) return `${descriptor.name} accepts ${descriptor.currencies[0]} only`;
  return `${descriptor.name} does not accept ${currency}`;
}
/** Largest psp_config metadata: 2 KB, measured as the UTF-8 bytes of its JSON. */
export const MAX_METADATA_BYTES = 2048;

const HttpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048);

export const CheckoutMetadata = z
  .record(z.string().min(1).max(40), z.union([z.string().max(500), z.number(), z.boolean()]))
  .superRefine((value, ctx) => {
    if (new TextEncoder().encode(JSON.stringify(value)).length > MAX_METADATA_BYTES) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` });
      return;
    }
    for (const key of ['success_url', 'cancel_url'] as const) {
      if (value[key] === undefined) continue;
      const parsed = HttpsUrl.safeParse(value[key]);
      if (!parsed.success) ctx.addIssue({ code: 'custom', path: [key], message: 'must be an https URL' });
    }
    if (value.customer_email !== undefined && !z.email().safeParse(value.customer_email).success) {
      ctx.addIssue({ code: 'custom', path: ['customer_email'], message: 'must be an email address' });
    }
  })
  .openapi({
    description: `String, number or boolean values, at most ${MAX_METADATA_BYTES} bytes as JSON. success_url and cancel_url (https) are where the payer returns; customer_email pre-fills the payer's email.`,
    example: {
      order_id: 'order_789',
      customer_email: 'alice@example.com',
      success_url: 'https://merchant.com/success',
      cancel_url: 'https://merchant.com/cancel',
    },
  });

export const PspConfig = z
  .object({
    psp: z.enum(CHECKOUT_PROVIDERS, { error: `must be one of ${CHECKOUT_PROVIDERS.join(', ')}` }),
    psp_merchant_id: z.string().trim().min(1).max(255).openapi({
      description:
        'Stripe connected account (acct_…), Adyen merchant account, Square location id, MercadoPago collector id, PayPal payee merchant id, Tilopay merchant, QPay branch',
    }),
    currency: z
      .string()
      .transform((s) => s.trim().toUpperCase())
      .pipe(z.enum(SUPPORTED_CHECKOUT_CURRENCIES, { error: `must be one of ${SUPPORTED_CHECKOUT_CURRENCIES.join(', ')}` })),
    merchant_id: z.string().trim().min(1).max(255).optional(),
    metadata: CheckoutMetadata.optional(),
  })
  .superRefine((c, ctx) => {
    // Each provider takes its descriptor's currencies (MNT exists for QPay, which takes nothing else).
    const refusal = currencyRefusal(c.psp, c.currency);
    if (refusal) ctx.addIssue({ code: 'custom', path: ['currency'], message: refusal });
  })
  .openapi('PspConfig');
export type PspConfig = z.output<typeof PspConfig>;

export const CreateCheckoutSessionBody = z
  .object({
    amount: z.number().int().positive().max(99_999_999_999).openapi({ description: 'Minor units of psp_config.currency', example: 4999 }),
    description: z.string().trim().min(1).max(255).optional(),
    psp_config: PspConfig,
  })
  .openapi('CreateCheckoutSessionBody');
export type CreateCheckoutSessionBody = z.output<typeof CreateCheckoutSessionBody>;

export const CheckoutRefundView = z
  .object({
    refund_id: z.string(),
    amount: z.number().int(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    provider_refund_id: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('CheckoutRefund');

export const CheckoutSessionResponse = z
  .object({
    provider: z.enum(CHECKOUT_PROVIDERS),
    session_id: z.string().openapi({ example: 'cko3f6c1b2a9d8e7f6a5b4c3d2e1f0a9b8c' }),
    checkout_url: z.string(),
    status: z.enum(CHECKOUT_STATUSES),
    expires_at: z.string().nullable().openapi({ format: 'date-time' }),
    provider_session_id: z.string().openapi({ description: "The provider's id of the checkout object (cs_…, order id, invoice id, …)" }),
    amount: z.number().int(),
    currency: z.string(),
    amount_paid: z.number().int(),
    amount_refunded: z.number().int(),
    merchant_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    refunds: z.array(CheckoutRefundView),
  })
  .openapi('CheckoutSession');

export const CheckoutSessionIdParam = z.object({
  sessionId: z
    .string()
    .regex(/^cko[0-9a-f]{32}$/, 'must be a session_id returned by POST /v1/checkout-sessions')
    .openapi({ param: { name: 'sessionId', in: 'path' } }),
});

export const CheckoutRefundBody = z
  .object({ amount: z.number().int().positive().optional().openapi({ description: 'Minor units; omitted → everything still refundable' }) })
  .openapi('CheckoutRefundBody');

export const OptionalIdempotencyKeyHeader = z.object({
  'idempotency-key': z
    .uuid({ version: 'v4', error: 'must be a UUID v4' })
    .optional()
    .openapi({ description: 'Optional UUID v4: a retried create with the same key and body returns the same session.' }),
});

// ---- QPay -------------------------------------------------------------------------------------

export const CreateQpaySessionBody = z
  .object({
    amount: z
      .number()
      .int()
      .positive()
      .max(99_999_999_999)
      .refine((n) => n % 100 === 0, 'QPay takes whole tugrik: amount (minor units of MNT) must be a multiple of 100')
      .openapi({ description: 'Minor units of MNT; 10000 = ₮100', example: 10000 }),
    description: z.string().trim().min(1).max(255).optional(),
    orderId: z
      .string()
      .trim()
      .min(1)
      .max(45)
      .optional()
      .openapi({ description: 'Your order id: the same orderId returns the same invoice' }),
  })
  .openapi('CreateQpaySessionBody');

export const QpayInvoiceResponse = z
  .object({
    invoice_id: z.string(),
    qr_text: z.string(),
    qr_image: z.string().openapi({ description: 'Base64 PNG without a data: prefix, as QPay returns it' }),
    short_url: z.string(),
    urls: z.array(z.object({ name: z.string(), description: z.string(), logo: z.string(), link: z.string() }).partial()),
    session_id: z.string(),
    status: z.enum(CHECKOUT_STATUSES),
    expires_at: z.string().nullable(),
  })
  .openapi('QpayInvoice');

export const QpayInvoiceIdParam = z.object({
  invoiceId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/, 'must be a QPay invoice id')
    .openapi({ param: { name: 'invoiceId', in: 'path' } }),
});

export const QpayPaymentStatusResponse = z
  .object({
    invoice_id: z.string(),
    session_id: z.string(),
    paid: z.boolean(),
    status: z.enum(CHECKOUT_STATUSES),
    amount: z.number().int(),
    currency: z.literal('MNT'),
    payments: z.array(z.object({ payment_id: z.string(), amount: z.number().int(), currency: z.string(), status: z.string() })),
  })
  .openapi('QpayPaymentStatus');
