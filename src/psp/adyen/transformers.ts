import type { z } from 'zod';
import { currencyExponent } from '../../domain/money';
import {
  type CheckoutInput,
  type CheckoutNotification,
  type CheckoutRefundInput,
  type CheckoutRefundResult,
  type CheckoutStatus,
  type CreatedCheckout,
  timestampOr,
  WebhookVerificationError,
} from '../checkout';
import type { PspResult } from '../types';
import { invalidRequest as invalid, readAnswer, unexpectedResponse } from '../types';
import {
  type AdyenAmount,
  type AdyenCreateSessionRequest,
  AdyenCreateSessionResponse,
  type AdyenNotificationItem,
  type AdyenRefundRequest,
  AdyenRefundResponse,
  AdyenServiceError,
  type AdyenSessionStatus,
} from './wire';

/**
 * Adyen's currency table deviates from ISO 4217 for these codes (docs.adyen.com/development-resources/currency-codes:
 * "For CLP, CVE, IDR, and ISK the standard has a different number of decimals"; Adyen's own table gives CLP 2 decimals and CVE 0).
 * Every other currency uses its ISO exponent. CVE is not in our ISO table, so it is refused as unsupported.
 */
export const ADYEN_EXPONENT_OVERRIDES: Readonly<Record<string, number>> = { CLP: 2, CVE: 0, IDR: 0, ISK: 2 };

/** Session expiry bounds: Adyen allows at most 24 h after creation; its minimum is **unconfirmed**, so we keep at least 1 minute. */
export const ADYEN_MAX_SESSION_MS = 24 * 60 * 60 * 1000;
export const ADYEN_MIN_SESSION_MS = 60 * 1000;

/** CreateCheckoutSessionRequest.metadata limits (extract): ≤ 20 pairs, key ≤ 20 chars, value ≤ 80 chars. */
export const ADYEN_METADATA_LIMITS = { pairs: 20, keyLength: 20, valueLength: 80 } as const;
export const ADYEN_REFUND_REFERENCE_MAX = 80;
export const ADYEN_IDEMPOTENCY_KEY_MAX = 64;

function isoExponent(currency: string): number | null {
  const result = currencyExponent(currency);
  return result.ok && currency === currency.toUpperCase() ? result.value : null;
}

/** The number of decimals Adyen uses for `currency`, or null when we do not support the currency. */
export function adyenExponent(currency: string): number | null {
  const iso = isoExponent(currency);
  if (iso === null) return null;
  return Object.hasOwn(ADYEN_EXPONENT_OVERRIDES, currency) ? (ADYEN_EXPONENT_OVERRIDES[currency] as number) : iso;
}

/**
 * Our ISO minor units → Adyen's minor units, exactly: CLP 5000 → 500000; IDR 1500000 (15000.00) → 15000.
 * Null when the currency is unsupported or the amount has precision Adyen cannot carry (IDR 1050 = 10.50).
 */
export function toAdyenAmount(amount: number, currency: string): AdyenAmount | null {
  const iso = isoExponent(currency);
  const adyen = adyenExponent(currency);
  if (iso === null || adyen === null || !Number.isSafeInteger(amount)) return null;
  if (adyen >= iso) {
    const value = amount * 10 ** (adyen - iso);
    return Number.isSafeInteger(value) ? { value, currency } : null;
  }
  const factor = 10 ** (iso - adyen);
  return amount % factor === 0 ? { value: amount / factor, currency } : null;
}

/** Adyen's minor units → our ISO minor units, exactly; null when unsupported or not representable (a mismatch, never rounded). */
export function fromAdyenAmount(amount: AdyenAmount): number | null {
  const { value, currency } = amount;
  const iso = isoExponent(currency);
  const adyen = adyenExponent(currency);
  if (iso === null || adyen === null || !Number.isSafeInteger(value)) return null;
  if (iso >= adyen) {
    const minor = value * 10 ** (iso - adyen);
    return Number.isSafeInteger(minor) ? minor : null;
  }
  const factor = 10 ** (adyen - iso);
  return value % factor === 0 ? value / factor : null;
}

