import {
  type Address,
  compileTransactionMessage,
  createTransactionMessage,
  getBase64Decoder,
  getCompiledTransactionMessageEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type TransactionMessageBytesBase64,
} from '@solana/kit';
import { getMintSize, getTokenSize } from '@solana-program/token';
import type { FeeQuote } from '../types';
import { call, type SolanaRpc } from './client';
import { type Lifetime, MINT_UNITS, mintsPerTransaction, priorityLamports, unitsFor } from './transactions';

/**
 * The fee oracle. A ticket costs the minter rent for two new accounts (the mint, 82 bytes, and the owner's token
 * account, 165 bytes; both rent-exempt, so the lamports stay in them), its share of the signature fees (one per mint
 * key plus the fee payer's per transaction) and of the priority fee (compute unit price × units requested).
 *
 * The compute unit price is the median of getRecentPrioritizationFees over the node's recent slots (150 at most).
 * Without account filters a node reports each slot's lowest fee paid, which is 0 in most slots: the median then asks
 * for no priority, which is what an uncongested chain needs. Congestion, from that median in micro-lamports per unit:
 * below 10,000 'low' (a full mint transaction then pays under 1,300 lamports of priority, a few percent of its
 * signature fees), from 1,000,000 'high' (over 120,000 lamports, six times its signature fees), 'medium' between.
 */
export type FeeMarket = {
  readonly lamportsPerSignature: bigint;
  readonly microLamportsPerUnit: bigint;
  readonly mintRent: bigint;
  readonly tokenAccountRent: bigint;
};

const DEFAULT_LAMPORTS_PER_SIGNATURE = 5_000n;
const LOW_BELOW = 10_000n;
const HIGH_FROM = 1_000_000n;

export function median(values: readonly bigint[]): bigint {
  if (!values.length) return 0n;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as bigint) : ((sorted[middle - 1] as bigint) + (sorted[middle] as bigint)) / 2n;
}

export function congestionOf(microLamportsPerUnit: bigint): FeeQuote['congestion'] {
  if (microLamportsPerUnit < LOW_BELOW) return 'low';
  return microLamportsPerUnit < HIGH_FROM ? 'medium' : 'high';
}

/** One ticket's cost within a full transaction of `perTransaction` tickets, each part rounded up. */
export function perTicketLamports(market: FeeMarket, perTransaction: number): bigint {
  const tickets = BigInt(perTransaction);
  const signatures = market.lamportsPerSignature * (tickets + 1n);
  const priority = priorityLamports(market.microLamportsPerUnit, unitsFor(perTransaction, MINT_UNITS));
  const share = (total: bigint) => (total + tickets - 1n) / tickets;
  return market.mintRent + market.tokenAccountRent + share(signatures) + share(priority);
}

/** A message with one signature and no instructions, which getFeeForMessage prices at one signature fee. */
function oneSignatureMessage(feePayer: Address, lifetime: Lifetime): TransactionMessageBytesBase64 {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
  );
  const bytes = getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(message));
  return getBase64Decoder().decode(bytes) as TransactionMessageBytesBase64;
}

export function createFeeOracle(rpc: SolanaRpc, timeoutMs: number) {
  // Rent-exempt minimums change only with a feature gate: kept once read. The values are kept, not the promise:
  // in a Worker, a request must not await a promise that another request's I/O settles.
  let rents: { mintRent: bigint; tokenAccountRent: bigint } | undefined;
  const readRents = async () => {
    if (rents) return rents;
    const [mintRent, tokenAccountRent] = await Promise.all([
      call('getMinimumBalanceForRentExemption', rpc.getMinimumBalanceForRentExemption(BigInt(getMintSize())), timeoutMs),
      call('getMinimumBalanceForRentExemption', rpc.getMinimumBalanceForRentExemption(BigInt(getTokenSize())), timeoutMs),
    ]);
    rents = { mintRent, tokenAccountRent };
    return rents;
  };

  async function market(feePayer: Address, lifetime: Lifetime): Promise<FeeMarket> {
    const [fee, recent, rent] = await Promise.all([
      call('getFeeForMessage', rpc.getFeeForMessage(oneSignatureMessage(feePayer, lifetime)), timeoutMs),
      call('getRecentPrioritizationFees', rpc.getRecentPrioritizationFees(), timeoutMs),
      readRents(),
    ]);
    return {
      // null: the node no longer knows the blockhash; the fee has been 5,000 lamports since genesis.
      lamportsPerSignature: fee.value ?? DEFAULT_LAMPORTS_PER_SIGNATURE,
      microLamportsPerUnit: median(recent.map((slot) => slot.prioritizationFee)),
      ...rent,
    };
  }

  async function quote(feePayer: Address, lifetime: Lifetime): Promise<FeeQuote> {
    const current = await market(feePayer, lifetime);
    return {
      chain: 'solana',
      perTicket: perTicketLamports(current, mintsPerTransaction()),
      decimals: 9,
      congestion: congestionOf(current.microLamportsPerUnit),
    };
  }

  return { market, quote };
}
