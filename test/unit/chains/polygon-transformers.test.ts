import { keccak_256 } from '@noble/hashes/sha3.js';
import {
  encodeErrorResult,
  HttpRequestError,
  RpcRequestError,
  TimeoutError,
  toFunctionSignature,
  WaitForTransactionReceiptTimeoutError,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { compileTicketContract } from '../../../dev/chains/ticket-contract.ts';
import { ticketAbi } from '../../../src/chains/polygon/abi.ts';
import {
  chainError,
  isNonceConflict,
  isUnavailable,
  receiptToOutcome,
  statesOfToOnChain,
  tokenIdOf,
  transferStep,
} from '../../../src/chains/polygon/transformers.ts';
import { ChainUnavailableError } from '../../../src/chains/types.ts';

const URL_WITH_KEY = 'https://polygon.rpc.example/v2/SECRET-API-KEY';
const rpcError = (code: number, message: string, extra: { status?: number; data?: string } = {}) =>
  Object.assign(new RpcRequestError({ body: {}, error: { code, message, data: extra.data }, url: URL_WITH_KEY }), { status: extra.status });

describe('Polygon token ids', () => {
  it('are keccak256 of the versioned, length-prefixed (tenant, ticket), as a uint256 decimal string', () => {
    const expected = BigInt(`0x${Buffer.from(keccak_256(new TextEncoder().encode('edgepay-ticket-v1|2:t1|5:tk-01'))).toString('hex')}`);
    expect(tokenIdOf({ tenantId: 't1', ticketId: 'tk-01' })).toBe(expected.toString(10));
    // Pinned: a change of scheme would rename every ticket already on chain.
    expect(tokenIdOf({ tenantId: 't1', ticketId: 'tk-01' })).toBe(
      '60397455890856570829969546577777003827110043942131898133892171501976258903757',
    );
  });

  it('are stable and differ between tenants, tickets and ids that would read the same joined naively', () => {
    const id = tokenIdOf({ tenantId: 't1', ticketId: 'a' });
    expect(tokenIdOf({ tenantId: 't1', ticketId: 'a' })).toBe(id);
    expect(id).toMatch(/^[0-9]+$/);
    expect(BigInt(id) < 2n ** 256n).toBe(true);
    const others = [
      { tenantId: 't2', ticketId: 'a' },
      { tenantId: 't1', ticketId: 'b' },
      { tenantId: 't1|a', ticketId: '' },
      { tenantId: 't', ticketId: '1|a' },
    ];
    expect(new Set([id, ...others.map(tokenIdOf)]).size).toBe(others.length + 1);
  });
});

describe('Polygon wire mapping', () => {
  it('maps statesOf to absent, minted and burned', () => {
    const owner = '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf';
    const zero = '0x0000000000000000000000000000000000000000';
    expect(statesOfToOnChain([zero, owner, zero], [false, false, true])).toEqual([
      { state: 'absent' },
      { state: 'minted', owner },
      { state: 'burned' },
    ]);
    expect(() => statesOfToOnChain([zero], [])).toThrow();
  });

  it('maps receipts to outcomes whose fee is gas used × effective gas price', () => {
    const receipt = { transactionHash: '0xab', gasUsed: 21_000n, effectiveGasPrice: 30_000_000_000n } as const;
    expect(receiptToOutcome({ ...receipt, status: 'success' }, ['t1'])).toEqual({
      transactionHash: '0xab',
      ticketIds: ['t1'],
      status: 'confirmed',
      feePaid: 630_000_000_000_000n,
    });
    expect(receiptToOutcome({ ...receipt, status: 'reverted' }, ['t1'])).toMatchObject({
      status: 'reverted',
      feePaid: 630_000_000_000_000n,
    });
  });
});

describe('Polygon errors', () => {
  it('count no answer, timeouts, 5xx, 429 and rate limits as an unavailable chain', () => {
    const unavailable = [
      new HttpRequestError({ url: URL_WITH_KEY, details: 'fetch failed' }),
      new HttpRequestError({ url: URL_WITH_KEY, status: 503 }),
      new HttpRequestError({ url: URL_WITH_KEY, status: 429 }),
      new TimeoutError({ body: {}, url: URL_WITH_KEY }),
      new WaitForTransactionReceiptTimeoutError({ hash: '0xab' }),
      rpcError(-32005, 'limit exceeded'),
      rpcError(-32000, 'upstream', { status: 502 }),
    ];
    for (const err of unavailable) {
      expect(isUnavailable(err)).toBe(true);
      const mapped = chainError(err, 'reading ticket states');
      expect(mapped).toBeInstanceOf(ChainUnavailableError);
      expect(mapped.message).not.toContain('SECRET-API-KEY');
    }
  });

  it('count what the node answers about the request as a refusal, naming the contract error and no URL', () => {
    const refused = [
      new HttpRequestError({ url: URL_WITH_KEY, status: 401 }),
      rpcError(-32000, 'insufficient funds for gas * price + value'),
      rpcError(3, 'execution reverted', { data: encodeErrorResult({ abi: ticketAbi, errorName: 'NotMinter' }) }),
      new Error('something else'),
    ];
    for (const err of refused) {
      expect(isUnavailable(err)).toBe(false);
      const mapped = chainError(err, 'sending the transaction');
      expect(mapped).not.toBeInstanceOf(ChainUnavailableError);
      expect(mapped.message).toMatch(/^Polygon: sending the transaction failed: /);
      expect(mapped.message).not.toContain('SECRET-API-KEY');
    }
    expect(chainError(refused[2], 'minting').message).toContain('reverted with NotMinter');
    expect(chainError(refused[1], 'minting').message).toContain('insufficient funds');
  });

  it('recognise a nonce another transaction holds', () => {
    for (const message of ['nonce too low', 'already known', 'replacement transaction underpriced', 'Transaction already imported'])
      expect(isNonceConflict(rpcError(-32000, message))).toBe(true);
    expect(isNonceConflict(rpcError(-32000, 'insufficient funds for gas * price + value'))).toBe(false);
    expect(isNonceConflict(new Error('nonce too low'))).toBe(false);
  });
});

describe('Polygon ABI', () => {
  it('names only functions, events and errors the compiled TicketNFT has', async () => {
    const { abi } = await compileTicketContract();
    const compiled = new Set(abi.filter((item) => 'name' in item).map((item) => `${item.type} ${toFunctionSignature(item as never)}`));
    for (const item of ticketAbi) expect(compiled).toContain(`${item.type} ${toFunctionSignature(item as never)}`);
  });
});

describe('Polygon transfer steps', () => {
  const seller = '0x1111111111111111111111111111111111111111';
  const buyer = '0xAbCdEf0000000000000000000000000000000001';

  it('move a ticket the seller holds, skip one the buyer holds (addresses in any case), and refuse the rest with a reason', () => {
    expect(transferStep({ state: 'minted', owner: seller }, seller, buyer)).toEqual({ kind: 'send' });
    expect(transferStep({ state: 'minted', owner: buyer.toLowerCase() }, seller, buyer)).toEqual({ kind: 'done' });
    expect(transferStep({ state: 'absent' }, seller, buyer)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/not minted/),
    });
    expect(transferStep({ state: 'burned' }, seller, buyer)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/burned/) });
    const other = '0x2222222222222222222222222222222222222222';
    expect(transferStep({ state: 'minted', owner: other }, seller, buyer)).toEqual({
      kind: 'refused',
      reason: expect.stringContaining(other),
    });
  });
});
