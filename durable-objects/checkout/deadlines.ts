import { scheduledBackoff } from '../../src/domain/backoff';
import { isPayable } from '../../src/domain/checkout';
import type { PspFailure } from '../../src/psp/types';
import type { RefundRow, SessionRecord } from './schema';

/** After expiry, how long we keep trying to confirm with the provider before marking the session expired anyway. */
const EXPIRY_CHECK_BACKOFF_MS = [5_000, 30_000, 120_000];

/** The session's earliest deadline: a read-back retry, else its expiry while payable; and pending refund checks. */
export function nextDeadline(record: SessionRecord, refunds: RefundRow[]): number | null {
  const times: number[] = [];
  if (record.nextCheckAt !== null) times.push(record.nextCheckAt);
  else if (isPayable(record.status) && record.expiresAt !== null) times.push(record.expiresAt);
  for (const r of refunds) if (r.next_check_at !== null && r.status === 'pending') times.push(r.next_check_at);
  return times.length ? Math.min(...times) : null;
}

/** Whether the session's own deadline (read-back retry or expiry) has come. */
export function sessionDue(record: SessionRecord, now: number): boolean {
  return record.nextCheckAt !== null
    ? record.nextCheckAt <= now
    : isPayable(record.status) && record.expiresAt !== null && record.expiresAt <= now;
}

export function isExpired(record: SessionRecord, now: number): boolean {
  return record.expiresAt !== null && record.expiresAt <= now;
}

/** Whether the read-backs have given up, so an expired session expires without a provider answer. */
export function checksExhausted(record: SessionRecord): boolean {
  return record.checkAttempts >= EXPIRY_CHECK_BACKOFF_MS.length;
}

/**
 * After a failed read-back: the attempt count and when to retry. A refusal (the provider does not know the
 * session, our credentials are refused) will not change by asking again: no retry is scheduled, and at its
 * deadline the session expires without waiting for one.
 */
export function checkRetry(record: SessionRecord, failure: PspFailure, now: number): { checkAttempts: number; nextCheckAt: number | null } {
  const attempts = failure.retryable ? record.checkAttempts + 1 : EXPIRY_CHECK_BACKOFF_MS.length;
  const delay = scheduledBackoff(EXPIRY_CHECK_BACKOFF_MS, attempts - 1);
  return { checkAttempts: attempts, nextCheckAt: failure.retryable ? now + delay : null };
}
