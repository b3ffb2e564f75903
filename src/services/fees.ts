import { currentFeeQuotes } from '../chains/fee-quotes';
import { calculateFees, publicFees, resolveVenueTier } from '../domain/fees';
import { gasEstimateOf, recommendBlockchain } from '../domain/gas';
import { calculateTax } from '../domain/tax';
import type { Bindings, Config } from '../env';
import { ValidationError } from '../lib/errors';
import { venueStub } from '../lib/stubs';
import type { CalculateFeesBody, CalculateFeesResponse } from '../schemas/fees';
import { getVenue } from './catalog';

/**
 * The fee quote: what an order at this venue would cost, computed exactly as POST /process computes it
 * (venue tier — explicit or from 30-day volume —, tax at the venue's address, gas per ticket), with what minting
 * a ticket costs now on each configured chain (their fee markets, cached up to a minute).
 * Reads only: nothing is stored, reserved or charged.
 */
export async function quoteFees(env: Bindings, config: Config, tenantId: string, body: CalculateFeesBody): Promise<CalculateFeesResponse> {
  const [venue, volume, quotes] = await Promise.all([
    getVenue(env, tenantId, body.venueId),
    venueStub(env, tenantId, body.venueId).volume30d(),
    currentFeeQuotes(config.chains),
  ]);
  const tax = calculateTax({ amount: body.amount, venueAddress: venue.address, customerAddress: body.customerAddress });
  // The request's own fields are valid; a tax failure here means the stored venue address cannot be taxed.
  if (!tax.ok) throw new ValidationError([{ field: 'venueId', message: `the venue's address cannot be taxed: ${tax.error.message}` }]);
  const fees = calculateFees({
    ticketPrice: body.amount,
    ticketCount: body.ticketCount,
    tier: resolveVenueTier(venue.tier ?? null, volume),
    tax: tax.value,
  });
  const estimateOf = (chain: 'solana' | 'polygon') => {
    const quote = quotes.find((q) => q.chain === chain);
    return quote ? gasEstimateOf(quote, config.chains.coinPriceUsdCents) : null;
  };
  return {
    fees: publicFees(fees),
    gasEstimates: {
      solana: estimateOf('solana'),
      polygon: estimateOf('polygon'),
    },
    recommendedBlockchain: recommendBlockchain(quotes, config.chains.coinPriceUsdCents),
    total: fees.total,
  };
}
