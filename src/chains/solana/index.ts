import { type Address, address, type KeyPairSigner } from '@solana/kit';
import { SYSTEM_PROGRAM_ADDRESS } from '@solana-program/system';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import type { ChainAdapter, MintOutcome, MintRequest, OnChainState } from '../types';
import { assertMinterKey, call, createRpc, custodialSigner, minterSigner, ticketMintAddress, ticketMintSigner } from './client';
import { createFeeOracle } from './fees';
import { submit } from './submit';
import {
  BURN_UNITS,
  burnInstructions,
  type Lifetime,
  MINT_UNITS,
  mintInstructions,
  type Packed,
  packTransactions,
  type SignedTransaction,
  signPacked,
} from './transactions';
import { SOLANA_MAX_BATCH, type TransferDeps, transferTickets } from './transfers';
import { accountFromRpc, type ChainAccount, outcomeOf, readMint, readTokenAccount, ticketState } from './transformers';

/**
 * Tickets on Solana: each ticket is its own SPL Token mint (0 decimals, supply fixed at 1 once minted) whose address
 * is derived from (tenant, ticket), held in the associated token account of the buyer's custodial address. The
 * minter pays every fee and rent and is the mint authority only while minting. See transactions.ts for what a mint
 * transaction does, transfers.ts for resales, submit.ts for sending, fees.ts for the fee oracle.
 */
export type SolanaAdapterConfig = {
  readonly rpcUrl: string;
  /** Hex of the minter's 32-byte Ed25519 seed (fee payer and mint authority). */
  readonly minterKey: string;
  /** The custody seed (src/chains/custody.ts): owners' keys and tickets' mint keys derive from it. */
  readonly custodySeed: string;
  /** How long mint, burn and transfer wait for their transactions to be final (default 60 s). */
  readonly timeoutMs?: number;
  /** Between status polls (default 1 s). */
  readonly pollMs?: number;
  /** Before an unseen transaction is sent again (default 2 s). */
  readonly resendMs?: number;
  /** One RPC request (default 10 s). */
  readonly requestTimeoutMs?: number;
};

const MAX_ACCOUNTS_PER_REQUEST = 100;

type TicketKeys = {
  readonly ticketId: string;
  readonly tenantId: string;
  readonly owner: Address;
  readonly mint: Address;
  readonly ownerTokenAccount: Address;
};

