import { z } from '@hono/zod-openapi';
import { Address, EntityId } from './catalog';
import { PaymentStatus } from './payments';

/** OpenAPI security requirement of the internal routes (scheme registered in app.ts). */
export const INTERNAL_HMAC = [{ internalHmac: [] }];

/** Largest taxable amount accepted ($100 000 000): keeps every tax sum a safe integer. */
export const MAX_TAXABLE_AMOUNT = 10_000_000_000;

/** Documents the two headers signed with the body; the middleware checks them before validation runs. */
export const InternalServiceHeaders = z.object({
  'x-internal-service': z
    .string()
    .openapi({ description: 'Calling service; must be in INTERNAL_ALLOWED_SERVICES', example: 'order-service' }),
  'x-internal-timestamp': z.string().openapi({ description: 'Unix seconds, within ±300 s of now', example: '1767225600' }),
});

export const CalculateTaxBody = z
  .object({
    amount: z
      .number()
      .int()
      .min(0)
      .max(MAX_TAXABLE_AMOUNT)
      .openapi({ description: 'Taxable amount in minor units (cents)', example: 10_000 }),
    venueAddress: Address.openapi({ description: 'Where the event happens: decides the tax (state code or full name)' }),
    customerAddress: Address.optional().openapi({ description: 'Accepted and not used: tickets are taxed at the venue' }),
  })
  .openapi('CalculateTaxRequest');
export type CalculateTaxBody = z.infer<typeof CalculateTaxBody>;

export const TaxComponentView = z
  .object({
    name: z.string().openapi({ example: 'Tennessee Sales Tax' }),
    rate: z.number().openapi({ description: 'Percent, for display (7 = 7 %); amounts are computed in basis points', example: 7 }),
    amount: z.number().int().openapi({ description: 'Minor units, rounded half up per component', example: 700 }),
  })
  .openapi('TaxComponent');

export const CalculateTaxResponse = z
  .object({
    taxableAmount: z.number().int(),
    stateTax: z.number().int(),
    localTax: z.number().int(),
    specialTax: z.number().int().openapi({ description: 'Entertainment (amusement) tax' }),
    totalTax: z.number().int().openapi({ description: 'stateTax + localTax + specialTax' }),
    breakdown: z.object({
      state: TaxComponentView,
      local: TaxComponentView.optional().openapi({ description: 'Present when the city levies a local tax' }),
      special: TaxComponentView.optional().openapi({ description: 'Present when the city levies an entertainment tax' }),
    }),
  })
  .openapi('CalculateTaxResponse');
export type CalculateTaxResponse = z.infer<typeof CalculateTaxResponse>;

export const PaymentCompleteBody = z
  .object({
    orderId: EntityId.openapi({
      description: 'The order service’s order id (echoed back)',
      example: '5b7c9f1e-2d4a-4e8b-9c3f-1a2b3c4d5e6f',
    }),
    paymentId: z.uuid().openapi({ description: 'edgepay transaction id (transaction.id of POST /api/v1/payments/process)' }),
    tenantId: z
      .string()
      .min(1)
      .max(200)
      .openapi({
        description:
          'Tenant that owns the payment. Internal callers carry no JWT, so the body must name the tenant; ' +
          'a payment of another tenant answers 404 like an unknown one.',
      }),
  })
  .openapi('PaymentCompleteRequest');
export type PaymentCompleteBody = z.infer<typeof PaymentCompleteBody>;

export const PaymentCompleteResponse = z
  .object({
    success: z.literal(true),
    orderId: z.string(),
    paymentId: z.string(),
    transaction: z.object({
      id: z.string(),
      amount: z.number().int().openapi({ description: 'Total charged, minor units' }),
      currency: z.string(),
      status: PaymentStatus,
      stripePaymentIntentId: z.string().nullable(),
    }),
  })
  .openapi('PaymentCompleteResponse');
export type PaymentCompleteResponse = z.infer<typeof PaymentCompleteResponse>;
