/**
 * Per-event purchase limits. Checked in a fixed order — the order
 * itself, then the user, the payment method, the shipping/billing address — so the same request
 * always reports the same limit.
 */
import type { DomainError, Result } from './result';
import { err, ok } from './result';

export interface PurchaseLimits {
  readonly perUser: number;
  readonly perPaymentMethod: number;
  readonly perAddress: number;
  readonly perOrder: number;
}

export type PurchaseLimitKey = keyof PurchaseLimits;

export const DEFAULT_PURCHASE_LIMITS: PurchaseLimits = Object.freeze({ perUser: 4, perPaymentMethod: 4, perAddress: 8, perOrder: 4 });

export interface PurchaseLimitInput {
  readonly limits: PurchaseLimits;
  /** Tickets in this order. */
  readonly requested: number;
  /** Tickets for this event already bought (or held) by the user, the payment method, the address. */
  readonly priorByUser: number;
  /** `null` = no payment-method fingerprint known yet: this limit is skipped, explicitly. */
  readonly priorByPaymentMethod: number | null;
  /** `null` = no address on the order: this limit is skipped, explicitly. */
  readonly priorByAddress: number | null;
}

export interface PurchaseLimitError extends DomainError<'PURCHASE_LIMIT_EXCEEDED'> {
  /** The limit that was hit; also `field`. */
  readonly field: PurchaseLimitKey;
  readonly limit: number;
  /** Tickets still purchasable under this limit (0 when already at it). */
  readonly remaining: number;
}

const WHO: Readonly<Record<PurchaseLimitKey, string>> = {
  perOrder: 'order',
  perUser: 'user',
  perPaymentMethod: 'payment method',
  perAddress: 'address',
};

function count(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}

/** Our own counts and the event's stored limits are trusted: malformed ones throw. */
export function checkPurchaseLimits(input: PurchaseLimitInput): Result<void, PurchaseLimitError> {
  const requested = count(input.requested, 'requested');
  if (requested === 0) throw new RangeError('an order must contain at least one ticket');
  const checks: Array<[PurchaseLimitKey, number | null]> = [
    ['perOrder', 0],
    ['perUser', input.priorByUser],
    ['perPaymentMethod', input.priorByPaymentMethod],
    ['perAddress', input.priorByAddress],
  ];
  for (const [key, prior] of checks) {
    if (prior === null) continue;
    const limit = count(input.limits[key], `limits.${key}`);
    const before = count(prior, key);
    if (before + requested > limit) {
      const remaining = Math.max(0, limit - before);
      return err({
        code: 'PURCHASE_LIMIT_EXCEEDED',
        message:
          key === 'perOrder'
            ? `at most ${limit} tickets per order; ${requested} requested`
            : `at most ${limit} tickets per ${WHO[key]} for this event; ${before} already purchased, ${requested} requested`,
        field: key,
        limit,
        remaining,
      });
    }
  }
  return ok();
}
