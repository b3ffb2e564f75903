import {
  type Address,
  appendTransactionMessageInstructions,
  type Blockhash,
  compileTransactionMessage,
  createKeyPairSignerFromPrivateKeyBytes,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  getCompiledTransactionMessageEncoder,
  getSignatureFromTransaction,
  type KeyPairSigner,
  pipe,
  setTransactionMessageComputeUnitLimit,
  setTransactionMessageComputeUnitPrice,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SolanaRpcEmulator, startSolanaRpc } from '../../../dev/chains/solana-rpc.ts';

/**
 * The Solana JSON-RPC emulator answers as an agave node does: the shapes the adapter's client parses, preflight
 * failures as -32002 with the simulation, blockhashes that expire after 150 blocks, and its control endpoints.
 */
let chain: SolanaRpcEmulator;
let minter: KeyPairSigner;

beforeAll(async () => {
  chain = await startSolanaRpc();
  minter = await createKeyPairSignerFromPrivateKeyBytes(Uint8Array.from(Buffer.from(chain.minterKey, 'hex')));
});

afterAll(async () => {
  await chain?.stop();
});

type RpcAnswer<T> = { jsonrpc: '2.0'; id: number; result?: T; error?: { code: number; message: string; data?: any } };

async function post(body: string): Promise<{ text: string; json: any }> {
  const response = await fetch(chain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  return { text, json: JSON.parse(text) };
}

async function answer<T = any>(method: string, params: unknown[] = []): Promise<RpcAnswer<T>> {
  return (await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }))).json;
}

async function result<T = any>(method: string, params: unknown[] = []): Promise<T> {
  const body = await answer<T>(method, params);
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

async function control<T = any>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${chain.url}/__solana/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as T;
}

async function lifetime(): Promise<{ blockhash: Blockhash; lastValidBlockHeight: bigint }> {
  const { value } = await result('getLatestBlockhash');
  return { blockhash: value.blockhash, lastValidBlockHeight: BigInt(value.lastValidBlockHeight) };
}

/** A signed SOL transfer, base64, optionally with a priority fee. */
async function transfer(
  from: KeyPairSigner,
  to: Address,
  amount: bigint,
  options: { blockhash?: Awaited<ReturnType<typeof lifetime>>; price?: bigint } = {},
) {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(from, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(options.blockhash ?? { blockhash: chainBlockhash, lastValidBlockHeight: 0n }, m),
    (m) => setTransactionMessageComputeUnitLimit(10_000, m),
    (m) => setTransactionMessageComputeUnitPrice(options.price ?? 0n, m),
    (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: from, destination: to, amount })], m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  const messageBase64 = Buffer.from(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(message))).toString('base64');
  return { wire: getBase64EncodedWireTransaction(signed), messageBase64, signature: getSignatureFromTransaction(signed) };
}

let chainBlockhash: Blockhash;

async function fundedAccount(lamports: number): Promise<KeyPairSigner> {
  const signer = await generateKeyPairSigner();
  await result('requestAirdrop', [signer.address, lamports]);
  return signer;
}

