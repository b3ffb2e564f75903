import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTBOX_MAX_BACKOFF_MS, outboxBackoffMs } from '../../durable-objects/outbox';
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
