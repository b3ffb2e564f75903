import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  type Address,
  address,
  decompileTransactionMessage,
  getBase58Decoder,
  getBase58Encoder,
  getCompiledTransactionMessageDecoder,
  getSignatureFromTransaction,
  getTransactionDecoder,
  getTransactionMessageComputeUnitLimit,
  getTransactionMessageComputeUnitPrice,
  isAddress,
  lamports,
  type Transaction,
  signature as toSignature,
} from '@solana/kit';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { base58Encode } from '../../src/chains/base58.ts';
import { freePort } from '../ports.ts';
import { type TransactionErrorJson, transactionErrorJson, transactionErrorText } from './solana-errors.ts';

/**
 * A Solana JSON-RPC 2.0 endpoint for tests and the local stack, backed by one in-process LiteSVM that executes the
 * real signed transactions with the real SPL Token, Token-2022 and Associated Token Account programs (LiteSVM loads
 * them by default). It answers the methods the Solana adapter (src/chains/solana) uses, in the shapes an agave node
 * answers them; any other method is -32601.
 *
 * Slots: one passes every `slotMs` (400 ms, as on mainnet) and after every executed transaction, each with a new
 * blockhash that stays valid for 150 blocks (block height = slot here: no slot is skipped). LiteSVM's own check
 * accepts only its newest blockhash, so it is off and the emulator checks the 150-block window itself, as a node does.
 * Every executed transaction is final at once ('finalized').
 *
 * sendTransaction runs the preflight simulation unless skipPreflight: a failure is -32002 "Transaction simulation
 * failed: …" with the simulation in `data`, a bad signature -32003. With skipPreflight, a transaction failing on chain
 * still lands (its fee is charged) with `err` in its status, and one with an unknown or expired blockhash is accepted
 * and never lands, as a leader drops it.
 *
 * Control endpoints for tests:
 *   POST /__solana/config { refuseTransactions?, priorityFeeMicroLamports?, dropTransactions? }
 *        refuseTransactions: sendTransaction answers -32002 as a node whose simulation finds the fee payer unfunded;
 *        priorityFeeMicroLamports: what getRecentPrioritizationFees reports for every recent slot (default 0);
 *        dropTransactions: the next n sendTransaction calls answer a signature and execute nothing (lost in flight).
 *   POST /__solana/slots { advance }   let `advance` slots pass at once (expires blockhashes)
 *   GET  /__solana/transactions        { count, signatures, transactions: [{ signature, slot, bytes, err }] }: the
 *                                      transactions sendTransaction executed, oldest first (those that failed on
 *                                      chain too, with their err; airdrops are not counted)
 */
export type SolanaRpcEmulator = {
  url: string;
  /** Hex of the 32-byte Ed25519 seed of a fee payer funded with 1000 SOL. */
  minterKey: string;
  svm: LiteSVM;
  stop(): Promise<void>;
};

export type SolanaRpcOptions = { port?: number; slotMs?: number };

const VALID_BLOCKS = 150n;
const SLOTS_PER_EPOCH = 432_000n;
const MINTER_LAMPORTS = 1_000_000_000_000n;
const RENT_EPOCH_EXEMPT = 18_446_744_073_709_551_615n;
const SIGNATURE_FEE = 5_000n;
const DEFAULT_UNITS_PER_INSTRUCTION = 200_000;
const MAX_UNITS = 1_400_000;
const API_VERSION = '2.3.0';

class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

type Status = { slot: bigint; err: TransactionErrorJson | null };
type Config = { refuseTransactions: boolean; priorityFeeMicroLamports: number; dropTransactions: number };
type Method = (params: unknown[]) => unknown;

