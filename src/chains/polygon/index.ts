import { encodeFunctionData, getAddress, type Hex, isAddress, keccak256, zeroAddress } from 'viem';
import { custodialAddress } from '../custody';
import { outcomesWithoutTransaction } from '../transfers';
import type { ChainAdapter, MintOutcome, MintRequest, OnChainState, SignedMint } from '../types';
import { ticketAbi } from './abi';
import { createPolygonClient } from './client';
import { readFeeEstimate } from './fees';
import { chainError, isNonceConflict, isUnavailable, receiptToOutcome, statesOfToOnChain, tokenIdOf, transferStep } from './transformers';

/**
 * Tickets as ERC-721 tokens of contracts/TicketNFT.sol on Polygon PoS. One mint, burn or transfer is one batch transaction
 * of at most 100 tickets, signed here with the minter's key and sent with eth_sendRawTransaction; its hash is
 * handed to `onSigned` before it is sent. Tickets already on chain (or burned) are left out before signing, and
 * the contract skips them too, so a batch sent twice never mints twice.
 */
export type PolygonAdapterConfig = {
  rpcUrl: string;
  /** The minter's private key (0x + 64 hex digits), the key that deployed the contract. */
  minterKey: Hex;
  /** The TicketNFT contract's address. */
  contract: string;
  /** The custody seed (src/chains/custody.ts): burns and transfers check that a ticket is held by its owner's custodial address. */
  custodySeed: string;
  /** Bound of each JSON-RPC request; default 10 s. */
  rpcTimeoutMs?: number;
  /** How long a sent transaction may take to be mined (and confirmed); default 60 s, then ChainUnavailableError. */
  receiptTimeoutMs?: number;
  /** Blocks a receipt must be under before the outcome is reported; default 1 (the block that holds it). */
  confirmations?: number;
  /** Receipt polling interval; default 1 s. */
  pollingIntervalMs?: number;
};

export const POLYGON_MAX_BATCH = 100;
// A nonce conflict means another transaction of the minter took the nonce: sign again with the next one, a few times.
const SIGN_ATTEMPTS = 4;
// Sends of the same signed bytes when the node does not answer (the transport itself never resends a transaction).
const BROADCAST_ATTEMPTS = 3;
// Headroom over the node's gas estimate, which holds for the state it was made on: by inclusion another transaction may
// have emptied an owner's balance, making that owner's mint dearer. Gas left unused is not paid for.
const GAS_HEADROOM_PERCENT = 110n;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The first of each token id: two requests for one ticket would only make the contract skip the second. */
function distinctByToken<T extends { ticketId: string; tenantId: string }>(tickets: readonly T[]): { ticket: T; tokenId: bigint }[] {
  const seen = new Map<bigint, T>();
  for (const ticket of tickets) {
    const tokenId = BigInt(tokenIdOf(ticket));
    if (!seen.has(tokenId)) seen.set(tokenId, ticket);
  }
  return [...seen].map(([tokenId, ticket]) => ({ ticket, tokenId }));
}

const ticketIdsOf = (wanted: readonly { ticket: { ticketId: string } }[]) => wanted.map((w) => w.ticket.ticketId);

