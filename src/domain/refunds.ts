/**
 * How much a refund request may take. `alreadyRefunded` counts succeeded *and* in-flight refunds,
 * so two concurrent partial refunds can never together exceed the capture.
 */
import type { Minor } from './money';
import { minor, nonNegativeMinor, subMinor } from './money';
import type { DomainError, Result } from './result';
import { err, ok, validationError } from './result';

export interface RefundRequest {
  readonly captured: number;
  /** Sum of succeeded and in-flight refunds. */
  readonly alreadyRefunded: number;
  /** Amount asked for; omitted means "everything that remains". */
  readonly requested?: number;
}

export interface RefundPlan {
  readonly amount: Minor;
  /** True when this refund (plus those already counted) returns the whole capture. */
  readonly full: boolean;
}

export type RefundError = DomainError<'REFUND_EXCEEDS_ORIGINAL' | 'VALIDATION_ERROR'>;

/**
 * `captured` and `alreadyRefunded` are our own records, so inconsistent ones (negative, or more
 * refunded than captured) throw. `requested` comes from the client: a bad one is a Result error
 * on field `amount`.
 */
export function planRefund(input: RefundRequest): Result<RefundPlan, RefundError> {
  const captured = nonNegativeMinor(input.captured, 'captured');
  const already = nonNegativeMinor(input.alreadyRefunded, 'alreadyRefunded');
  if (already > captured) throw new RangeError(`alreadyRefunded ${already} exceeds captured ${captured}`);
  const remaining = subMinor(captured, already);

  if (input.requested === undefined) {
    if (remaining === 0) return err({ code: 'REFUND_EXCEEDS_ORIGINAL', message: 'nothing left to refund', field: 'amount' });
    return ok({ amount: remaining, full: true });
  }
  const requested = input.requested;
  if (!Number.isSafeInteger(requested) || requested < 1) {
    return validationError('amount', 'amount must be a positive integer of minor units');
  }
  if (requested > remaining) {
    return err({
      code: 'REFUND_EXCEEDS_ORIGINAL',
      message: `refund of ${requested} exceeds the ${remaining} remaining of ${captured}`,
      field: 'amount',
    });
  }
  return ok({ amount: minor(requested), full: requested === remaining });
}
