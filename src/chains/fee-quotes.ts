import type { ChainFeeQuote } from '../domain/gas';
import type { Config } from '../env';
import { TIMED_OUT, within } from '../lib/within';
import { chainAdapter, configuredChains } from './registry';
import type { Chain } from './types';

/** A quote that takes longer is left out of this answer: the fee quote must not wait on a slow chain. */
const QUOTE_TIMEOUT_MS = 2_000;

/**
 * Each chain's last fee quote, per isolate, reused for `quoteTtlMs` (at most 60 s). Every caller reads the
 * chain itself when the cache is stale rather than awaiting another request's read: the runtime does not let
 * a request wait on a promise that belongs to another request.
 */
const cache = new Map<Chain, { quote: ChainFeeQuote; at: number }>();

async function quoteOf(chains: Config['chains'], chain: Chain): Promise<ChainFeeQuote | null> {
  const cached = cache.get(chain);
  if (cached && Date.now() - cached.at < chains.quoteTtlMs) return cached.quote;
  const adapter = chainAdapter(chains, chain);
  if (!adapter) return null;
  try {
    const fee = await within(adapter.feeQuote(), QUOTE_TIMEOUT_MS);
    if (fee === TIMED_OUT) return null;
    const quote: ChainFeeQuote = { chain, perTicket: fee.perTicket, congestion: fee.congestion };
    cache.set(chain, { quote, at: Date.now() });
    return quote;
  } catch {
    return null;
  }
}

/** Live quotes of every configured chain that answered in time. */
export async function currentFeeQuotes(chains: Config['chains']): Promise<ChainFeeQuote[]> {
  const quotes = await Promise.all(configuredChains(chains).map((chain) => quoteOf(chains, chain)));
  return quotes.filter((q): q is ChainFeeQuote => q !== null);
}
