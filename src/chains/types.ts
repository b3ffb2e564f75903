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
  /** Most tickets one `mint` call takes (100 on Polygon: one batch call; 50 on Solana: as many transactions as fit). */
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
  /** What minting costs now, from the chain's fee market. */
  feeQuote(): Promise<FeeQuote>;
}