/** expiresAt clamped to [now + 1 min, now + 24 h] (Adyen rejects more than 24 h after creation). */
export function clampAdyenExpiry(expiresAt: number, now: number): number {
  return Math.min(Math.max(expiresAt, now + ADYEN_MIN_SESSION_MS), now + ADYEN_MAX_SESSION_MS);
}

/**
 * Metadata that fits Adyen's limits: entries are taken in their given order; a pair whose key is empty or
 * longer than 20 characters, or whose value is longer than 80, is left out whole (never truncated: a cut
 * value would be a wrong value); after 20 pairs the rest is left out. Undefined when nothing remains.
 */
export function adyenMetadata(metadata: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let pairs = 0;
  for (const [key, value] of Object.entries(metadata)) {
    if (pairs >= ADYEN_METADATA_LIMITS.pairs) break;
    if (typeof value !== 'string' || key.length === 0) continue;
    if (key.length > ADYEN_METADATA_LIMITS.keyLength || value.length > ADYEN_METADATA_LIMITS.valueLength) continue;
    out[key] = value;
    pairs++;
  }
  return pairs > 0 ? out : undefined;
}

/** POST /sessions body for Hosted Checkout. Our sessionId is the `reference`, which notifications carry as merchantReference. */
export function buildAdyenSessionRequest(input: CheckoutInput, now: number): PspResult<AdyenCreateSessionRequest> {
  const amount = toAdyenAmount(input.amount, input.currency);
  if (!amount) return invalid('unsupported_amount', `Adyen cannot take ${input.amount} minor units of ${input.currency}`);
  const metadata = adyenMetadata(input.metadata);
  return {
    ok: true,
    value: {
      merchantAccount: input.merchantAccount,
      amount,
      reference: input.sessionId,
      returnUrl: input.successUrl,
      mode: 'hosted',
      expiresAt: new Date(clampAdyenExpiry(input.expiresAt, now)).toISOString(),
      ...(metadata ? { metadata } : {}),
      ...(input.customerEmail ? { shopperEmail: input.customerEmail } : {}),
    },
  };
}

/** A 2xx body parsed with its schema; another shape is an unexpected response (not retryable), never a crash. */
export function readAdyen<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `Adyen answered a ${what} we cannot read${at}`);
}

export function sessionResponseToCreated(body: unknown): PspResult<CreatedCheckout> {
  const read = readAdyen(AdyenCreateSessionResponse, body, 'session response');
  if (!read.ok) return read;
  const { id, url } = read.value;
  const expiresAt = Date.parse(read.value.expiresAt);
  if (!Number.isFinite(expiresAt)) return unexpectedResponse('Adyen session response without a valid expiresAt');
  return { ok: true, value: { reference: id, checkoutUrl: url, expiresAt, details: {} } };
}

/** Exhaustive over the session statuses of GET /sessions/{id}. */
export function adyenSessionStatusToCommon(status: AdyenSessionStatus): CheckoutStatus {
  switch (status) {
    case 'active':
      return 'open';
    case 'paymentPending':
      return 'processing';
    case 'completed':
      return 'succeeded';
    case 'refused':
      return 'failed';
    case 'canceled':
      return 'canceled';
    case 'expired':
      return 'expired';
    default: {
      const unknown: never = status;
      throw new Error(`unknown Adyen session status ${String(unknown)}`);
    }
  }
}

/** `${sessionId}:${refundId}`, or null when it would exceed the 80 characters Adyen allows. */
export function adyenRefundReference(sessionId: string, refundId: string): string | null {
  const reference = `${sessionId}:${refundId}`;
  return reference.length <= ADYEN_REFUND_REFERENCE_MAX ? reference : null;
}

/** A refund's merchantReference back to our ids; a reference without ':' is a refund made elsewhere (no refund id). */
export function parseAdyenRefundReference(reference: string): { sessionId: string | null; refundId: string | null } {
  if (!reference) return { sessionId: null, refundId: null };
  const colon = reference.indexOf(':');
  if (colon < 0) return { sessionId: reference, refundId: null };
  return { sessionId: reference.slice(0, colon) || null, refundId: reference.slice(colon + 1) || null };
}

