import {
  type Address,
  address,
  createKeyPairSignerFromPrivateKeyBytes,
  createSolanaRpc,
  isSolanaError,
  type KeyPairSigner,
  type Rpc,
  SOLANA_ERROR__JSON_RPC__INTERNAL_ERROR,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_BLOCK_NOT_AVAILABLE,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_BLOCK_STATUS_NOT_AVAILABLE_YET,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_NODE_UNHEALTHY,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR,
  SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED,
  type SolanaRpcApi,
} from '@solana/kit';
import { custodialPrivateKey, solanaAddressOf, ticketMintSeed } from '../custody';
import { ChainUnavailableError } from '../types';

/**
 * The Solana JSON-RPC client (fetch only, so it runs in workerd and Node alike) and the adapter's signers. Keys are
 * derived when needed, turned into non-extractable WebCrypto keys, and their seed bytes zeroed: no private key is
 * kept, logged or returned.
 */
export type SolanaRpc = Rpc<SolanaRpcApi>;

export function createRpc(url: string): SolanaRpc {
  return createSolanaRpc(url);
}

// Errors of a node that is behind, restarting or overloaded: the chain did not look at the request.
const UNAVAILABLE_RPC_CODES = new Set<number>([
  SOLANA_ERROR__JSON_RPC__INTERNAL_ERROR,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_NODE_UNHEALTHY,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_BLOCK_NOT_AVAILABLE,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_BLOCK_STATUS_NOT_AVAILABLE_YET,
]);

/**
 * What a failed RPC request means for the queue. No answer (connection refused, reset, timeout, a body that is not
 * JSON), HTTP 5xx, 429 or 408, or a node that reports itself unhealthy → ChainUnavailableError. Anything else is the
 * chain or the node refusing the request → a plain Error with a short message. Kit's own texts are not used: a
 * production bundle replaces them with error numbers.
 */
export function rpcFailure(what: string, error: unknown): Error {
  if (error instanceof ChainUnavailableError) return error;
  if (!isSolanaError(error)) {
    const reason = error instanceof Error ? error.name : 'unknown error';
    return new ChainUnavailableError(`${what}: the Solana RPC did not answer (${reason})`);
  }
  if (isSolanaError(error, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR)) {
    const status = error.context.statusCode;
    const message = `${what}: the Solana RPC answered HTTP ${status}`;
    return status >= 500 || status === 429 || status === 408 ? new ChainUnavailableError(message) : new Error(message);
  }
  const code = error.context.__code;
  if (UNAVAILABLE_RPC_CODES.has(code)) return new ChainUnavailableError(`${what}: the Solana RPC is unavailable (JSON-RPC ${code})`);
  if (isSolanaError(error, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)) {
    // The last log line names the failing program and its error; without logs, the transaction error's number.
    const logs = error.context.logs ?? [];
    const cause = isSolanaError(error.cause) ? `Solana error ${error.cause.context.__code}` : 'no reason given';
    return new Error(`${what}: refused in simulation: ${logs[logs.length - 1] ?? cause}`, { cause: error });
  }
  const serverMessage = (error.context as { __serverMessage?: unknown }).__serverMessage;
  return new Error(`${what}: refused (JSON-RPC ${code}${typeof serverMessage === 'string' ? `: ${serverMessage}` : ''})`, { cause: error });
}

/** A preflight refusal saying the transaction is on chain already: it is not refused, it has landed. */
export function isAlreadyProcessed(error: unknown): boolean {
  const rpcError = error instanceof Error ? error.cause : undefined;
  return (
    isSolanaError(rpcError, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE) &&
    isSolanaError(rpcError.cause, SOLANA_ERROR__TRANSACTION_ERROR__ALREADY_PROCESSED)
  );
}

/** Sends one request with a deadline; failures become what rpcFailure says. */
export async function call<T>(
  what: string,
  request: { send(options?: { abortSignal?: AbortSignal }): Promise<T> },
  timeoutMs: number,
): Promise<T> {
  try {
    return await request.send({ abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw rpcFailure(what, error);
  }
}

async function signerOf(seed: Uint8Array): Promise<KeyPairSigner> {
  try {
    return await createKeyPairSignerFromPrivateKeyBytes(seed);
  } finally {
    seed.fill(0);
  }
}

/** Refuses a minter key that is not 32 bytes of hex (the message never shows the key). */
export function assertMinterKey(hexKey: string): void {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(hexKey)) throw new Error('the Solana minter key must be 32 bytes of hex');
}

/** The minter (fee payer and mint authority) from the hex of its 32-byte Ed25519 seed. */
export async function minterSigner(hexKey: string): Promise<KeyPairSigner> {
  assertMinterKey(hexKey);
  return signerOf(Uint8Array.from(hexKey.replace(/^0x/, '').match(/../g) ?? [], (byte) => Number.parseInt(byte, 16)));
}

/** The signer of a ticket's mint account (it signs the account's creation only). */
export async function ticketMintSigner(custodySeed: string, tenantId: string, ticketId: string): Promise<KeyPairSigner> {
  return signerOf(await ticketMintSeed(custodySeed, tenantId, ticketId));
}

/** A ticket's mint address, without making a signer. */
export async function ticketMintAddress(custodySeed: string, tenantId: string, ticketId: string): Promise<Address> {
  const seed = await ticketMintSeed(custodySeed, tenantId, ticketId);
  try {
    return address(solanaAddressOf(seed));
  } finally {
    seed.fill(0);
  }
}

/** The custodial key of (tenant, user), which owns that user's tickets and signs their burns. */
export async function custodialSigner(custodySeed: string, tenantId: string, userId: string): Promise<KeyPairSigner> {
  return signerOf(await custodialPrivateKey(custodySeed, { tenantId, userId, chain: 'solana' }));
}
