import { type Address, getSolanaErrorFromJsonRpcError, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, SolanaError } from '@solana/kit';
import { SYSTEM_PROGRAM_ADDRESS } from '@solana-program/system';
import { getMintEncoder, getTokenEncoder, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import { describe, expect, it } from 'vitest';
import { isAlreadyProcessed, rpcFailure } from '../../../src/chains/solana/client.ts';
import { congestionOf, median, perTicketLamports } from '../../../src/chains/solana/fees.ts';
import { MINT_UNITS, priorityLamports, unitsFor } from '../../../src/chains/solana/transactions.ts';
import { type ChainAccount, outcomeOf, ticketState, transferStep } from '../../../src/chains/solana/transformers.ts';
import { ChainUnavailableError } from '../../../src/chains/types.ts';

/** The Solana adapter's pure parts: account data to ticket states, landings to outcomes, fees, error classes. */
const OWNER = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM' as Address;
const OTHER = '7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV' as Address;
const MINT = 'So11111111111111111111111111111111111111112' as Address;

const mintAccount = (supply: bigint): ChainAccount => ({
  owner: TOKEN_PROGRAM_ADDRESS,
  lamports: 1_461_600n,
  data: new Uint8Array(getMintEncoder().encode({ mintAuthority: null, supply, decimals: 0, isInitialized: true, freezeAuthority: null })),
});

const tokenAccount = (owner: Address, amount: bigint): ChainAccount => ({
  owner: TOKEN_PROGRAM_ADDRESS,
  lamports: 2_039_280n,
  data: new Uint8Array(
    getTokenEncoder().encode({
      mint: MINT,
      owner,
      amount,
      delegate: null,
      state: 1,
      isNative: null,
      delegatedAmount: 0n,
      closeAuthority: null,
    }),
  ),
});

describe('Solana ticket states', () => {
  it('read a mint of supply 1 in its owner’s account as minted, supply 0 as burned, anything else as absent', () => {
    expect(ticketState(mintAccount(1n), tokenAccount(OWNER, 1n), OWNER)).toEqual({ state: 'minted', owner: OWNER });
    expect(ticketState(mintAccount(0n), tokenAccount(OWNER, 0n), OWNER)).toEqual({ state: 'burned' });
    expect(ticketState(null, null, OWNER)).toEqual({ state: 'absent' });
    // Lamports someone sent to the mint address do not make a mint.
    expect(ticketState({ owner: SYSTEM_PROGRAM_ADDRESS, lamports: 1_000n, data: new Uint8Array() }, null, OWNER)).toEqual({
      state: 'absent',
    });
  });

  it('read a supply its expected owner does not hold as held elsewhere', () => {
    expect(ticketState(mintAccount(1n), tokenAccount(OWNER, 0n), OWNER)).toEqual({ state: 'elsewhere' });
    expect(ticketState(mintAccount(1n), null, OWNER)).toEqual({ state: 'elsewhere' });
    expect(ticketState(mintAccount(1n), tokenAccount(OTHER, 1n), OWNER)).toEqual({ state: 'elsewhere' });
  });
});

describe('Solana transfer steps', () => {
  const step = (mint: ChainAccount | null, seller: ChainAccount | null, buyer: ChainAccount | null) =>
    transferStep({ mint, seller, buyer }, OWNER, OTHER);

  it('move a ticket the seller holds, skip one the buyer holds, and refuse the rest with a reason', () => {
    expect(step(mintAccount(1n), tokenAccount(OWNER, 1n), null)).toEqual({ kind: 'send' });
    expect(step(mintAccount(1n), null, tokenAccount(OTHER, 1n))).toEqual({ kind: 'done' });
    expect(step(mintAccount(1n), tokenAccount(OWNER, 0n), tokenAccount(OTHER, 1n))).toEqual({ kind: 'done' });
    expect(step(null, null, null)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/not minted/) });
    expect(step(mintAccount(0n), tokenAccount(OWNER, 0n), null)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/burned/),
    });
    expect(step(mintAccount(1n), tokenAccount(OWNER, 0n), null)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/neither/),
    });
    // An account at the buyer's address whose owner is someone else does not count as the buyer's.
    expect(step(mintAccount(1n), null, tokenAccount(OWNER, 1n))).toMatchObject({ kind: 'refused' });
  });
});