export function buildAdyenRefundRequest(input: CheckoutRefundInput): PspResult<AdyenRefundRequest> {
  const amount = toAdyenAmount(input.refundAmount, input.currency);
  if (!amount) return invalid('unsupported_amount', `Adyen cannot take ${input.refundAmount} minor units of ${input.currency}`);
  const reference = adyenRefundReference(input.sessionId, input.refundId);
  if (!reference) return invalid('reference_too_long', `refund reference longer than ${ADYEN_REFUND_REFERENCE_MAX} characters`);
  return { ok: true, value: { merchantAccount: input.merchantAccount, amount, reference } };
}

/** The refund response is only an acknowledgement ("received"): the REFUND notification carries the outcome. */
export function refundResponseToResult(body: unknown, requested: number): PspResult<CheckoutRefundResult> {
  const read = readAdyen(AdyenRefundResponse, body, 'refund response');
  if (!read.ok) return read;
  const b = read.value;
  if (b.status !== 'received') return unexpectedResponse(`Adyen refund status ${b.status} (expected received)`);
  const amount = fromAdyenAmount(b.amount);
  if (amount !== requested) return unexpectedResponse('Adyen refund response amount differs from the request');
  return { ok: true, value: { reference: b.pspReference, status: 'pending', amount } };
}

/** ServiceError → code and message. Adyen's messages name fields, never the API key. */
export function describeAdyenError(status: number, body: unknown): { code?: string; message?: string } {
  const parsed = AdyenServiceError.safeParse(body);
  if (!parsed.success) return { message: `Adyen answered ${status}` };
  const e = parsed.data;
  return {
    ...(e.errorCode !== undefined ? { code: e.errorCode } : {}),
    message: e.message ? `Adyen ${e.errorType ?? 'error'}: ${e.message}` : `Adyen answered ${status}`,
  };
}

/** Idempotency-Key allows 64 characters: longer keys become their SHA-256 hex (64 chars), still deterministic. */
export async function adyenIdempotencyKey(key: string): Promise<string> {
  if (key.length <= ADYEN_IDEMPOTENCY_KEY_MAX) return key;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function itemAmount(item: AdyenNotificationItem): number {
  const amount = fromAdyenAmount(item.amount);
  if (amount === null)
    throw new WebhookVerificationError(`Adyen notification amount ${item.amount.value} ${item.amount.currency} not supported`);
  return amount;
}

/**
 * A verified NotificationRequestItem → common notification , or null for event codes
 * that do not concern checkouts (and for a CANCELLATION that did not succeed).
 */
export function adyenItemToNotification(item: AdyenNotificationItem, receivedAt: number): CheckoutNotification | null {
  const success = item.success === 'true';
  const base = {
    provider: 'adyen' as const,
    eventId: `${item.eventCode}:${item.pspReference}:${item.success}`,
    type: item.eventCode,
    occurredAt: timestampOr(item.eventDate, receivedAt),
  };
  const checkoutSessionId = item.additionalData?.checkoutSessionId || null;
  switch (item.eventCode) {
    case 'AUTHORISATION':
      return {
        ...base,
        sessionId: item.merchantReference || null,
        reference: checkoutSessionId,
        paymentReference: item.pspReference,
        observed: { kind: 'payment', status: success ? 'succeeded' : 'failed', amount: itemAmount(item) },
      };
    case 'CANCELLATION':
      if (!success) return null;
      return {
        ...base,
        sessionId: item.merchantReference || null,
        reference: checkoutSessionId,
        paymentReference: item.originalReference || item.pspReference,
        observed: { kind: 'payment', status: 'canceled', amount: itemAmount(item) },
      };
    case 'REFUND':
    case 'REFUND_FAILED': {
      const { sessionId, refundId } = parseAdyenRefundReference(item.merchantReference);
      return {
        ...base,
        sessionId,
        reference: checkoutSessionId,
        paymentReference: item.originalReference || null,
        observed: {
          kind: 'refund',
          refundReference: item.pspReference,
          refundId,
          status: item.eventCode === 'REFUND' && success ? 'succeeded' : 'failed',
          amount: itemAmount(item),
        },
      };
    }
    default:
      return null;
  }
}

export { unexpectedResponse };
