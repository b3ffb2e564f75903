import { type Address, type Base64EncodedBytes, getBase64Encoder } from '@solana/kit';
import { getMintDecoder, getMintSize, getTokenDecoder, getTokenSize, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import { REFUSALS, type TransferStep } from '../transfers';
import type { MintOutcome, OnChainState } from '../types';

/** Pure mappings from the chain's wire shapes to the queue's: accounts to ticket states, landings to outcomes. */

/** An account as the adapter reads it: who owns it, its balance and its data. */
export type ChainAccount = { readonly owner: Address; readonly lamports: bigint; readonly data: Uint8Array };

/** An account of a getMultipleAccounts answer asked with `encoding: 'base64'` (null: no account there). */
export type RpcAccount = {
  readonly data: readonly [Base64EncodedBytes, 'base64'];
  readonly owner: Address;
  readonly lamports: bigint;
} | null;

export function accountFromRpc(account: RpcAccount): ChainAccount | null {
  if (!account) return null;
  return { owner: account.owner, lamports: account.lamports, data: new Uint8Array(getBase64Encoder().encode(account.data[0])) };
}

export type MintView = { readonly supply: bigint; readonly decimals: number; readonly mintAuthority: Address | null };

/** An SPL Token mint's fields; null when the account is not an initialised mint. */
export function readMint(account: ChainAccount | null): MintView | null {
  if (!account || account.owner !== TOKEN_PROGRAM_ADDRESS || account.data.length !== getMintSize()) return null;
  const mint = getMintDecoder().decode(account.data);
  if (!mint.isInitialized) return null;
  return {
    supply: mint.supply,
    decimals: mint.decimals,
    mintAuthority: mint.mintAuthority.__option === 'Some' ? mint.mintAuthority.value : null,
  };
}

export type TokenAccountView = { readonly mint: Address; readonly owner: Address; readonly amount: bigint };

/** An SPL Token account's fields; null when the account is not a token account. */
export function readTokenAccount(account: ChainAccount | null): TokenAccountView | null {
  if (!account || account.owner !== TOKEN_PROGRAM_ADDRESS || account.data.length !== getTokenSize()) return null;
  const { mint, owner, amount } = getTokenDecoder().decode(account.data);
  return { mint, owner, amount };
}

/**
 * A ticket's state from its mint account and the expected owner's associated token account. A mint account that does
 * not exist (or holds lamports someone sent but was never made a mint) is `absent`; a mint whose supply is 0 is
 * `burned` (the mint transaction creates and fills the mint at once, so supply 0 happens only after a burn). A supply
 * of 1 the expected owner's account does not hold is `elsewhere`: the caller finds the holder.
 */
export function ticketState(
  mintAccount: ChainAccount | null,
  ownerTokenAccount: ChainAccount | null,
  owner: string,
): OnChainState | { readonly state: 'elsewhere' } {
  const mint = readMint(mintAccount);
  if (!mint) return { state: 'absent' };
  if (mint.supply === 0n) return { state: 'burned' };
  const held = readTokenAccount(ownerTokenAccount);
  return held && held.amount > 0n && held.owner === owner ? { state: 'minted', owner } : { state: 'elsewhere' };
}

/**
 * What a resale does with a ticket, from its mint account and the buyer's and the seller's associated token accounts:
 * nothing when the buyer's account holds it, a transfer when the seller's does, else a refusal saying why.
 */
export function transferStep(
  accounts: { mint: ChainAccount | null; seller: ChainAccount | null; buyer: ChainAccount | null },
  seller: string,
  buyer: string,
): TransferStep {
  const mint = readMint(accounts.mint);
  if (!mint) return { kind: 'refused', reason: REFUSALS.absent };
  if (mint.supply === 0n) return { kind: 'refused', reason: REFUSALS.burned };
  const holds = (account: ChainAccount | null, owner: string) => {
    const held = readTokenAccount(account);
    return held !== null && held.amount > 0n && held.owner === owner;
  };
  if (holds(accounts.buyer, buyer)) return { kind: 'done' };
  if (holds(accounts.seller, seller)) return { kind: 'send' };
  return { kind: 'refused', reason: REFUSALS.elsewhere };
}

/** What became of a sent transaction: it landed (err: null when it succeeded), the chain refused it, or it expired unseen. */
export type Landing =
  | { readonly kind: 'landed'; readonly err: unknown }
  | { readonly kind: 'refused'; readonly error: string }
  | { readonly kind: 'expired' };

/** A signed transaction's cost parts, known when it is built. */
export type TransactionCost = {
  readonly signatures: number;
  /** Priority fee: ceil(compute unit price × compute unit limit / 10^6). */
  readonly priorityLamports: bigint;
  /**
   * Rent the fee payer puts into accounts the transaction creates (none for a burn), less the lamports of accounts it
   * closes into the fee payer (a transfer's); below zero when a transfer creates nothing.
   */
  readonly rentLamports: bigint;
};

/**
 * The outcome of one transaction. Its fee (signatures × lamports per signature + priority fee) is charged whenever it
 * lands, failed or not; the rent only when it succeeds (a failed transaction's account changes are undone). A refused
 * or expired transaction never landed and cost nothing.
 */
export function outcomeOf(
  sent: { readonly transactionHash: string; readonly ticketIds: readonly string[]; readonly cost: TransactionCost },
  landing: Landing,
  lamportsPerSignature: bigint,
): MintOutcome {
  const { transactionHash, ticketIds, cost } = sent;
  if (landing.kind === 'refused') return { transactionHash, ticketIds, status: 'reverted', feePaid: 0n, error: landing.error };
  if (landing.kind === 'expired') {
    return { transactionHash, ticketIds, status: 'reverted', feePaid: 0n, error: 'expired: its blockhash expired before it landed' };
  }
  const fee = BigInt(cost.signatures) * lamportsPerSignature + cost.priorityLamports;
  if (landing.err === null || landing.err === undefined)
    return { transactionHash, ticketIds, status: 'confirmed', feePaid: fee + cost.rentLamports };
  return { transactionHash, ticketIds, status: 'reverted', feePaid: fee, error: `failed on chain: ${errorText(landing.err)}` };
}

/** A transaction error as the node wrote it (`"BlockhashNotFound"`, `{"InstructionError":[0,{"Custom":0}]}`), compact. */
function errorText(err: unknown): string {
  return JSON.stringify(err, (_key, value) => (typeof value === 'bigint' ? Number(value) : value)) ?? String(err);
}