describe('Solana RPC emulator', () => {
  it('answers the node’s health, slot and blockhash methods in their shapes', async () => {
    expect(await result('getHealth')).toBe('ok');
    const slot = await result<number>('getSlot');
    expect(await result<number>('getBlockHeight')).toBeGreaterThanOrEqual(slot);
    const latest = await answer('getLatestBlockhash');
    expect(latest).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: { context: { slot: expect.any(Number) }, value: { blockhash: expect.any(String) } },
    });
    expect(latest.result.value.lastValidBlockHeight - latest.result.context.slot).toBe(150);
    expect(await result('isBlockhashValid', [latest.result.value.blockhash])).toMatchObject({ value: true });
    expect(await result('getEpochInfo')).toMatchObject({ absoluteSlot: expect.any(Number), slotsInEpoch: 432_000 });
    expect(await result('getMinimumBalanceForRentExemption', [82])).toBe(1_461_600);
    expect(await result('getMinimumBalanceForRentExemption', [165])).toBe(2_039_280);
  });

  it('answers JSON-RPC errors as a node does: unknown method, parse error, bad params, batches', async () => {
    expect((await answer('getBlockProduction')).error).toEqual({ code: -32601, message: 'Method not found' });
    expect((await post('{not json')).json.error.code).toBe(-32700);
    expect((await answer('getBalance', ['not-an-address'])).error?.code).toBe(-32602);
    const many = Array.from({ length: 101 }, () => minter.address);
    expect((await answer('getMultipleAccounts', [many, { encoding: 'base64' }])).error?.code).toBe(-32602);
    expect((await answer('getAccountInfo', [minter.address, { encoding: 'jsonParsed' }])).error?.code).toBe(-32602);
    const batch = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'getHealth' },
        { jsonrpc: '2.0', id: 2, method: 'getSlot' },
      ]),
    );
    expect(batch.json.map((b: RpcAnswer<unknown>) => b.id)).toEqual([1, 2]);
  });

  it('serves accounts with base64 data, owner, lamports and a u64 rentEpoch written as a plain number', async () => {
    const { text, json } = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getAccountInfo', params: [minter.address, { encoding: 'base64' }] }),
    );
    expect(json.result.value).toMatchObject({
      data: ['', 'base64'],
      executable: false,
      owner: '11111111111111111111111111111111',
      space: 0,
    });
    expect(json.result.value.lamports).toBe(1_000_000_000_000);
    expect(text).toContain('"rentEpoch":18446744073709551615');
    const nobody = (await generateKeyPairSigner()).address;
    const multiple = await result('getMultipleAccounts', [[nobody, minter.address], { encoding: 'base64' }]);
    expect(multiple.value[0]).toBeNull();
    expect(multiple.value[1].owner).toBe('11111111111111111111111111111111');
    expect(await result('getBalance', [nobody])).toMatchObject({ value: 0 });
  });

  it('executes a signed transaction, final at once, and moves to a new slot and blockhash', async () => {
    chainBlockhash = (await lifetime()).blockhash;
    const before = await control('transactions');
    const to = (await generateKeyPairSigner()).address;
    const tx = await transfer(minter, to, 5_000_000n);
    const signature = await result<string>('sendTransaction', [tx.wire, { encoding: 'base64' }]);
    expect(signature).toBe(tx.signature);
    const { value } = await result('getSignatureStatuses', [[signature]]);
    expect(value).toEqual([
      { slot: expect.any(Number), confirmations: null, err: null, status: { Ok: null }, confirmationStatus: 'finalized' },
    ]);
    expect(await result('getBalance', [to])).toMatchObject({ value: 5_000_000 });
    expect((await lifetime()).blockhash).not.toBe(chainBlockhash);
    const after = await control('transactions');
    expect(after.count).toBe(before.count + 1);
    expect(after.signatures.at(-1)).toBe(signature);
    expect(after.transactions.at(-1)).toMatchObject({ signature, err: null, bytes: Buffer.from(tx.wire, 'base64').length });
    // The same transaction again: refused in preflight, or accepted without landing twice.
    expect((await answer('sendTransaction', [tx.wire, { encoding: 'base64' }])).error).toMatchObject({
      code: -32002,
      data: { err: 'AlreadyProcessed' },
    });
    expect(await result('sendTransaction', [tx.wire, { encoding: 'base64', skipPreflight: true }])).toBe(signature);
    expect((await control('transactions')).count).toBe(after.count);
  });

  it('refuses a failing transaction in preflight with -32002 and the simulation; without preflight it lands failed, fee paid', async () => {
    const poor = await fundedAccount(10_000_000);
    chainBlockhash = (await lifetime()).blockhash;
    const tx = await transfer(poor, minter.address, 50_000_000n);
    const refused = await answer('sendTransaction', [tx.wire, { encoding: 'base64' }]);
    expect(refused.error).toMatchObject({
      code: -32002,
      message: 'Transaction simulation failed: Error processing Instruction 2: custom program error: 0x1',
      data: { err: { InstructionError: [2, { Custom: 1 }] }, accounts: null, logs: expect.any(Array), unitsConsumed: expect.any(Number) },
    });
    expect(refused.error?.data.logs.at(-1)).toMatch(/failed: custom program error: 0x1/);
    const landed = await result<string>('sendTransaction', [tx.wire, { encoding: 'base64', skipPreflight: true }]);
    expect(landed).toBe(tx.signature);
    expect(await result('getSignatureStatuses', [[landed]])).toMatchObject({
      value: [
        {
          err: { InstructionError: [2, { Custom: 1 }] },
          status: { Err: { InstructionError: [2, { Custom: 1 }] } },
          confirmationStatus: 'finalized',
        },
      ],
    });
    expect(await result('getBalance', [poor.address])).toMatchObject({ value: 10_000_000 - 5_000 });
    expect((await control('transactions')).transactions.at(-1).err).toEqual({ InstructionError: [2, { Custom: 1 }] });
  });

  it('lets a blockhash expire after 150 blocks: preflight says BlockhashNotFound, without preflight it never lands', async () => {
    const old = await lifetime();
    chainBlockhash = old.blockhash;
    const tx = await transfer(minter, (await generateKeyPairSigner()).address, 1_000_000n, { blockhash: old });
    await control('slots', { advance: 151 });
    expect(await result('isBlockhashValid', [old.blockhash])).toMatchObject({ value: false });
    expect((await answer('sendTransaction', [tx.wire, { encoding: 'base64' }])).error).toMatchObject({
      code: -32002,
      message: 'Transaction simulation failed: Blockhash not found',
      data: { err: 'BlockhashNotFound' },
    });
    const signature = await result('sendTransaction', [tx.wire, { encoding: 'base64', skipPreflight: true }]);
    expect(await result('getSignatureStatuses', [[signature]])).toMatchObject({ value: [null] });
    expect(await result('getFeeForMessage', [tx.messageBase64])).toMatchObject({ value: null });
  });

  it('prices a message at 5,000 lamports per signature plus its priority fee, rounded up', async () => {
    chainBlockhash = (await lifetime()).blockhash;
    const plain = await transfer(minter, minter.address, 1n);
    expect(await result('getFeeForMessage', [plain.messageBase64])).toMatchObject({ value: 5_000 });
    const priced = await transfer(minter, minter.address, 1n, { price: 1_500n });
    // 10,000 units at 1,500 micro-lamports: 15 lamports.
    expect(await result('getFeeForMessage', [priced.messageBase64])).toMatchObject({ value: 5_015 });
    const before = BigInt((await result('getBalance', [minter.address])).value);
    await result('sendTransaction', [priced.wire, { encoding: 'base64' }]);
    expect(before - BigInt((await result('getBalance', [minter.address])).value)).toBe(5_015n);
  });

  it('reports the configured priority fee for the recent slots, and refuses or drops transactions when told', async () => {
    await control('config', { priorityFeeMicroLamports: 1_234 });
    const fees = await result<{ slot: number; prioritizationFee: number }[]>('getRecentPrioritizationFees', [[minter.address]]);
    expect(fees).toHaveLength(150);
    expect(fees.every((f) => f.prioritizationFee === 1_234)).toBe(true);
    await control('config', { priorityFeeMicroLamports: 0 });

    chainBlockhash = (await lifetime()).blockhash;
    const tx = await transfer(minter, minter.address, 2n);
    await control('config', { refuseTransactions: true });
    const refused = await answer('sendTransaction', [tx.wire, { encoding: 'base64' }]);
    await control('config', { refuseTransactions: false });
    expect(refused.error).toMatchObject({ code: -32002, data: { err: 'AccountNotFound' } });

    const before = (await control('transactions')).count;
    await control('config', { dropTransactions: 1 });
    const signature = await result('sendTransaction', [tx.wire, { encoding: 'base64' }]);
    expect(await result('getSignatureStatuses', [[signature]])).toMatchObject({ value: [null] });
    // Sent again, it lands.
    await result('sendTransaction', [tx.wire, { encoding: 'base64', skipPreflight: true }]);
    expect(await result('getSignatureStatuses', [[signature]])).toMatchObject({ value: [{ err: null }] });
    expect((await control('transactions')).count).toBe(before + 1);
  });

  it('refuses a transaction whose signature does not verify with -32003', async () => {
    chainBlockhash = (await lifetime()).blockhash;
    const tx = await transfer(minter, minter.address, 3n);
    const bytes = Buffer.from(tx.wire, 'base64');
    bytes[10] = (bytes[10] as number) ^ 0xff; // inside the first signature
    const refused = await answer('sendTransaction', [bytes.toString('base64'), { encoding: 'base64' }]);
    expect(refused.error?.code).toBe(-32003);
  });

  it('closes its server and every connection on stop', async () => {
    const other = await startSolanaRpc();
    const keepAlive = await fetch(other.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }) });
    expect(await keepAlive.json()).toMatchObject({ result: 'ok' });
    await other.stop();
    await expect(fetch(other.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
