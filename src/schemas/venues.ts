import { z } from '@hono/zod-openapi';

export const VenueBalance = z
  .object({
    balance: z.object({
      available: z.number().int().openapi({ description: 'Minor units released for payout (events ended plus the settlement delay)' }),
      pending: z.number().int().openapi({ description: 'Minor units of events not yet settled' }),
      reserved: z.number().int().openapi({ description: "Held for chargebacks: reserveBps of the trailing 30 days' sales" }),
      currency: z.string(),
    }),
    payoutInfo: z.object({
      available: z.number().int(),
      reserved: z.number().int(),
      payable: z.number().int().openapi({ description: 'available − reserved, never below 0' }),
    }),
  })
  .openapi('VenueBalance');

const Amounts = z.object({ pending: z.number().int(), available: z.number().int() });

export const BalanceCheck = z
  .object({
    allMatch: z.boolean(),
    venues: z.array(z.object({ venueId: z.string(), object: Amounts, ledger: Amounts, matches: z.boolean() })),
  })
  .openapi('VenueBalanceCheck');

export const PayoutBody = z
  .object({
    amount: z
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .openapi({ description: 'Minor units taken from the payable balance', example: 45000 }),
    instant: z
      .boolean()
      .default(false)
      .openapi({ description: 'Instant (1 % fee to the platform, about 30 minutes) or standard (free, 1-2 business days)' }),
  })
  .strict()
  .openapi('PayoutBody');
export type PayoutBody = z.infer<typeof PayoutBody>;

export const Payout = z
  .object({
    id: z.string(),
    venueId: z.string(),
    amount: z.number().int().openapi({ description: 'Taken from the balance' }),
    fee: z.number().int().openapi({ description: "Instant payouts: 1 % of amount, the platform's" }),
    netAmount: z.number().int().openapi({ description: "What reaches the venue's bank" }),
    currency: z.string(),
    type: z.enum(['standard', 'instant']),
    status: z.enum(['pending', 'in_transit', 'paid', 'failed']),
    estimatedArrival: z.string(),
    stripePayoutId: z.string().nullable(),
    failureCode: z.string().nullable(),
    failureMessage: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    paidAt: z.string().nullable(),
    failedAt: z.string().nullable(),
  })
  .openapi('Payout');

export const PayoutResponse = z
  .object({
    success: z.literal(true),
    message: z.string(),
    amount: z.number().int(),
    type: z.enum(['standard', 'instant']),
    estimatedArrival: z.string(),
    payout: Payout,
  })
  .openapi('PayoutResponse');

export const PayoutList = z.object({ payouts: z.array(Payout), nextCursor: z.string().nullable() }).openapi('PayoutList');

export const PayoutListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^\d{1,15}\.vpo_[0-9a-f]{32}$/, 'a cursor from nextCursor')
    .optional(),
});
