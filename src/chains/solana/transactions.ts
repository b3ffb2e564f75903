import {
  type Address,
  appendTransactionMessageInstructions,
  type Base64EncodedWireTransaction,
  type Blockhash,
  createNoopSigner,
  createTransactionMessage,
  getAddressDecoder,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  getTransactionMessageSize,
  getTransactionMessageSizeLimit,
  type Instruction,
  pipe,
  setTransactionMessageComputeUnitLimit,
  setTransactionMessageComputeUnitPrice,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type TransactionSigner,
} from '@solana/kit';
import {
  getAllocateInstruction,
  getAssignInstruction,
  getCreateAccountInstruction,
  getTransferSolInstruction,
} from '@solana-program/system';
import {
  AuthorityType,
  getBurnInstruction,
  getCloseAccountInstruction,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToInstruction,
  getSetAuthorityInstruction,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import type { TransactionCost } from './transformers';

/**
 * The adapter's transactions: a ticket's mint instructions, a burn's, and packing them into as few transactions as
 * fit the 1,232-byte limit (measured on the compiled transaction, signatures included).
 *
 * Compute units requested per ticket: mainnet's SPL Token and Associated Token Account programs spend roughly 30k on a
 * ticket's instructions (most of it creating the token account) and about 5k on a burn; LiteSVM's builds spend less.
 * The margin covers program upgrades that cost more, and is kept modest because the priority fee is paid on what is
 * requested; too few units would make the transaction fail.
 */
export const MINT_UNITS = 40_000;
export const BURN_UNITS = 8_000;
/**
 * A transfer creates a token account too (the buyer's), the bulk of a mint's units, so it keeps the mint's margin;
 * LiteSVM spends 14k to 17k units per transferred ticket.
 */
export const TRANSFER_UNITS = 40_000;
/** The two compute-budget instructions themselves. */
const BASE_UNITS = 1_000;

/** The compute unit limit a transaction of `count` items requests. */
export function unitsFor(count: number, unitsPerItem: number): number {
  return BASE_UNITS + count * unitsPerItem;
}

export type Lifetime = { readonly blockhash: Blockhash; readonly lastValidBlockHeight: bigint };

/**
 * One ticket: its mint account (0 decimals, the minter as mint authority, no freeze authority), the owner's
 * associated token account (created if missing), one token, then no mint authority, so the supply stays 1 for good.
 * The mint account is created by its own key, which is derived from the ticket: if it already exists the transaction
 * fails and nothing is minted twice. If someone sent lamports to the address first (anyone can), CreateAccount would
 * fail forever, so such an account is topped up to rent exemption, allocated and assigned instead, which its key
 * alone may do.
 */
export function mintInstructions(parts: {
  minter: TransactionSigner;
  mint: TransactionSigner;
  owner: Address;
  ownerTokenAccount: Address;
  mintRent: bigint;
  /** Lamports already at the mint address (a system account nobody made a mint). */
  mintLamports: bigint;
}): Instruction[] {
  const { minter, mint, owner, ownerTokenAccount, mintRent, mintLamports } = parts;
  const space = getMintSize();
  const account =
    mintLamports === 0n
      ? [getCreateAccountInstruction({ payer: minter, newAccount: mint, lamports: mintRent, space, programAddress: TOKEN_PROGRAM_ADDRESS })]
      : [
          ...(mintLamports < mintRent
            ? [getTransferSolInstruction({ source: minter, destination: mint.address, amount: mintRent - mintLamports })]
            : []),
          getAllocateInstruction({ newAccount: mint, space }),
          getAssignInstruction({ account: mint, programAddress: TOKEN_PROGRAM_ADDRESS }),
        ];
  return [
    ...account,
    getInitializeMint2Instruction({ mint: mint.address, decimals: 0, mintAuthority: minter.address, freezeAuthority: null }),
    getCreateAssociatedTokenIdempotentInstruction({ payer: minter, ata: ownerTokenAccount, owner, mint: mint.address }),
    getMintToInstruction({ mint: mint.address, token: ownerTokenAccount, mintAuthority: minter, amount: 1n }),
    getSetAuthorityInstruction({ owned: mint.address, owner: minter, authorityType: AuthorityType.MintTokens, newAuthority: null }),
  ];
}

/** Burning a ticket's one token from its owner's associated token account; the owner signs. */
export function burnInstructions(parts: { owner: TransactionSigner; mint: Address; ownerTokenAccount: Address }): Instruction[] {
  return [getBurnInstruction({ account: parts.ownerTokenAccount, mint: parts.mint, authority: parts.owner, amount: 1n })];
}

/**
 * A resale of one ticket: the buyer's associated token account (created if missing, the minter paying its rent), the
 * token moved there from the seller's account (checked against the mint's 0 decimals), then the seller's account,
 * empty now, closed with its rent going back to the minter, which paid it when the ticket was minted. The seller signs
 * the transfer and the close; the minter pays the fees.
 */
export function transferInstructions(parts: {
  minter: TransactionSigner;
  seller: TransactionSigner;
  sellerTokenAccount: Address;
  buyer: Address;
  buyerTokenAccount: Address;
  mint: Address;
}): Instruction[] {
  const { minter, seller, sellerTokenAccount, buyer, buyerTokenAccount, mint } = parts;
  return [
    getCreateAssociatedTokenIdempotentInstruction({ payer: minter, ata: buyerTokenAccount, owner: buyer, mint }),
    getTransferCheckedInstruction({
      source: sellerTokenAccount,
      mint,
      destination: buyerTokenAccount,
      authority: seller,
      amount: 1n,
      decimals: 0,
    }),
    getCloseAccountInstruction({ account: sellerTokenAccount, destination: minter.address, owner: seller }),
  ];
}

/** ceil(price × units / 10^6): what the runtime charges for a compute unit price in micro-lamports. */
export function priorityLamports(microLamportsPerUnit: bigint, units: number): bigint {
  return (microLamportsPerUnit * BigInt(units) + 999_999n) / 1_000_000n;
}

type Shell = { feePayer: TransactionSigner; lifetime: Lifetime; unitsPerItem: number; microLamportsPerUnit: bigint };

function messageOf(instructions: readonly Instruction[], count: number, shell: Shell) {
  return pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(shell.feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(shell.lifetime, m),
    (m) => setTransactionMessageComputeUnitLimit(unitsFor(count, shell.unitsPerItem), m),
    (m) => setTransactionMessageComputeUnitPrice(shell.microLamportsPerUnit, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
}

export type Packed<T> = { readonly items: readonly T[]; readonly message: ReturnType<typeof messageOf>; readonly units: number };

/**
 * Greedy packing, in order: an item joins the current transaction while the compiled transaction stays within the
 * size limit, else it starts the next one. An item too large for a transaction of its own is an error.
 */
export function packTransactions<T>(items: readonly T[], instructionsOf: (item: T) => readonly Instruction[], shell: Shell): Packed<T>[] {
  const packed: Packed<T>[] = [];
  let current: T[] = [];
  const build = (group: readonly T[]) => messageOf(group.flatMap(instructionsOf), group.length, shell);
  const fits = (message: ReturnType<typeof messageOf>) => getTransactionMessageSize(message) <= getTransactionMessageSizeLimit(message);
  const close = () => {
    if (current.length) packed.push({ items: current, message: build(current), units: unitsFor(current.length, shell.unitsPerItem) });
  };
  for (const item of items) {
    if (fits(build([...current, item]))) {
      current.push(item);
      continue;
    }
    if (!current.length) throw new Error('one item does not fit in a Solana transaction');
    close();
    current = [item];
    if (!fits(build(current))) throw new Error('one item does not fit in a Solana transaction');
  }
  close();
  return packed;
}

export type SignedTransaction = {
  readonly transactionHash: string;
  readonly wire: Base64EncodedWireTransaction;
  readonly lastValidBlockHeight: bigint;
  readonly cost: TransactionCost;
};

/** Signs a packed transaction with every signer its instructions name (the fee payer, mint keys, owners). */
export async function signPacked<T>(
  packed: Packed<T>,
  lifetime: Lifetime,
  rentLamports: bigint,
  microLamportsPerUnit: bigint,
): Promise<SignedTransaction> {
  const transaction = await signTransactionMessageWithSigners(packed.message);
  const wire = getBase64EncodedWireTransaction(transaction);
  return {
    transactionHash: getSignatureFromTransaction(transaction),
    wire,
    lastValidBlockHeight: lifetime.lastValidBlockHeight,
    cost: {
      signatures: Object.keys(transaction.signatures).length,
      priorityLamports: priorityLamports(microLamportsPerUnit, packed.units),
      rentLamports,
    },
  };
}

let perTransaction: number | undefined;

/** How many tickets a full mint transaction holds (each with its own owner): packs made-up tickets and counts the first. */
export function mintsPerTransaction(): number {
  perTransaction ??= countMintsPerTransaction();
  return perTransaction;
}

function countMintsPerTransaction(): number {
  const at = (n: number) => getAddressDecoder().decode(new Uint8Array(32).fill(n));
  const minter = createNoopSigner(at(255));
  const lifetime = { blockhash: at(254) as string as Blockhash, lastValidBlockHeight: 0n };
  const tickets = Array.from({ length: 10 }, (_, i) => i);
  const [first] = packTransactions(
    tickets,
    (i) =>
      mintInstructions({
        minter,
        mint: createNoopSigner(at(3 * i + 1)),
        owner: at(3 * i + 2),
        ownerTokenAccount: at(3 * i + 3),
        mintRent: 1n,
        mintLamports: 0n,
      }),
    { feePayer: minter, lifetime, unitsPerItem: MINT_UNITS, microLamportsPerUnit: 0n },
  );
  return first?.items.length ?? 1;
}
