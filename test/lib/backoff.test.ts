import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTBOX_MAX_BACKOFF_MS, outboxBackoffMs, outboxRedeliverAfterMs } from '../../durable-objects/outbox';
import { exponentialBackoff, scheduledBackoff } from '../../src/domain/backoff';
import { QUEUE_MAX_RETRY_DELAY_SECONDS, queueRetryDelaySeconds } from '../../src/queues/retry';

describe('queue consumer backoff', () => {
  it('doubles from 5 s and caps at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(queueRetryDelaySeconds)).toEqual([5, 10, 20, 40, 80, 160, 300, 300]);
  });

  it('with max_retries = 100 outlasts an hour-long Postgres outage many times over', () => {
    let waited = 0;
    for (let attempt = 1; attempt <= 100; attempt++) waited += queueRetryDelaySeconds(attempt);
    expect(waited).toBeGreaterThan(6 * 3600);
  });

  it('is monotonic and bounded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        expect(queueRetryDelaySeconds(n + 1)).toBeGreaterThanOrEqual(queueRetryDelaySeconds(n));
        expect(queueRetryDelaySeconds(n)).toBeLessThanOrEqual(QUEUE_MAX_RETRY_DELAY_SECONDS);
      }),
    );
  });
});

describe('outbox flush backoff', () => {
  it('doubles from 1 s and caps at 5 minutes', () => {
    expect([1, 2, 3, 9, 10, 100].map(outboxBackoffMs)).toEqual([1000, 2000, 4000, 256_000, OUTBOX_MAX_BACKOFF_MS, OUTBOX_MAX_BACKOFF_MS]);
  });
});

describe('the shared backoff formulas', () => {
  it('exponential: base after the first failure, doubling, capped', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => exponentialBackoff(n, 10, 50))).toEqual([10, 10, 20, 40, 50, 50]);
  });

  it('outbox redelivery: 2 min doubling to 1 h', () => {
    expect([1, 2, 3, 6, 7, 50].map(outboxRedeliverAfterMs)).toEqual([120_000, 240_000, 480_000, 3_600_000, 3_600_000, 3_600_000]);
  });

  it('scheduled: the schedule in order, then its last delay again', () => {
    expect([-1, 0, 1, 2, 3, 9].map((n) => scheduledBackoff([5, 15, 60], n))).toEqual([5, 5, 15, 60, 60, 60]);
    expect(() => scheduledBackoff([], 0)).toThrow(RangeError);
  });
});