export function createPolygonAdapter(config: PolygonAdapterConfig): ChainAdapter {
  if (!isAddress(config.contract, { strict: false })) throw new Error('the ticket contract address is not an EVM address');
  const contract = getAddress(config.contract);
  const { custodySeed } = config;
  const receiptTimeoutMs = config.receiptTimeoutMs ?? 60_000;
  const confirmations = config.confirmations ?? 1;
  const client = createPolygonClient({
    rpcUrl: config.rpcUrl,
    minterKey: config.minterKey,
    rpcTimeoutMs: config.rpcTimeoutMs ?? 10_000,
    pollingIntervalMs: config.pollingIntervalMs ?? 1_000,
  });

  /** Runs one RPC step; its failure becomes ChainUnavailableError or a plain Error naming the step. */
  async function rpc<T>(doing: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      throw chainError(err, doing);
    }
  }

  /** One statesOf eth_call per 100 ids. */
  async function readStates(tokenIds: readonly bigint[]): Promise<OnChainState[]> {
    const answers = await Promise.all(
      chunks(tokenIds, POLYGON_MAX_BATCH).map((ids) =>
        rpc('reading ticket states', () =>
          client.rpc.readContract({ address: contract, abi: ticketAbi, functionName: 'statesOf', args: [ids] }),
        ),
      ),
    );
    return answers.flatMap(([owners, burned]) => statesOfToOnChain(owners, burned));
  }

  /** Prepares (pending nonce, fees, gas) and signs locally; the hash is keccak256 of the signed bytes. */
  async function sign(data: Hex): Promise<{ serialized: Hex; hash: Hex }> {
    const chainId = await rpc('reading the chain id', () => client.chainId());
    const request = await rpc('preparing the transaction', () =>
      client.wallet.prepareTransactionRequest({ chain: null, chainId, to: contract, data, type: 'eip1559' }),
    );
    // The account signs with its own key; the wallet client's signTransaction would ask the node for the chain id again.
    const serialized = await client.minter.signTransaction({
      type: 'eip1559',
      chainId,
      nonce: request.nonce,
      to: contract,
      data,
      gas: (request.gas * GAS_HEADROOM_PERCENT) / 100n,
      maxFeePerGas: request.maxFeePerGas,
      maxPriorityFeePerGas: request.maxPriorityFeePerGas,
    });
    return { serialized, hash: keccak256(serialized) };
  }

  /** Whether the node knows the transaction (pending or mined). */
  async function known(hash: Hex): Promise<boolean> {
    const found = await rpc('looking up the transaction', () => client.rpc.request({ method: 'eth_getTransactionByHash', params: [hash] }));
    return found !== null;
  }

  /**
   * Broadcasts signed bytes. 'sent' once the node has them, from this try or an earlier one whose answer was lost
   * (the node then refuses the copy as known, or its nonce as used); 'taken' when another transaction holds the nonce.
   * Sending the same bytes again is harmless, so an unanswered send is repeated a few times.
   */
  async function broadcast(signed: { serialized: Hex; hash: Hex }): Promise<'sent' | 'taken'> {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.rpc.sendRawTransaction({ serializedTransaction: signed.serialized });
        return 'sent';
      } catch (err) {
        if (isNonceConflict(err)) return (await known(signed.hash)) ? 'sent' : 'taken';
        if (!isUnavailable(err) || attempt >= BROADCAST_ATTEMPTS) throw chainError(err, 'sending the transaction');
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  /** Signs, hands the hash to onSigned, sends, and waits for the receipt; a nonce another transaction took is signed again. */
  async function send(
    data: Hex,
    ticketIds: readonly string[],
    onSigned: (signed: readonly SignedMint[]) => Promise<void>,
  ): Promise<MintOutcome> {
    let hash: Hex;
    for (let attempt = 1; ; attempt++) {
      const signed = await sign(data);
      hash = signed.hash;
      await onSigned([{ transactionHash: hash, ticketIds }]);
      if ((await broadcast(signed)) === 'sent') break;
      if (attempt >= SIGN_ATTEMPTS)
        throw new Error(`Polygon: the minter's nonce was taken by other transactions ${attempt} times in a row`);
    }
    let replaced: { by: Hex; sameCall: boolean } | undefined;
    const receipt = await rpc(`waiting for transaction ${hash}`, () =>
      client.rpc.waitForTransactionReceipt({
        hash,
        confirmations,
        timeout: receiptTimeoutMs,
        onReplaced: (replacement) => {
          replaced = { by: replacement.transaction.hash, sameCall: replacement.reason === 'repriced' };
        },
      }),
    );
    // Another transaction of the minter took this one's nonce before it was mined, so this one never will be. The same
    // call at another fee (another worker signing the same batch) did our work: its receipt is the outcome.
    if (replaced && !replaced.sameCall)
      throw new Error(`Polygon: transaction ${hash} was replaced by ${replaced.by} before it was mined; its tickets were not sent`);
    return receiptToOutcome(receipt, ticketIds);
  }

  function assertBatch(count: number): void {
    if (count > POLYGON_MAX_BATCH) throw new Error(`at most ${POLYGON_MAX_BATCH} tickets per Polygon transaction (got ${count})`);
  }

  return {
    chain: 'polygon',
    maxBatch: POLYGON_MAX_BATCH,
    contract,

    async tokenIdOf(ticket) {
      return tokenIdOf(ticket);
    },

    async onChainStates(tickets) {
      const ids = tickets.map((ticket) => BigInt(tokenIdOf(ticket)));
      const states = await readStates(ids);
      return new Map(tickets.map((ticket, i) => [ticket.ticketId, states[i] as OnChainState]));
    },

    /**
     * Tickets already minted or burned are left out: no transaction is sent for them, and they appear in no outcome.
     * When none is left to mint, the answer is empty.
     */
    async mint(tickets: readonly MintRequest[], onSigned) {
      assertBatch(tickets.length);
      for (const ticket of tickets) {
        if (!isAddress(ticket.owner, { strict: false }) || ticket.owner.toLowerCase() === zeroAddress)
          throw new Error(`ticket ${ticket.ticketId}: its owner is not an EVM address`);
      }
      const wanted = distinctByToken(tickets);
      const states = await readStates(wanted.map((w) => w.tokenId));
      const todo = wanted.filter((_, i) => states[i]?.state === 'absent');
      if (todo.length === 0) return [];
      const data = encodeFunctionData({
        abi: ticketAbi,
        functionName: 'mintBatch',
        args: [todo.map((w) => getAddress(w.ticket.owner)), todo.map((w) => w.tokenId)],
      });
      const outcome = await send(data, ticketIdsOf(todo), onSigned);
      return [outcome];
    },

    /**
     * Burns the tickets still held by their owner's custodial address. Tickets never minted or already burned are
     * left out, and so are tickets another address holds now (moved by a resale): burning them would void a ticket
     * someone else owns. Left-out tickets appear in no outcome.
     */
    async burn(tickets) {
      assertBatch(tickets.length);
      const wanted = distinctByToken(tickets);
      const [states, holders] = await Promise.all([
        readStates(wanted.map((w) => w.tokenId)),
        Promise.all(
          wanted.map((w) => custodialAddress(custodySeed, { tenantId: w.ticket.tenantId, userId: w.ticket.ownerUserId, chain: 'polygon' })),
        ),
      ]);
      const todo = wanted.filter((_, i) => {
        const state = states[i];
        return state?.state === 'minted' && state.owner.toLowerCase() === holders[i]?.toLowerCase();
      });
      if (todo.length === 0) return [];
      const data = encodeFunctionData({ abi: ticketAbi, functionName: 'burnBatch', args: [todo.map((w) => w.tokenId)] });
      // Nothing to record before a burn is sent: a burn sent twice burns once (the contract skips what is gone).
      const outcome = await send(data, ticketIdsOf(todo), async () => {});
      return [outcome];
    },

    /**
     * One issuerTransferBatch transaction, sent by the minter, for the tickets the seller's custodial address holds: the
     * contract lets its minter move any ticket, so custodial addresses need no POL and sign nothing. Tickets `to` holds
     * already are confirmed without a transaction. A ticket that cannot move (never minted, burned, held by a third
     * address) is a refusal reported as a reverted outcome of its own with no transaction, so the others still move; if
     * one moves between this read and the node's gas estimate, the estimate reverts and the call throws a plain Error;
     * between the estimate and inclusion, the transaction reverts (a reverted outcome with its fee) and nothing moves.
     */
    async transfer(tickets, onSigned) {
      assertBatch(tickets.length);
      for (const ticket of tickets) {
        if (!isAddress(ticket.to, { strict: false }) || ticket.to.toLowerCase() === zeroAddress)
          throw new Error(`ticket ${ticket.ticketId}: its new holder is not an EVM address`);
      }
      const wanted = distinctByToken(tickets);
      const [states, sellers] = await Promise.all([
        readStates(wanted.map((w) => w.tokenId)),
        Promise.all(
          wanted.map((w) => custodialAddress(custodySeed, { tenantId: w.ticket.tenantId, userId: w.ticket.fromUserId, chain: 'polygon' })),
        ),
      ]);
      const steps = wanted.map((w, i) => {
        const seller = getAddress(sellers[i] as string);
        return { ...w, seller, step: transferStep(states[i] as OnChainState, seller, w.ticket.to) };
      });
      const settled = outcomesWithoutTransaction(steps.map((s) => ({ ticketId: s.ticket.ticketId, step: s.step })));
      const todo = steps.filter((s) => s.step.kind === 'send');
      if (todo.length === 0) return settled;
      const data = encodeFunctionData({
        abi: ticketAbi,
        functionName: 'issuerTransferBatch',
        args: [todo.map((s) => s.seller), todo.map((s) => getAddress(s.ticket.to)), todo.map((s) => s.tokenId)],
      });
      return [await send(data, ticketIdsOf(todo), onSigned), ...settled];
    },

    async feeQuote() {
      const { chain, perTicket, decimals, congestion } = await rpc('reading the fee market', () => readFeeEstimate(client.rpc));
      return { chain, perTicket, decimals, congestion };
    },
  };
}
