/**
 * The contract's one rounding rule: round half up ("7 % of 1050 → 74"). Everything that takes a
 * percentage of money (fees, taxes, royalties, card costs) goes through `percentOfMinor`, so there
 * is exactly one place where a half cent is decided.
 */
import type { Minor } from './money';
import { minor } from './money';

/** Rates are integer basis points: 10 000 bps = 100 %. */
export const BPS_DENOMINATOR = 10_000;

function toBig(n: number | bigint, what: string): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isSafeInteger(n)) throw new TypeError(`${what} must be a safe integer, got ${String(n)}`);
  return BigInt(n);
}

/**
 * numerator / denominator rounded to the nearest integer, halves away from zero: 5/2 → 3,
 * -5/2 → -3, 1/4 → 0, -1/4 → 0. For non-negative values (all money here) that is "half up".
 * Number inputs must be safe integers and give a number; bigint inputs give a bigint.
 * A zero denominator throws RangeError.
 */
export function roundHalfUp(numerator: number, denominator: number): number;
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint;
export function roundHalfUp(numerator: number | bigint, denominator: number | bigint): number | bigint {
  const n = toBig(numerator, 'numerator');
  const d = toBig(denominator, 'denominator');
  if (d === 0n) throw new RangeError('denominator must not be zero');
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const quotient = an / ad;
  const remainder = an % ad;
  // remainder ≥ ad − remainder ⟺ the fractional part is at least one half.
  const magnitude = remainder >= ad - remainder ? quotient + 1n : quotient;
  const result = negative ? -magnitude : magnitude;
  return typeof numerator === 'bigint' ? result : Number(result);
}

/** Validates a rate: a non-negative safe integer of basis points (may exceed 100 % for markups). */
export function assertBps(bps: number, what = 'rate'): number {
  if (!Number.isSafeInteger(bps) || bps < 0) throw new RangeError(`${what} must be non-negative integer basis points, got ${String(bps)}`);
  return bps;
}

/**
 * roundHalfUp(amount × bps / 10 000). The product is formed in BigInt, so any safe-integer amount
 * is exact; only a result outside the safe range (possible for rates above 100 %) throws.
 */
export function percentOfMinor(amount: number, bps: number): Minor {
  const a = toBig(amount, 'amount');
  const rate = BigInt(assertBps(bps));
  return minor(Number(roundHalfUp(a * rate, BigInt(BPS_DENOMINATOR))));
}