export function createSolanaAdapter(config: SolanaAdapterConfig): ChainAdapter {
  assertMinterKey(config.minterKey);
  const rpc = createRpc(config.rpcUrl);
  const requestTimeoutMs = config.requestTimeoutMs ?? 10_000;
  const submitOptions = {
    timeoutMs: config.timeoutMs ?? 60_000,
    pollMs: config.pollMs ?? 1_000,
    resendMs: config.resendMs ?? 2_000,
    requestTimeoutMs,
  };
  const fees = createFeeOracle(rpc, requestTimeoutMs);
  // The signer is kept once made, not the promise of it: a Worker's request must not await another request's promise.
  let minter: KeyPairSigner | undefined;
  const theMinter = async () => {
    minter ??= await minterSigner(config.minterKey);
    return minter;
  };

  async function keysOf(ticket: { ticketId: string; tenantId: string; owner: string }): Promise<TicketKeys> {
    const owner = address(ticket.owner);
    const mint = await ticketMintAddress(config.custodySeed, ticket.tenantId, ticket.ticketId);
    const [ownerTokenAccount] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    return { ticketId: ticket.ticketId, tenantId: ticket.tenantId, owner, mint, ownerTokenAccount };
  }

  async function readAccounts(addresses: readonly Address[]): Promise<(ChainAccount | null)[]> {
    const chunks: Address[][] = [];
    for (let at = 0; at < addresses.length; at += MAX_ACCOUNTS_PER_REQUEST) chunks.push(addresses.slice(at, at + MAX_ACCOUNTS_PER_REQUEST));
    const answers = await Promise.all(
      chunks.map((chunk) => call('getMultipleAccounts', rpc.getMultipleAccounts(chunk, { encoding: 'base64' }), requestTimeoutMs)),
    );
    return answers.flatMap(({ value }) => value.map(accountFromRpc));
  }

  /** Each ticket's mint account and its owner's token account, in order. */
  async function readTickets(keys: readonly TicketKeys[]) {
    const accounts = await readAccounts(keys.flatMap((k) => [k.mint, k.ownerTokenAccount]));
    return keys.map((k, i) => ({ keys: k, mint: accounts[2 * i] ?? null, ownerTokenAccount: accounts[2 * i + 1] ?? null }));
  }

  /** The wallet holding a ticket that is not in its expected owner's account (moved since it was minted). */
  async function holderOf(mint: Address): Promise<string> {
    const largest = await call('getTokenLargestAccounts', rpc.getTokenLargestAccounts(mint), requestTimeoutMs);
    const held = largest.value.find((account) => account.amount !== '0');
    const [holding] = held ? await readAccounts([held.address]) : [null];
    const owner = readTokenAccount(holding ?? null)?.owner;
    if (!owner) throw new Error(`the Solana mint ${mint} has a supply but no holder`);
    return owner;
  }

  async function states(tickets: readonly MintRequest[]): Promise<Map<string, OnChainState>> {
    const read = await readTickets(await Promise.all(tickets.map(keysOf)));
    const result = new Map<string, OnChainState>();
    await Promise.all(
      read.map(async ({ keys, mint, ownerTokenAccount }) => {
        const state = ticketState(mint, ownerTokenAccount, keys.owner);
        result.set(keys.ticketId, state.state === 'elsewhere' ? { state: 'minted', owner: await holderOf(keys.mint) } : state);
      }),
    );
    return result;
  }

  async function latestLifetime(): Promise<Lifetime> {
    const { value } = await call('getLatestBlockhash', rpc.getLatestBlockhash({ commitment: 'confirmed' }), requestTimeoutMs);
    return value;
  }

  async function sign<T>(packed: readonly Packed<T>[], lifetime: Lifetime, rentOf: (item: T) => bigint, price: bigint) {
    return Promise.all(
      packed.map(async (tx) => ({
        ...(await signPacked(
          tx,
          lifetime,
          tx.items.reduce((sum, item) => sum + rentOf(item), 0n),
          price,
        )),
        items: tx.items,
      })),
    );
  }

  const transferDeps: TransferDeps = {
    custodySeed: config.custodySeed,
    readAccounts,
    minter: theMinter,
    latestLifetime,
    market: fees.market,
    sign,
    outcomes,
  };

  return {
    chain: 'solana',
    maxBatch: SOLANA_MAX_BATCH,
    contract: TOKEN_PROGRAM_ADDRESS,

    async tokenIdOf(ticket) {
      return ticketMintAddress(config.custodySeed, ticket.tenantId, ticket.ticketId);
    },

    onChainStates: states,

    async mint(tickets, onSigned) {
      const unique = [...new Map(tickets.map((t) => [t.ticketId, t])).values()];
      if (unique.length > SOLANA_MAX_BATCH) throw new Error(`at most ${SOLANA_MAX_BATCH} tickets per Solana mint, got ${unique.length}`);
      if (!unique.length) return [];
      const read = await readTickets(await Promise.all(unique.map(keysOf)));
      // Minted or burned tickets are on chain already: never minted again.
      const todo = read.filter(({ mint }) => readMint(mint) === null);
      if (!todo.length) return [];
      const payer = await theMinter();
      const lifetime = await latestLifetime();
      const market = await fees.market(payer.address, lifetime);
      const items = await Promise.all(
        todo.map(async ({ keys, mint, ownerTokenAccount }) => {
          // Lamports someone sent to the mint address, or to the token account's, count toward their rent.
          const mintLamports = mint?.owner === SYSTEM_PROGRAM_ADDRESS ? mint.lamports : 0n;
          const tokenAccountLamports = ownerTokenAccount?.lamports ?? 0n;
          const rent = max0(market.mintRent - mintLamports) + max0(market.tokenAccountRent - tokenAccountLamports);
          const signer = await ticketMintSigner(config.custodySeed, keys.tenantId, keys.ticketId);
          const instructions = mintInstructions({
            minter: payer,
            mint: signer,
            owner: keys.owner,
            ownerTokenAccount: keys.ownerTokenAccount,
            mintRent: market.mintRent,
            mintLamports,
          });
          return { ticketId: keys.ticketId, instructions, rent };
        }),
      );
      const shell = { feePayer: payer, lifetime, unitsPerItem: MINT_UNITS, microLamportsPerUnit: market.microLamportsPerUnit };
      const packed = packTransactions(items, (item) => item.instructions, shell);
      const signed = await sign(packed, lifetime, (item) => item.rent, market.microLamportsPerUnit);
      const sent = signed.map((tx) => ({ ...tx, ticketIds: tx.items.map((item) => item.ticketId) }));
      await onSigned(sent.map(({ transactionHash, ticketIds }) => ({ transactionHash, ticketIds })));
      return outcomes(sent, market.lamportsPerSignature);
    },

    async burn(tickets) {
      const unique = [...new Map(tickets.map((t) => [t.ticketId, t])).values()];
      if (!unique.length) return [];
      // One custodial signer per owner, shared by that owner's tickets.
      const owners = new Map<string, Promise<KeyPairSigner>>();
      const ownerOf = (t: { tenantId: string; ownerUserId: string }) => {
        const key = JSON.stringify([t.tenantId, t.ownerUserId]);
        const known = owners.get(key);
        if (known) return known;
        const signer = custodialSigner(config.custodySeed, t.tenantId, t.ownerUserId);
        owners.set(key, signer);
        return signer;
      };
      const withOwners = await Promise.all(unique.map(async (t) => ({ ...t, owner: await ownerOf(t) })));
      const read = await readTickets(await Promise.all(withOwners.map((t) => keysOf({ ...t, owner: t.owner.address }))));
      // Only a ticket its owner's account holds can be burned by that owner; the others are left out (their states tell why).
      const todo = read.flatMap(({ keys, mint, ownerTokenAccount }, i) =>
        ticketState(mint, ownerTokenAccount, keys.owner).state === 'minted'
          ? [{ keys, owner: (withOwners[i] as (typeof withOwners)[number]).owner }]
          : [],
      );
      if (!todo.length) return [];
      const payer = await theMinter();
      const lifetime = await latestLifetime();
      const market = await fees.market(payer.address, lifetime);
      const shell = { feePayer: payer, lifetime, unitsPerItem: BURN_UNITS, microLamportsPerUnit: market.microLamportsPerUnit };
      const packed = packTransactions(
        todo,
        ({ keys, owner }) => burnInstructions({ owner, mint: keys.mint, ownerTokenAccount: keys.ownerTokenAccount }),
        shell,
      );
      const signed = await sign(packed, lifetime, () => 0n, market.microLamportsPerUnit);
      return outcomes(
        signed.map((tx) => ({ ...tx, ticketIds: tx.items.map((item) => item.keys.ticketId) })),
        market.lamportsPerSignature,
      );
    },

    transfer: (tickets, onSigned) => transferTickets(transferDeps, tickets, onSigned),

    async feeQuote() {
      const payer = await theMinter();
      return fees.quote(payer.address, await latestLifetime());
    },
  };

  async function outcomes(
    sent: readonly (SignedTransaction & { ticketIds: readonly string[] })[],
    lamportsPerSignature: bigint,
  ): Promise<MintOutcome[]> {
    const landings = await submit(rpc, sent, submitOptions);
    return sent.map((tx, i) => outcomeOf(tx, landings[i] ?? { kind: 'expired' }, lamportsPerSignature));
  }
}

const max0 = (value: bigint) => (value > 0n ? value : 0n);
