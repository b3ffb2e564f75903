/**
 * Informational NFT-mint gas estimates per chain (the fee quote's `gasEstimates`).
 *
 * edgepay has no chain access, so these are a static, documented table rather than live quotes:
 * - `estimatedFee` is the native-token amount per ticket mint as a decimal STRING ("0.002" SOL).
 *   A string, not a number, keeps a crypto amount out of binary floating point.
 * - `feeInUsdMinor` is the same cost in whole US cents per ticket mint (an integer, not
 *   dollars as a float). Solana 0.002 SOL ≈ $0.05 → 5; Polygon 0.01 MATIC ≈ $0.005 → rounded half up
 *   to whole cents → 1.
 * - `congestionLevel` is a fixed value per chain.
 *
 * What the buyer is charged for gas is fees.ts's GAS_ESTIMATE_PER_TICKET (50 per ticket), never
 * these numbers: they only tell the client which chain is currently cheaper to mint on.
 */
import type { Minor } from './money';
import { minor, mulMinor } from './money';

export const BLOCKCHAINS = ['solana', 'polygon'] as const;
export type Blockchain = (typeof BLOCKCHAINS)[number];

export const CONGESTION_LEVELS = ['low', 'medium', 'high'] as const;
export type CongestionLevel = (typeof CONGESTION_LEVELS)[number];

export interface ChainGasEstimate {
  readonly blockchain: Blockchain;
  /** Native-token amount per ticket mint, as a decimal string. */
  readonly estimatedFee: string;
  /** US cents per ticket mint. */
  readonly feeInUsdMinor: Minor;
  readonly congestionLevel: CongestionLevel;
}

export const STATIC_GAS_ESTIMATES: Readonly<Record<Blockchain, ChainGasEstimate>> = {
  solana: { blockchain: 'solana', estimatedFee: '0.002', feeInUsdMinor: minor(5), congestionLevel: 'low' },
  polygon: { blockchain: 'polygon', estimatedFee: '0.01', feeInUsdMinor: minor(1), congestionLevel: 'medium' },
};

/** Cost in US cents of minting `ticketCount` tickets on `estimate`'s chain. */
export function mintCostUsdMinor(estimate: ChainGasEstimate, ticketCount: number): Minor {
  if (!Number.isSafeInteger(ticketCount) || ticketCount < 1)
    throw new RangeError(`ticketCount must be a positive integer, got ${ticketCount}`);
  return mulMinor(estimate.feeInUsdMinor, ticketCount);
}

/**
 * The chain with the lowest mint cost for `ticketCount` tickets; a tie goes to the chain listed
 * first in BLOCKCHAINS, so the answer is deterministic.
 */
export function recommendBlockchain(
  ticketCount: number,
  estimates: Readonly<Record<Blockchain, ChainGasEstimate>> = STATIC_GAS_ESTIMATES,
): Blockchain {
  let best: Blockchain = BLOCKCHAINS[0];
  for (const chain of BLOCKCHAINS) {
    if (mintCostUsdMinor(estimates[chain], ticketCount) < mintCostUsdMinor(estimates[best], ticketCount)) best = chain;
  }
  return best;
}
