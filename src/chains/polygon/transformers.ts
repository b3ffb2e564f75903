import {
  BaseError,
  decodeErrorResult,
  type Hex,
  HttpRequestError,
  hexToBigInt,
  keccak256,
  RpcRequestError,
  stringToBytes,
  TimeoutError,
  type TransactionReceipt,
  WaitForTransactionReceiptTimeoutError,
  zeroAddress,
} from 'viem';
import { REFUSALS, type TransferStep } from '../transfers';
import { ChainUnavailableError, type MintOutcome, type OnChainState } from '../types';
import { ticketAbi } from './abi';

/**
 * Polygon's wire ↔ the common chain model: token ids, receipts, the contract's statesOf answer, and errors
 * (which of them mean "the chain cannot be reached" and which are the chain's answer). Pure functions.
 */

const TOKEN_ID_DOMAIN = 'edgepay-ticket-v1';

/**
 * The ticket's token id, a uint256 as a decimal string: keccak256 of "edgepay-ticket-v1|<len>:<tenantId>|<len>:<ticketId>".
 * Lengths come first so no two (tenant, ticket) pairs hash the same text; the version names the scheme so a later one
 * gives unrelated ids. Deterministic: a resent mint names the same token.
 */
export function tokenIdOf(ticket: { tenantId: string; ticketId: string }): string {
  const text = [TOKEN_ID_DOMAIN, ...[ticket.tenantId, ticket.ticketId].map((part) => `${part.length}:${part}`)].join('|');
  return hexToBigInt(keccak256(stringToBytes(text))).toString(10);
}

/** A mined receipt → the outcome of its tickets; the fee is what the minter paid (gas used × effective gas price). */
export function receiptToOutcome(
  receipt: Pick<TransactionReceipt, 'transactionHash' | 'status' | 'gasUsed' | 'effectiveGasPrice'>,
  ticketIds: readonly string[],
): MintOutcome {
  const feePaid = receipt.gasUsed * receipt.effectiveGasPrice;
  if (receipt.status === 'success') return { transactionHash: receipt.transactionHash, ticketIds, status: 'confirmed', feePaid };
  return { transactionHash: receipt.transactionHash, ticketIds, status: 'reverted', feePaid, error: 'the transaction reverted' };
}

/** statesOf's two arrays → one state per token id, in order. A burned id has no owner; a zero owner means never minted. */
export function statesOfToOnChain(owners: readonly string[], burned: readonly boolean[]): OnChainState[] {
  if (owners.length !== burned.length) throw new Error('statesOf answered arrays of different lengths');
  return owners.map((owner, i) => {
    if (burned[i]) return { state: 'burned' };
    return owner.toLowerCase() === zeroAddress ? { state: 'absent' } : { state: 'minted', owner };
  });
}

/** What a resale does with a ticket in `state`: move it from the seller, nothing (the buyer holds it), or refuse it. */
export function transferStep(state: OnChainState, seller: string, to: string): TransferStep {
  if (state.state !== 'minted') return { kind: 'refused', reason: REFUSALS[state.state] };
  const holder = state.owner.toLowerCase();
  if (holder === to.toLowerCase()) return { kind: 'done' };
  if (holder === seller.toLowerCase()) return { kind: 'send' };
  return { kind: 'refused', reason: `${REFUSALS.elsewhere} (it is held by ${state.owner})` };
}

// Statuses a healthy node behind a busy or failing gateway answers with; the request may well succeed later.
const UNAVAILABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
// JSON-RPC codes of rate limits: -32005 (EIP-1474 limit exceeded), 429 and -32007 (providers' own).
const RATE_LIMIT_CODES = new Set([-32005, -32007, 429]);

/** Whether the error means the RPC could not be reached or did not answer in time, rather than an answer about the request. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof BaseError)) return false;
  const cause = err.walk(
    (e) =>
      e instanceof HttpRequestError ||
      e instanceof TimeoutError ||
      e instanceof RpcRequestError ||
      e instanceof WaitForTransactionReceiptTimeoutError,
  );
  if (cause instanceof TimeoutError || cause instanceof WaitForTransactionReceiptTimeoutError) return true;
  // No status: the request never got an HTTP answer (connection refused or reset, DNS, TLS).
  if (cause instanceof HttpRequestError) return cause.status === undefined || UNAVAILABLE_STATUSES.has(cause.status);
  if (cause instanceof RpcRequestError)
    return (cause.status !== undefined && UNAVAILABLE_STATUSES.has(cause.status)) || RATE_LIMIT_CODES.has(cause.code);
  return false;
}

// What nodes answer when the transaction's nonce is no longer free: it was mined, or another transaction holds it.
const NONCE_CONFLICT = /nonce too low|already known|transaction already imported|known transaction|replacement transaction underpriced/i;

export function isNonceConflict(err: unknown): boolean {
  return err instanceof BaseError && err.walk((e) => NONCE_CONFLICT.test((e as { details?: string }).details ?? '')) !== null;
}

/**
 * The error the adapter throws for a failed RPC step (`doing`, e.g. "sending the mint"): ChainUnavailableError when
 * the node was not reached, else a plain Error with viem's short message and the node's own words. Neither carries
 * the original error: viem's full messages hold the RPC URL, whose path often holds the provider's API key.
 */
export function chainError(err: unknown, doing: string): Error {
  if (err instanceof ChainUnavailableError) return err;
  if (isUnavailable(err)) return new ChainUnavailableError(`Polygon RPC unavailable while ${doing}: ${shortMessage(err)}`);
  return new Error(`Polygon: ${doing} failed: ${shortMessage(err)}`);
}

function shortMessage(err: unknown): string {
  if (!(err instanceof BaseError)) return err instanceof Error ? err.message : String(err);
  const reverted = contractErrorOf(err);
  if (reverted) return `the contract reverted with ${reverted}`;
  const details = err.details && !err.shortMessage.includes(err.details) ? ` (${err.details})` : '';
  return `${err.shortMessage}${details}`.slice(0, 300);
}

/** The name of a TicketNFT error the node reported as revert data (e.g. NotMinter), which viem cannot name without the ABI. */
function contractErrorOf(err: BaseError): string | null {
  const found = err.walk((e) => contractErrorName(e) !== null);
  return found ? contractErrorName(found) : null;
}

function contractErrorName(err: unknown): string | null {
  const data = (err as { data?: unknown } | null)?.data;
  if (typeof data !== 'string' || !/^0x[0-9a-f]{8}/i.test(data)) return null;
  try {
    return decodeErrorResult({ abi: ticketAbi, data: data as Hex }).errorName;
  } catch {
    return null;
  }
}
