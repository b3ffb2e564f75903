import type { PublicClient } from 'viem';
import type { FeeQuote } from '../types';

/**
 * The fee oracle: what one ticket costs when minted in a full batch, from the recent blocks' fee market
 * (eth_feeHistory), and how congested the chain is.
 */

/**
 * Gas one ticket takes in a mintBatch of 100 tickets to distinct owners holding no ticket yet (each mint writes a new
 * owner slot and a balance slot from zero), the transaction's own cost shared among them. Measured on the compiled
 * contract; test/unit/chains/polygon-fees.test.ts fails when the contract drifts more than 15 % from it.
 */
export const GAS_PER_TICKET_IN_FULL_BATCH = 50_700n;

/** Blocks the oracle looks back over: about 20 s on Polygon PoS. */
export const FEE_HISTORY_BLOCKS = 10;
const REWARD_PERCENTILE = 50;

/**
 * Congestion thresholds. Utilization is the window's mean gasUsedRatio: EIP-1559 aims blocks at half full and raises
 * the base fee while they are fuller, so 0.7 means fees are climbing and 0.9 that blocks are full. Rise is the next
 * block's base fee over the window's lowest: 1.1 within ten blocks is a noticeable climb, 1.5 a spike. Either
 * signal reaching a level is enough.
 */
const MEDIUM = { utilization: 0.7, rise: 1.1 };
const HIGH = { utilization: 0.9, rise: 1.5 };

/** The fields of eth_feeHistory the oracle reads (viem's getFeeHistory answer fits). */
export type FeeHistory = {
  /** One per block of the window, then the next block's (derived from the newest). */
  readonly baseFeePerGas: readonly bigint[];
  readonly gasUsedRatio: readonly number[];
  /** Per block, the requested percentiles of the priority fees its transactions paid (zeros for an empty block). */
  readonly reward?: readonly (readonly bigint[])[] | undefined;
};

export type FeeEstimate = FeeQuote & { baseFee: bigint; priorityFee: bigint };

const ascending = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

function median(values: readonly bigint[]): bigint {
  const sorted = [...values].sort(ascending);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as bigint;
  return ((sorted[mid - 1] as bigint) + (sorted[mid] as bigint)) / 2n;
}

/** The priority fee paid in the window: the median of its non-empty blocks' median tips, or null when every block was empty. */
export function priorityFeeOf(history: FeeHistory): bigint | null {
  const tips = (history.reward ?? []).flatMap((reward, i) =>
    (history.gasUsedRatio[i] ?? 0) > 0 && reward[0] !== undefined ? [reward[0]] : [],
  );
  return tips.length > 0 ? median(tips) : null;
}

export function congestionOf(history: FeeHistory): FeeQuote['congestion'] {
  const ratios = history.gasUsedRatio;
  const utilization = ratios.length > 0 ? ratios.reduce((sum, r) => sum + r, 0) / ratios.length : 0;
  const next = history.baseFeePerGas.at(-1) ?? 0n;
  // Math.min takes no bigints.
  const lowest = [...history.baseFeePerGas].sort(ascending)[0] ?? next;
  const rise = lowest > 0n ? Number((next * 1000n) / lowest) / 1000 : 1;
  if (utilization >= HIGH.utilization || rise >= HIGH.rise) return 'high';
  if (utilization >= MEDIUM.utilization || rise >= MEDIUM.rise) return 'medium';
  return 'low';
}

/** The quote from a fee history; `fallbackPriorityFee` stands in when no block of the window carried a transaction. */
export function feeEstimateFrom(history: FeeHistory, fallbackPriorityFee: bigint): FeeEstimate {
  const baseFee = history.baseFeePerGas.at(-1) ?? 0n;
  const priorityFee = priorityFeeOf(history) ?? fallbackPriorityFee;
  return {
    chain: 'polygon',
    perTicket: GAS_PER_TICKET_IN_FULL_BATCH * (baseFee + priorityFee),
    decimals: 18,
    congestion: congestionOf(history),
    baseFee,
    priorityFee,
  };
}

/** Reads the fee market: one eth_feeHistory, plus eth_maxPriorityFeePerGas only when the window's blocks were all empty. */
export async function readFeeEstimate(rpc: PublicClient): Promise<FeeEstimate> {
  const history = await rpc.getFeeHistory({ blockCount: FEE_HISTORY_BLOCKS, rewardPercentiles: [REWARD_PERCENTILE] });
  const fallback = priorityFeeOf(history) === null ? await rpc.estimateMaxPriorityFeePerGas() : 0n;
  return feeEstimateFrom(history, fallback);
}
