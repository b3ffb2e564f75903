/**
 * Venue payouts: what a request may ask for and what it costs. Pure rules; the VenueDO applies them
 * against its balances and the day's total in one transaction, so two concurrent requests cannot both
 * pass a limit that only one fits.
 */
import type { Minor } from './money';
import { minor } from './money';
import { percentOfMinor } from './rounding';

export const PAYOUT_MIN_AMOUNT = 10_000;
export const PAYOUT_DAILY_LIMIT = 5_000_000;
/** Instant payouts cost 1 % of the amount, kept by the platform. */
export const INSTANT_PAYOUT_FEE_BPS = 100;

export const PAYOUT_TYPES = ['standard', 'instant'] as const;
export type PayoutType = (typeof PAYOUT_TYPES)[number];

export const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const ESTIMATED_ARRIVAL: Record<PayoutType, string> = { standard: '1-2 business days', instant: '30 minutes' };

export type PayoutCosts = { amount: Minor; fee: Minor; net: Minor };

/** The fee and what reaches the venue's bank: the venue's balance gives `amount`, the bank receives `net`. */
export function payoutCosts(amount: number, type: PayoutType): PayoutCosts {
  const a = minor(amount);
  const fee = type === 'instant' ? percentOfMinor(a, INSTANT_PAYOUT_FEE_BPS) : minor(0);
  return { amount: a, fee, net: minor(a - fee) };
}

export type PayoutRefusal =
  | { code: 'VALIDATION_ERROR'; field: 'amount'; message: string }
  | { code: 'INSUFFICIENT_FUNDS'; message: string }
  | { code: 'PAYOUT_LIMIT_EXCEEDED'; message: string };

/**
 * Why a payout of `amount` cannot go now, or null: below the minimum (422), above what is payable (400), or
 * beyond the UTC day's limit counted with every other payout of the day that has not failed (400).
 */
export function payoutRefusal(amount: number, payable: number, paidOutToday: number): PayoutRefusal | null {
  if (amount < PAYOUT_MIN_AMOUNT) {
    return { code: 'VALIDATION_ERROR', field: 'amount', message: `amount must be at least ${PAYOUT_MIN_AMOUNT}` };
  }
  if (amount > payable) return { code: 'INSUFFICIENT_FUNDS', message: `amount exceeds the payable balance of ${payable}` };
  if (paidOutToday + amount > PAYOUT_DAILY_LIMIT) {
    const left = Math.max(0, PAYOUT_DAILY_LIMIT - paidOutToday);
    return { code: 'PAYOUT_LIMIT_EXCEEDED', message: `amount exceeds today's remaining payout limit of ${left}` };
  }
  return null;
}

/** The UTC day a payout counts toward. */
export function payoutDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
