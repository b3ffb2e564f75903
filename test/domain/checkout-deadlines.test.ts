import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHECKOUT_STATUSES, type CheckoutStatus, isPayable } from '../../src/domain/checkout';
import {
  checkRetry,
  checksExhausted,
  EXPIRY_CHECK_BACKOFF_MS,
  isExpired,
  nextDeadline,
  type RefundCheck,
  type SessionTimes,
  sessionDue,
} from '../../src/domain/checkout-deadlines';

const session = (over: Partial<SessionTimes> = {}): SessionTimes => ({
  status: 'open',
  expiresAt: 10_000,
  nextCheckAt: null,
  checkAttempts: 0,
  ...over,
});

describe('nextDeadline', () => {
  it('is the expiry of a payable session, nothing for an ended one', () => {
    expect(nextDeadline(session(), [])).toBe(10_000);
    expect(nextDeadline(session({ status: 'succeeded' }), [])).toBeNull();
    expect(nextDeadline(session({ expiresAt: null }), [])).toBeNull();
  });

  it('a pending read-back retry replaces the expiry, even once it has passed', () => {
    expect(nextDeadline(session({ nextCheckAt: 15_000 }), [])).toBe(15_000);
    expect(nextDeadline(session({ status: 'expired', nextCheckAt: 15_000 }), [])).toBe(15_000);
  });

  it('takes the earliest pending refund check, ignoring settled refunds', () => {
    const refunds: RefundCheck[] = [
      { status: 'pending', next_check_at: 12_000 },
      { status: 'succeeded', next_check_at: 1 },
      { status: 'pending', next_check_at: null },
    ];
    expect(nextDeadline(session({ status: 'succeeded' }), refunds)).toBe(12_000);
    expect(nextDeadline(session({ status: 'open', expiresAt: 11_000 }), refunds)).toBe(11_000);
  });

  it('property: it is one of the deadlines there are, and no later than any of them', () => {
    const status = fc.constantFrom<CheckoutStatus>(...CHECKOUT_STATUSES);
    const time = fc.option(fc.nat(), { nil: null });
    const refund = fc.record({ status: fc.constantFrom('requested', 'pending', 'succeeded', 'failed'), next_check_at: time });
    fc.assert(
      fc.property(status, time, time, fc.array(refund), (st, expiresAt, nextCheckAt, refunds) => {
        const record = session({ status: st, expiresAt, nextCheckAt });
        const candidates = [
          ...(nextCheckAt !== null ? [nextCheckAt] : isPayable(st) && expiresAt !== null ? [expiresAt] : []),
          ...refunds.filter((r) => r.status === 'pending' && r.next_check_at !== null).map((r) => r.next_check_at as number),
        ];
        const deadline = nextDeadline(record, refunds);
        if (candidates.length === 0) expect(deadline).toBeNull();
        else expect(deadline).toBe(Math.min(...candidates));
      }),
    );
  });

  it('property: a payable session not yet expired and not due has its deadline at or after now', () => {
    fc.assert(
      fc.property(fc.constantFrom<CheckoutStatus>('open', 'processing'), fc.nat(), fc.nat({ max: 1_000_000 }), (st, now, ahead) => {
        const record = session({ status: st, expiresAt: now + 1 + ahead });
        expect(isExpired(record, now)).toBe(false);
        expect(sessionDue(record, now)).toBe(false);
        expect(nextDeadline(record, [])).toBeGreaterThan(now);
      }),
    );
  });
});

describe('sessionDue / isExpired', () => {
  it('a read-back retry is due at its time; else a payable session is due at its expiry', () => {
    expect(sessionDue(session({ nextCheckAt: 5000 }), 5000)).toBe(true);
    expect(sessionDue(session({ nextCheckAt: 5001 }), 5000)).toBe(false);
    expect(sessionDue(session(), 10_000)).toBe(true);
    expect(sessionDue(session(), 9_999)).toBe(false);
    expect(sessionDue(session({ status: 'succeeded' }), 20_000)).toBe(false);
  });

  it('expired at and after its expiry; never without one', () => {
    expect(isExpired(session(), 10_000)).toBe(true);
    expect(isExpired(session(), 9_999)).toBe(false);
    expect(isExpired(session({ expiresAt: null }), Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('property: sessionDue is nextDeadline (without refunds) having come', () => {
    const time = fc.option(fc.nat({ max: 100_000 }), { nil: null });
    fc.assert(
      fc.property(
        fc.constantFrom<CheckoutStatus>(...CHECKOUT_STATUSES),
        time,
        time,
        fc.nat({ max: 100_000 }),
        (st, expiresAt, nextCheckAt, now) => {
          const record = session({ status: st, expiresAt, nextCheckAt });
          const deadline = nextDeadline(record, []);
          expect(sessionDue(record, now)).toBe(deadline !== null && deadline <= now);
        },
      ),
    );
  });
});

describe('checkRetry / checksExhausted', () => {
  it('a retryable failure schedules the next read-back along the backoff, its last delay repeated', () => {
    expect(checkRetry(session(), { retryable: true }, 1000)).toEqual({ checkAttempts: 1, nextCheckAt: 1000 + 5_000 });
    expect(checkRetry(session({ checkAttempts: 1 }), { retryable: true }, 1000)).toEqual({ checkAttempts: 2, nextCheckAt: 31_000 });
    expect(checkRetry(session({ checkAttempts: 5 }), { retryable: true }, 1000)).toEqual({ checkAttempts: 6, nextCheckAt: 121_000 });
  });

  it('a refusal schedules nothing and exhausts the read-backs at once', () => {
    const retry = checkRetry(session(), { retryable: false }, 1000);
    expect(retry).toEqual({ checkAttempts: EXPIRY_CHECK_BACKOFF_MS.length, nextCheckAt: null });
    expect(checksExhausted(retry)).toBe(true);
  });

  it('property: attempts only grow, exhaustion comes after the schedule, and a retry is never before now', () => {
    fc.assert(
      fc.property(fc.nat({ max: 20 }), fc.boolean(), fc.nat(), (attempts, retryable, now) => {
        const retry = checkRetry(session({ checkAttempts: attempts }), { retryable }, now);
        expect(retry.checkAttempts).toBeGreaterThanOrEqual(retryable ? attempts + 1 : EXPIRY_CHECK_BACKOFF_MS.length);
        if (retry.nextCheckAt !== null) expect(retry.nextCheckAt).toBeGreaterThan(now);
        expect(checksExhausted({ checkAttempts: attempts })).toBe(attempts >= EXPIRY_CHECK_BACKOFF_MS.length);
      }),
    );
  });
});
