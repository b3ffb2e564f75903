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