describe('Solana outcomes', () => {
  const sent = { transactionHash: 'sig', ticketIds: ['a', 'b'], cost: { signatures: 3, priorityLamports: 41n, rentLamports: 7_001_760n } };

  it('charge fees and rent for a confirmed transaction, fees only for one that failed on chain, nothing otherwise', () => {
    expect(outcomeOf(sent, { kind: 'landed', err: null }, 5_000n)).toEqual({
      transactionHash: 'sig',
      ticketIds: ['a', 'b'],
      status: 'confirmed',
      feePaid: 15_041n + 7_001_760n,
    });
    expect(outcomeOf(sent, { kind: 'landed', err: { InstructionError: [2n, { Custom: 0n }] } }, 5_000n)).toMatchObject({
      status: 'reverted',
      feePaid: 15_041n,
      error: 'failed on chain: {"InstructionError":[2,{"Custom":0}]}',
    });
    expect(outcomeOf(sent, { kind: 'refused', error: 'refused in simulation' }, 5_000n)).toMatchObject({ status: 'reverted', feePaid: 0n });
    expect(outcomeOf(sent, { kind: 'expired' }, 5_000n)).toMatchObject({
      status: 'reverted',
      feePaid: 0n,
      error: expect.stringMatching(/expired/),
    });
  });
});

describe('Solana fees', () => {
  it('take the median priority fee, rounding the priority charge up as the runtime does', () => {
    expect(median([])).toBe(0n);
    expect(median([5n, 1n, 3n])).toBe(3n);
    expect(median([0n, 0n, 10n, 30n])).toBe(5n);
    expect(priorityLamports(1n, 1)).toBe(1n);
    expect(priorityLamports(1_000_000n, 121_000)).toBe(121_000n);
    expect(priorityLamports(0n, 121_000)).toBe(0n);
  });

  it('grade congestion by the median price: low below 10,000 micro-lamports per unit, high from 1,000,000', () => {
    expect(congestionOf(0n)).toBe('low');
    expect(congestionOf(9_999n)).toBe('low');
    expect(congestionOf(10_000n)).toBe('medium');
    expect(congestionOf(999_999n)).toBe('medium');
    expect(congestionOf(1_000_000n)).toBe('high');
  });

  it('price a ticket as its rent plus its share of a full transaction’s signature and priority fees', () => {
    const market = { lamportsPerSignature: 5_000n, microLamportsPerUnit: 0n, mintRent: 1_461_600n, tokenAccountRent: 2_039_280n };
    // 3 tickets: 4 signatures.
    expect(perTicketLamports(market, 3)).toBe(1_461_600n + 2_039_280n + 6_667n);
    const busy = { ...market, microLamportsPerUnit: 1_000_000n };
    expect(perTicketLamports(busy, 3) - perTicketLamports(market, 3)).toBe(BigInt(Math.ceil(unitsFor(3, MINT_UNITS) / 3)));
  });
});

describe('Solana RPC failures', () => {
  const http = (statusCode: number) =>
    new SolanaError(SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, { headers: new Headers(), message: 'x', statusCode });

  it('are outages when nothing answers, on HTTP 5xx, 429 and 408, and when the node says it is unhealthy', () => {
    expect(rpcFailure('getSlot', new TypeError('fetch failed'))).toBeInstanceOf(ChainUnavailableError);
    expect(rpcFailure('getSlot', new DOMException('timed out', 'TimeoutError'))).toBeInstanceOf(ChainUnavailableError);
    for (const status of [500, 502, 503, 429, 408]) expect(rpcFailure('getSlot', http(status))).toBeInstanceOf(ChainUnavailableError);
    expect(rpcFailure('getSlot', getSolanaErrorFromJsonRpcError({ code: -32005, message: 'Node is unhealthy' }))).toBeInstanceOf(
      ChainUnavailableError,
    );
  });

  it('are refusals (plain errors) on HTTP 4xx and when the chain refuses a transaction', () => {
    const forbidden = rpcFailure('getSlot', http(403));
    expect(forbidden).not.toBeInstanceOf(ChainUnavailableError);
    expect(forbidden.message).toBe('getSlot: the Solana RPC answered HTTP 403');
    const preflight = getSolanaErrorFromJsonRpcError({
      code: -32002,
      message: 'Transaction simulation failed: Error processing Instruction 2: custom program error: 0x0',
      data: {
        err: { InstructionError: [2, { Custom: 0 }] },
        logs: ['Program 11111111111111111111111111111111 failed: custom program error: 0x0'],
      },
    });
    const refused = rpcFailure('sendTransaction', preflight);
    expect(refused).not.toBeInstanceOf(ChainUnavailableError);
    expect(refused.message).toBe(
      'sendTransaction: refused in simulation: Program 11111111111111111111111111111111 failed: custom program error: 0x0',
    );
    expect(isAlreadyProcessed(refused)).toBe(false);
    const again = rpcFailure(
      'sendTransaction',
      getSolanaErrorFromJsonRpcError({ code: -32002, message: 'x', data: { err: 'AlreadyProcessed', logs: [] } }),
    );
    expect(isAlreadyProcessed(again)).toBe(true);
  });
});
