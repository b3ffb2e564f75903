/**
 * What the mint queue needs from a chain. Each chain has one adapter in `src/chains/<chain>/` (client,
 * transformers, fee oracle); wire formats stay inside it. Amounts of the native coin are bigint in the
 * chain's smallest unit (wei, lamports), never floats.
 */
export type Chain = 'polygon' | 'solana';

/** One ticket to put on chain, owned by the buyer's custodial address. */
export interface MintRequest {
  readonly ticketId: string;
  readonly tenantId: string;
  /** The owner's custodial address on this chain (src/chains/custody.ts). */
  readonly owner: string;
}

/** A minted ticket to move to a new holder (a resale). */
export interface TransferRequest {
  readonly ticketId: string;
  readonly tenantId: string;
  /** The current holder's user id: on Solana its custodial key signs the transfer; on Polygon the issuer moves the token. */
  readonly fromUserId: string;
  /** The new holder's custodial address on this chain. */
  readonly to: string;
}

/** A signed transaction, known by its hash before it is broadcast. */
export interface SignedMint {
  readonly transactionHash: string;
  readonly ticketIds: readonly string[];
}

export interface MintOutcome {
  readonly transactionHash: string;
  readonly ticketIds: readonly string[];
  /** `confirmed`: every ticket of the transaction exists on chain; `reverted`: the chain refused it (nothing minted). */
  readonly status: 'confirmed' | 'reverted';
  /** What the transaction cost the minter, in the smallest native unit. */
  readonly feePaid: bigint;
  readonly error?: string;
}

/** Where a ticket stands on chain: never minted, held by `owner`, or burned. */
export type OnChainState =
  | { readonly state: 'absent' }
  | { readonly state: 'minted'; readonly owner: string }
  | { readonly state: 'burned' };

export interface FeeQuote {
  readonly chain: Chain;
  /** Estimated cost of minting one ticket as part of a full batch, smallest native unit. */
  readonly perTicket: bigint;
  /** Decimals of the native coin (18 for POL, 9 for SOL). */
  readonly decimals: number;
  readonly congestion: 'low' | 'medium' | 'high';
}

/**
 * A chain that cannot be reached (connection refused, timeout, 5xx from the RPC) throws ChainUnavailableError:
 * the queue waits and tries again without counting an attempt. Anything the chain itself refuses is a
 * `reverted` outcome or a plain Error, and counts.
 */
export class ChainUnavailableError extends Error {
  override readonly name = 'ChainUnavailableError';
}

export interface ChainAdapter {
  readonly chain: Chain;
  /** Most tickets one `mint` or `transfer` call takes (100 on Polygon: one batch call; 50 on Solana: as many transactions as fit). */
  readonly maxBatch: number;
  /** The collection: the ticket contract's address on Polygon, the SPL Token program id on Solana. */
  readonly contract: string;
  /** The ticket's token id, derived from its id alone, so a resend names the same token (uint256 decimal / mint address). */
  tokenIdOf(ticket: { ticketId: string; tenantId: string }): Promise<string>;
  /** Reads the chain for each ticket; the map is keyed by ticketId. */
  onChainStates(tickets: readonly MintRequest[]): Promise<Map<string, OnChainState>>;
  /**
   * Signs and sends transactions minting `tickets` (at most maxBatch), waits for each to be final and returns
   * their outcomes. `onSigned` runs after signing and before broadcasting, so the hashes are recorded even if
   * the process dies before the chain answers. Tickets already on chain are never minted again, even if asked.
   */
  mint(tickets: readonly MintRequest[], onSigned: (signed: readonly SignedMint[]) => Promise<void>): Promise<MintOutcome[]>;
  /** Burns minted tickets (the owner is the custodial key of (tenantId, userId), which the adapter can derive). */
  burn(tickets: readonly { ticketId: string; tenantId: string; ownerUserId: string }[]): Promise<MintOutcome[]>;
  /**
   * Moves minted tickets to their new holders (at most maxBatch) and waits for each transaction to be final.
   * A ticket already held by `to` is done: confirmed without sending anything. `onSigned` runs before broadcasting, as in mint.
   *
   * When it returns, every ticket is named by one outcome (a ticket asked twice is moved once, by its first request).
   * Tickets for which nothing was sent are named by outcomes whose transactionHash is empty and feePaid 0: one
   * `confirmed` outcome for those already held by `to`, and one `reverted` outcome per ticket that cannot move (never
   * minted, burned, or held by neither the seller nor `to`; the reason in `error`), so such a ticket never holds back
   * the others of its call. A `to` that is not an address of the chain throws a plain Error before anything is signed.
   * On Solana the seller's
   * emptied token account is closed into the minter, so a transfer's feePaid (the minter's net cost) is its fees, the
   * buyer's new account's rent being offset; below them if the buyer's account existed already.
   */
  transfer(tickets: readonly TransferRequest[], onSigned: (signed: readonly SignedMint[]) => Promise<void>): Promise<MintOutcome[]>;
  /** What minting costs now, from the chain's fee market. */
  feeQuote(): Promise<FeeQuote>;
}
