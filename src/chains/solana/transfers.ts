import { type Address, address, isAddress, type KeyPairSigner } from '@solana/kit';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import { distinctTransfers, outcomesWithoutTransaction } from '../transfers';
import type { MintOutcome, SignedMint, TransferRequest } from '../types';
import { custodialSigner, ticketMintAddress } from './client';
import type { FeeMarket } from './fees';
import { type Lifetime, type Packed, packTransactions, type SignedTransaction, TRANSFER_UNITS, transferInstructions } from './transactions';
import { type ChainAccount, transferStep } from './transformers';

/**
 * Resales on Solana: the seller's custodial key moves the ticket's one token from its associated token account to the
 * buyer's, the minter paying every fee and the rent of the buyer's new account, and getting back the rent of the
 * seller's account, which the transfer closes (so a resale costs the minter its fees). As many tickets per transaction
 * as fit, each signed by its seller and the minter; see transferInstructions for what one ticket's instructions do.
 */

/** What the adapter lends a transfer: its reads, its minter and fee market, and its signing and sending. */
export type TransferDeps = {
  readonly custodySeed: string;
  readAccounts(addresses: readonly Address[]): Promise<(ChainAccount | null)[]>;
  minter(): Promise<KeyPairSigner>;
  latestLifetime(): Promise<Lifetime>;
  market(feePayer: Address, lifetime: Lifetime): Promise<FeeMarket>;
  sign<T>(
    packed: readonly Packed<T>[],
    lifetime: Lifetime,
    rentOf: (item: T) => bigint,
    price: bigint,
  ): Promise<(SignedTransaction & { items: readonly T[] })[]>;
  outcomes(sent: readonly (SignedTransaction & { ticketIds: readonly string[] })[], lamportsPerSignature: bigint): Promise<MintOutcome[]>;
};

export const SOLANA_MAX_BATCH = 50;

type Keys = {
  readonly ticketId: string;
  readonly seller: KeyPairSigner;
  readonly buyer: Address;
  readonly mint: Address;
  readonly sellerTokenAccount: Address;
  readonly buyerTokenAccount: Address;
};

/**
 * Tickets the buyer's account holds already are confirmed without a transaction; tickets never minted, burned, or held
 * by neither account are refused, each with a reverted outcome of its own and no transaction (see
 * ChainAdapter.transfer). A transaction the chain refuses or reverts is a reverted outcome with its fee, as in mint.
 */
export async function transferTickets(
  deps: TransferDeps,
  tickets: readonly TransferRequest[],
  onSigned: (signed: readonly SignedMint[]) => Promise<void>,
): Promise<MintOutcome[]> {
  const unique = distinctTransfers(tickets);
  if (unique.length > SOLANA_MAX_BATCH) throw new Error(`at most ${SOLANA_MAX_BATCH} tickets per Solana transfer, got ${unique.length}`);
  for (const ticket of unique) {
    if (!isAddress(ticket.to)) throw new Error(`ticket ${ticket.ticketId}: its new holder is not a Solana address`);
  }
  if (!unique.length) return [];
  // One custodial signer per seller, shared by that seller's tickets (so it signs a transaction once).
  const sellers = new Map<string, Promise<KeyPairSigner>>();
  const sellerOf = (t: TransferRequest) => {
    const key = JSON.stringify([t.tenantId, t.fromUserId]);
    const signer = sellers.get(key) ?? custodialSigner(deps.custodySeed, t.tenantId, t.fromUserId);
    sellers.set(key, signer);
    return signer;
  };
  const keys = await Promise.all(
    unique.map(async (t): Promise<Keys> => {
      const [seller, mint] = await Promise.all([sellerOf(t), ticketMintAddress(deps.custodySeed, t.tenantId, t.ticketId)]);
      const buyer = address(t.to);
      const [[sellerTokenAccount], [buyerTokenAccount]] = await Promise.all([
        findAssociatedTokenPda({ owner: seller.address, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS }),
        findAssociatedTokenPda({ owner: buyer, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS }),
      ]);
      return { ticketId: t.ticketId, seller, buyer, mint, sellerTokenAccount, buyerTokenAccount };
    }),
  );
  const accounts = await deps.readAccounts(keys.flatMap((k) => [k.mint, k.sellerTokenAccount, k.buyerTokenAccount]));
  const read = keys.map((k, i) => {
    const [mint = null, seller = null, buyer = null] = accounts.slice(3 * i, 3 * i + 3);
    return { keys: k, seller, buyer, step: transferStep({ mint, seller, buyer }, k.seller.address, k.buyer) };
  });
  const settled = outcomesWithoutTransaction(read.map((r) => ({ ticketId: r.keys.ticketId, step: r.step })));
  const todo = read.filter((r) => r.step.kind === 'send');
  if (!todo.length) return settled;

  const payer = await deps.minter();
  const lifetime = await deps.latestLifetime();
  const market = await deps.market(payer.address, lifetime);
  const items = todo.map(({ keys: k, seller, buyer }) => ({
    ticketId: k.ticketId,
    instructions: transferInstructions({
      minter: payer,
      seller: k.seller,
      sellerTokenAccount: k.sellerTokenAccount,
      buyer: k.buyer,
      buyerTokenAccount: k.buyerTokenAccount,
      mint: k.mint,
    }),
    // The buyer's account's rent, less lamports already at its address (an existing account needs none), less the
    // lamports the closed seller's account returns.
    rent: max0(market.tokenAccountRent - (buyer?.lamports ?? 0n)) - (seller?.lamports ?? 0n),
  }));
  const shell = { feePayer: payer, lifetime, unitsPerItem: TRANSFER_UNITS, microLamportsPerUnit: market.microLamportsPerUnit };
  const packed = packTransactions(items, (item) => item.instructions, shell);
  const signed = await deps.sign(packed, lifetime, (item) => item.rent, market.microLamportsPerUnit);
  const sent = signed.map((tx) => ({ ...tx, ticketIds: tx.items.map((item) => item.ticketId) }));
  await onSigned(sent.map(({ transactionHash, ticketIds }) => ({ transactionHash, ticketIds })));
  return [...(await deps.outcomes(sent, market.lamportsPerSignature)), ...settled];
}

const max0 = (value: bigint) => (value > 0n ? value : 0n);
