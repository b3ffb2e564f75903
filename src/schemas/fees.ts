import { z } from '@hono/zod-openapi';
import { BLOCKCHAINS, CONGESTION_LEVELS } from '../domain/gas';
import { Address, EntityId } from './catalog';
import { Fees } from './payments';

/** Largest amount a quote accepts ($100 000 000): keeps every sum of fees and tax a safe integer. */
export const MAX_QUOTE_AMOUNT = 10_000_000_000;

export const CalculateFeesBody = z
  .object({
    venueId: EntityId,
    amount: z
      .number()
      .int()
      .min(0)
      .max(MAX_QUOTE_AMOUNT)
      .openapi({ description: 'Ticket subtotal of the order in minor units (cents)', example: 10_000 }),
    ticketCount: z.number().int().min(1).max(100).openapi({ description: 'Number of tickets (gas is estimated per ticket)', example: 2 }),
    customerAddress: Address.optional().openapi({
      description: 'Accepted and ignored: tickets are taxed where the event happens, so only the venue address decides the tax',
    }),
  })
  .openapi('CalculateFeesRequest');
export type CalculateFeesBody = z.infer<typeof CalculateFeesBody>;

export const OptionalIdempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ description: 'Accepted and ignored: the quote has no side effects, so there is nothing to make idempotent' }),
});

export const ChainGasEstimate = z
  .object({
    blockchain: z.enum(BLOCKCHAINS),
    estimatedFee: z.string().openapi({
      description: 'Native-token amount per ticket mint as a decimal string (a string, to keep it out of floating point)',
      example: '0.002',
    }),
    feeInUsd: z.string().openapi({ description: 'US dollars per ticket mint, 6 decimal places', example: '0.000375' }),
    feeInUsdMinor: z.number().int().openapi({ description: 'US cents per ticket mint, rounded half up', example: 0 }),
    congestionLevel: z.enum(CONGESTION_LEVELS),
  })
  .openapi('ChainGasEstimate');

export const CalculateFeesResponse = z
  .object({
    fees: Fees,
    gasEstimates: z.object({ solana: ChainGasEstimate.nullable(), polygon: ChainGasEstimate.nullable() }).openapi({
      description:
        "What minting one ticket costs the platform now, from each chain's fee market (reused up to 60 s) at the configured coin price; null for a chain not configured or not answering. The charged gas is fees.gasEstimate (50 per ticket)",
    }),
    recommendedBlockchain: z
      .enum(BLOCKCHAINS)
      .nullable()
      .openapi({ description: 'The chain on which minting costs least now; null when no chain could be quoted' }),
    total: z.number().int().openapi({ description: 'Same as fees.total: what the buyer would be charged' }),
  })
  .openapi('CalculateFeesResponse');
export type CalculateFeesResponse = z.infer<typeof CalculateFeesResponse>;
