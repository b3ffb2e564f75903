/**
 * When a checkout session's owner must act next: a read-back retry, the session's expiry while it can still
 * be paid, a pending refund's check. After expiry the provider is asked a few times whether the payer paid
 * just in time before the session is expired without its answer.
 */
import { scheduledBackoff } from './backoff';
import { type CheckoutStatus, isPayable } from './checkout';

/** After expiry, how long we keep trying to confirm with the provider before marking the session expired anyway. */
export const EXPIRY_CHECK_BACKOFF_MS = [5_000, 30_000, 120_000];

/** The session's fields its deadlines depend on. */
export type SessionTimes = { status: CheckoutStatus; expiresAt: number | null; nextCheckAt: number | null; checkAttempts: number };
/** A refund's stored status and next check, as the owner keeps its refund rows. */
export type RefundCheck = { status: string; next_check_at: number | null };

/** The session's earliest deadline: a read-back retry, else its expiry while payable; and pending refund checks. */
export function nextDeadline(record: Omit<SessionTimes, 'checkAttempts'>, refunds: readonly RefundCheck[]): number | null {
  const times: number[] = [];
  if (record.nextCheckAt !== null) times.push(record.nextCheckAt);
  else if (isPayable(record.status) && record.expiresAt !== null) times.push(record.expiresAt);
  for (const r of refunds) if (r.next_check_at !== null && r.status === 'pending') times.push(r.next_check_at);
  return times.length ? Math.min(...times) : null;
}

/** Whether the session's own deadline (read-back retry or expiry) has come. */
export function sessionDue(record: Omit<SessionTimes, 'checkAttempts'>, now: number): boolean {
  return record.nextCheckAt !== null
    ? record.nextCheckAt <= now
    : isPayable(record.status) && record.expiresAt !== null && record.expiresAt <= now;
}

export function isExpired(record: Pick<SessionTimes, 'expiresAt'>, now: number): boolean {
  return record.expiresAt !== null && record.expiresAt <= now;
}

/** Whether the read-backs have given up, so an expired session expires without a provider answer. */
export function checksExhausted(record: Pick<SessionTimes, 'checkAttempts'>): boolean {
  return record.checkAttempts >= EXPIRY_CHECK_BACKOFF_MS.length;
}

/**
 * After a failed read-back: the attempt count and when to retry. A refusal (the provider does not know the
 * session, our credentials are refused) will not change by asking again: no retry is scheduled, and at its
 * deadline the session expires without waiting for one.
 */
export function checkRetry(
  record: Pick<SessionTimes, 'checkAttempts'>,
  failure: { retryable: boolean },
  now: number,
): { checkAttempts: number; nextCheckAt: number | null } {
  const attempts = failure.retryable ? record.checkAttempts + 1 : EXPIRY_CHECK_BACKOFF_MS.length;
  const delay = scheduledBackoff(EXPIRY_CHECK_BACKOFF_MS, attempts - 1);
  return { checkAttempts: attempts, nextCheckAt: failure.retryable ? now + delay : null };
}