/** JSON with bigints written as plain numbers, as a node writes u64 values. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v)).replace(/"\\u0000(\d+)\\u0000"/g, '$1');
}

function addressParam(value: unknown): Address {
  if (typeof value !== 'string' || !isAddress(value)) throw new RpcError(-32602, 'Invalid param: WrongSize');
  return value;
}

function configParam(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function decodeBytes(value: unknown, encoding: unknown): Uint8Array {
  if (typeof value !== 'string') throw new RpcError(-32602, 'Invalid params: expected a string');
  try {
    if (encoding === 'base64') return new Uint8Array(Buffer.from(value, 'base64'));
    if (encoding === undefined || encoding === 'base58') return new Uint8Array(getBase58Encoder().encode(value));
  } catch {
    throw new RpcError(-32602, `invalid ${encoding ?? 'base58'} encoding`);
  }
  throw new RpcError(-32602, `Invalid params: unknown encoding ${String(encoding)}`);
}

export async function startSolanaRpc(opts: SolanaRpcOptions = {}): Promise<SolanaRpcEmulator> {
  const svm = new LiteSVM().withBlockhashCheck(false);
  const config: Config = { refuseTransactions: false, priorityFeeMicroLamports: 0, dropTransactions: 0 };
  const blockhashes = new Map<string, bigint>();
  const statuses = new Map<string, Status>();
  const executed: { signature: string; slot: bigint; bytes: number; err: TransactionErrorJson | null }[] = [];
  let slot = svm.getClock().slot;
  let latest = { blockhash: svm.latestBlockhash(), lastValidBlockHeight: slot + VALID_BLOCKS };
  blockhashes.set(latest.blockhash, latest.lastValidBlockHeight);

  function nextSlot(count = 1n): void {
    slot += count;
    svm.warpToSlot(slot);
    svm.expireBlockhash();
    latest = { blockhash: svm.latestBlockhash(), lastValidBlockHeight: slot + VALID_BLOCKS };
    blockhashes.set(latest.blockhash, latest.lastValidBlockHeight);
    for (const [hash, lastValid] of blockhashes) if (lastValid + VALID_BLOCKS < slot) blockhashes.delete(hash);
  }

  const context = () => ({ apiVersion: API_VERSION, slot });
  const blockhashValid = (blockhash: string) => (blockhashes.get(blockhash) ?? -1n) >= slot;

  function accountJson(target: Address) {
    const account = svm.getAccount(target);
    if (!account.exists) return null;
    return {
      data: [Buffer.from(account.data).toString('base64'), 'base64'],
      executable: account.executable,
      lamports: account.lamports,
      owner: account.programAddress,
      rentEpoch: RENT_EPOCH_EXEMPT,
      space: account.space,
    };
  }

  function accountEncoding(params: unknown[], index: number): void {
    const encoding = configParam(params[index]).encoding;
    if (encoding !== undefined && encoding !== 'base64') throw new RpcError(-32602, `Invalid params: unsupported encoding ${encoding}`);
  }

  function decodeTransaction(params: unknown[]): { transaction: Transaction; signature: string; blockhash: string; bytes: number } {
    const bytes = decodeBytes(params[0], configParam(params[1]).encoding);
    try {
      const transaction = getTransactionDecoder().decode(bytes);
      const { lifetimeToken } = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes);
      return { transaction, signature: getSignatureFromTransaction(transaction), blockhash: lifetimeToken, bytes: bytes.length };
    } catch {
      throw new RpcError(-32602, 'invalid transaction: Transaction failed to sanitize accounts offsets correctly');
    }
  }

  function preflightFailure(err: TransactionErrorJson, logs: string[], unitsConsumed: bigint): RpcError {
    return new RpcError(-32002, `Transaction simulation failed: ${transactionErrorText(err)}`, {
      accounts: null,
      err,
      innerInstructions: null,
      loadedAccountsDataSize: 0,
      logs,
      replacementBlockhash: null,
      returnData: null,
      unitsConsumed,
    });
  }

  function simulate(transaction: Transaction): void {
    let result: ReturnType<LiteSVM['simulateTransaction']>;
    try {
      result = svm.simulateTransaction(transaction);
    } catch {
      // LiteSVM refuses a transaction missing a signature before simulating it.
      throw new RpcError(-32003, 'Transaction signature verification failure');
    }
    if (!(result instanceof FailedTransactionMetadata)) return;
    const err = transactionErrorJson(result.err());
    if (err === 'SignatureFailure') throw new RpcError(-32003, 'Transaction signature verification failure');
    const meta = result.meta();
    throw preflightFailure(err, meta.logs(), meta.computeUnitsConsumed());
  }

  function sendTransaction(params: unknown[]): string {
    const { transaction, signature, blockhash, bytes } = decodeTransaction(params);
    const skipPreflight = configParam(params[1]).skipPreflight === true;
    if (config.refuseTransactions) throw preflightFailure('AccountNotFound', [], 0n);
    if (statuses.has(signature)) {
      if (skipPreflight) return signature;
      throw preflightFailure('AlreadyProcessed', [], 0n);
    }
    const valid = blockhashValid(blockhash);
    if (!skipPreflight) {
      if (!valid) throw preflightFailure('BlockhashNotFound', [], 0n);
      simulate(transaction);
    }
    if (config.dropTransactions > 0) {
      config.dropTransactions--;
      return signature;
    }
    if (!valid) return signature;
    let result: ReturnType<LiteSVM['sendTransaction']>;
    try {
      result = svm.sendTransaction(transaction);
    } catch {
      return signature;
    }
    // A transaction that failed before running (bad signature, unfunded fee payer) never lands; one that failed
    // while running lands, pays its fee, and LiteSVM keeps it in its history.
    const err = result instanceof FailedTransactionMetadata ? transactionErrorJson(result.err()) : null;
    if (err !== null && svm.getTransaction(toSignature(signature)) === null) return signature;
    statuses.set(signature, { slot, err });
    executed.push({ signature, slot, bytes, err });
    nextSlot();
    return signature;
  }

  function feeForMessage(params: unknown[]): bigint | null {
    const bytes = decodeBytes(params[0], 'base64');
    let compiled: ReturnType<ReturnType<typeof getCompiledTransactionMessageDecoder>['decode']>;
    try {
      compiled = getCompiledTransactionMessageDecoder().decode(bytes);
    } catch {
      throw new RpcError(-32602, 'Invalid params: invalid message');
    }
    if (!blockhashValid(compiled.lifetimeToken)) return null;
    const message = decompileTransactionMessage(compiled);
    const signatures = BigInt(compiled.header.numSignerAccounts);
    if (message.version === 1) return signatures * SIGNATURE_FEE;
    const budgetInstructions = message.instructions.filter((i) => i.programAddress === 'ComputeBudget111111111111111111111111111111');
    const units =
      getTransactionMessageComputeUnitLimit(message) ??
      Math.min(MAX_UNITS, DEFAULT_UNITS_PER_INSTRUCTION * (message.instructions.length - budgetInstructions.length));
    const price = getTransactionMessageComputeUnitPrice(message) ?? 0n;
    // agave rounds the priority fee up: ceil(price × units / 10^6).
    return signatures * SIGNATURE_FEE + (price * BigInt(units) + 999_999n) / 1_000_000n;
  }

  function tokenLargestAccounts(params: unknown[]) {
    const mint = addressParam(params[0]);
    const account = svm.getAccount(mint);
    if (!account.exists || account.data.length !== 82) throw new RpcError(-32602, 'Invalid param: could not find mint');
    const decimals = account.data[44] ?? 0;
    const mintBytes = Buffer.from(getBase58Encoder().encode(mint));
    const holders = svm
      .getProgramAccounts(account.programAddress)
      .filter((a) => a.data.length >= 165 && mintBytes.equals(Buffer.from(a.data.subarray(0, 32))))
      .map((a) => ({ address: a.address, amount: Buffer.from(a.data).readBigUInt64LE(64) }))
      .sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : 0))
      .slice(0, 20);
    const value = holders.map(({ address: holder, amount }) => {
      const ui = Number(amount) / 10 ** decimals;
      return { address: holder, amount: String(amount), decimals, uiAmount: ui, uiAmountString: String(ui) };
    });
    return { context: context(), value };
  }

  const methods: Record<string, Method> = {
    getHealth: () => 'ok',
    getSlot: () => slot,
    getBlockHeight: () => slot,
    getEpochInfo: () => ({
      absoluteSlot: slot,
      blockHeight: slot,
      epoch: slot / SLOTS_PER_EPOCH,
      slotIndex: slot % SLOTS_PER_EPOCH,
      slotsInEpoch: SLOTS_PER_EPOCH,
      transactionCount: BigInt(executed.length),
    }),
    getLatestBlockhash: () => ({ context: context(), value: latest }),
    isBlockhashValid: (params) => ({ context: context(), value: blockhashValid(String(params[0])) }),
    getMinimumBalanceForRentExemption: (params) => {
      const size = Number(params[0] ?? 0);
      if (!Number.isInteger(size) || size < 0) throw new RpcError(-32602, 'Invalid params: invalid data length');
      return svm.minimumBalanceForRentExemption(BigInt(size));
    },
    getFeeForMessage: (params) => ({ context: context(), value: feeForMessage(params) }),
    getRecentPrioritizationFees: () => {
      const count = slot + 1n < VALID_BLOCKS ? slot + 1n : VALID_BLOCKS;
      const fees = [];
      for (let s = slot - count + 1n; s <= slot; s++) fees.push({ slot: s, prioritizationFee: BigInt(config.priorityFeeMicroLamports) });
      return fees;
    },
    getBalance: (params) => ({ context: context(), value: svm.getBalance(addressParam(params[0])) ?? 0n }),
    getAccountInfo: (params) => {
      accountEncoding(params, 1);
      return { context: context(), value: accountJson(addressParam(params[0])) };
    },
    getMultipleAccounts: (params) => {
      accountEncoding(params, 1);
      const targets = Array.isArray(params[0]) ? params[0] : [];
      if (targets.length > 100) throw new RpcError(-32602, 'Too many inputs provided; max 100');
      return { context: context(), value: targets.map((t) => accountJson(addressParam(t))) };
    },
    getTokenLargestAccounts: tokenLargestAccounts,
    sendTransaction,
    getSignatureStatuses: (params) => {
      const signatures = Array.isArray(params[0]) ? params[0] : [];
      if (signatures.length > 256) throw new RpcError(-32602, 'Too many inputs provided; max 256');
      const value = signatures.map((signature) => {
        const status = statuses.get(String(signature));
        if (!status) return null;
        const { err } = status;
        return { slot: status.slot, confirmations: null, err, status: err ? { Err: err } : { Ok: null }, confirmationStatus: 'finalized' };
      });
      return { context: context(), value };
    },
    requestAirdrop: (params) => {
      const target = addressParam(params[0]);
      const amount = BigInt(Number(params[1] ?? 0));
      const result = svm.airdrop(target, lamports(amount));
      if (!result || result instanceof FailedTransactionMetadata) throw new RpcError(-32600, 'airdrop request failed');
      const signature = getBase58Decoder().decode(result.signature());
      statuses.set(signature, { slot, err: null });
      // A new blockhash, so that the same airdrop asked again is another transaction.
      nextSlot();
      return signature;
    },
  };

  function answer(request: unknown): unknown {
    const { id = null, method, params = [] } = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    if (typeof method !== 'string' || !Array.isArray(params)) {
      return { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid request' }, id };
    }
    const handler = methods[method];
    if (!handler) return { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id };
    try {
      return { jsonrpc: '2.0', result: handler(params), id };
    } catch (error) {
      if (!(error instanceof RpcError)) return { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id };
      const body = { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
      return { jsonrpc: '2.0', error: body, id };
    }
  }

  function control(method: string, path: string, body: Record<string, unknown>): unknown {
    if (method === 'GET' && path === '/__solana/transactions') {
      return { count: executed.length, signatures: executed.map((t) => t.signature), transactions: executed };
    }
    if (method === 'POST' && path === '/__solana/config') {
      if (typeof body.refuseTransactions === 'boolean') config.refuseTransactions = body.refuseTransactions;
      if (typeof body.priorityFeeMicroLamports === 'number') config.priorityFeeMicroLamports = body.priorityFeeMicroLamports;
      if (typeof body.dropTransactions === 'number') config.dropTransactions = body.dropTransactions;
      return config;
    }
    if (method === 'POST' && path === '/__solana/slots') {
      nextSlot(BigInt(Math.max(1, Math.floor(Number(body.advance ?? 1)))));
      return { slot };
    }
    return undefined;
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(toJson(payload));
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/health') return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (path.startsWith('/__solana/')) {
      let body: Record<string, unknown> = {};
      try {
        body = configParam(raw ? JSON.parse(raw) : {});
      } catch {
        return reply(400, { error: 'invalid JSON' });
      }
      const result = control(req.method ?? 'GET', path, body);
      return result === undefined ? reply(404, { error: 'not found' }) : reply(200, result);
    }
    if (req.method !== 'POST') return reply(405, { error: 'method not allowed' });
    let request: unknown;
    try {
      request = JSON.parse(raw);
    } catch {
      return reply(200, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    }
    reply(200, Array.isArray(request) ? request.map(answer) : answer(request));
  });

  const seed = randomBytes(32);
  // With noble rather than kit's WebCrypto signer: this runs in Node under whatever export conditions the
  // caller's bundler picked, and kit's browser build refuses Node's crypto as an insecure context.
  const minter = { address: base58Encode(ed25519.getPublicKey(seed)) };
  svm.airdrop(address(minter.address), lamports(MINTER_LAMPORTS));
  const ticker = setInterval(() => nextSlot(), opts.slotMs ?? 400);
  ticker.unref();

  const port = opts.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    minterKey: seed.toString('hex'),
    svm,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
