/**
 * NFT-mint gas estimates per chain (the fee quote's `gasEstimates`), from what a chain's fee oracle says
 * minting one ticket costs now in its smallest native unit (wei, lamports) and a configured price per
 * whole coin in US cents. Native amounts are bigint and rendered as decimal strings, so no crypto amount
 * passes through binary floating point.
 *
 * What the buyer is charged for gas is fees.ts's GAS_ESTIMATE_PER_TICKET (50 per ticket), never these
 * numbers: they tell the client what minting costs the platform on each chain and which is cheaper now.
 */
import type { Minor } from './money';
import { minor } from './money';

export const BLOCKCHAINS = ['solana', 'polygon'] as const;
export type Blockchain = (typeof BLOCKCHAINS)[number];

export const CONGESTION_LEVELS = ['low', 'medium', 'high'] as const;
export type CongestionLevel = (typeof CONGESTION_LEVELS)[number];

/** Decimals of each chain's native coin: POL has 18 (wei), SOL has 9 (lamports). */
export const NATIVE_DECIMALS: Readonly<Record<Blockchain, number>> = { polygon: 18, solana: 9 };

/** US cents per whole native coin. */
export type CoinPrices = Readonly<Record<Blockchain, number>>;
export const DEFAULT_COIN_PRICES: CoinPrices = { polygon: 25, solana: 15_000 };

/** "polygon=25,solana=15000" → prices; an empty setting is the defaults, a chain left out keeps its default. */
export function parseCoinPrices(text: string | undefined): CoinPrices {
  const prices: Record<Blockchain, number> = { ...DEFAULT_COIN_PRICES };
  for (const part of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [chain, value] = part.split('=').map((p) => p.trim());
    if (!BLOCKCHAINS.includes(chain as Blockchain)) throw new Error(`unknown chain "${chain}" (expected ${BLOCKCHAINS.join(' or ')})`);
    const cents = Number(value);
    if (!Number.isSafeInteger(cents) || cents < 1) throw new Error(`the price of ${chain} must be a whole number of US cents ≥ 1`);
    prices[chain as Blockchain] = cents;
  }
  return prices;
}

/** What one chain's fee oracle reported: the cost of one ticket in a full batch, smallest native unit. */
export interface ChainFeeQuote {
  readonly chain: Blockchain;
  readonly perTicket: bigint;
  readonly congestion: CongestionLevel;
}

export interface ChainGasEstimate {
  readonly blockchain: Blockchain;
  /** Native-coin amount per ticket mint, as a decimal string. */
  readonly estimatedFee: string;
  /** The same in US dollars, as a decimal string with 6 places (a mint can cost far less than a cent). */
  readonly feeInUsd: string;
  /** US cents per ticket mint, rounded half up. */
  readonly feeInUsdMinor: Minor;
  readonly congestionLevel: CongestionLevel;
}

/** `amount` units with `decimals` places as a plain decimal string without trailing zeros ("0.0021"). */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Millionths of a US dollar that `amount` smallest units cost at `centsPerCoin`, rounded half up. */
export function usdMicrosOf(amount: bigint, decimals: number, centsPerCoin: number): bigint {
  const numerator = amount * BigInt(centsPerCoin) * 10_000n;
  const denominator = 10n ** BigInt(decimals);
  return (numerator * 2n + denominator) / (denominator * 2n);
}

export function gasEstimateOf(quote: ChainFeeQuote, prices: CoinPrices): ChainGasEstimate {
  const micros = usdMicrosOf(quote.perTicket, NATIVE_DECIMALS[quote.chain], prices[quote.chain]);
  return {
    blockchain: quote.chain,
    estimatedFee: formatUnits(quote.perTicket, NATIVE_DECIMALS[quote.chain]),
    feeInUsd: `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`,
    feeInUsdMinor: minor(Number((micros + 5_000n) / 10_000n)),
    congestionLevel: quote.congestion,
  };
}

/**
 * The chain on which minting costs least now (compared in exact dollar millionths, not rounded cents); a tie
 * goes to the chain listed first in BLOCKCHAINS. Null when no chain could be quoted.
 */
export function recommendBlockchain(quotes: readonly ChainFeeQuote[], prices: CoinPrices): Blockchain | null {
  let best: { chain: Blockchain; micros: bigint } | null = null;
  for (const chain of BLOCKCHAINS) {
    const quote = quotes.find((q) => q.chain === chain);
    if (!quote) continue;
    const micros = usdMicrosOf(quote.perTicket, NATIVE_DECIMALS[chain], prices[chain]);
    if (!best || micros < best.micros) best = { chain, micros };
  }
  return best?.chain ?? null;
}
