/**
 * The backoffs the platform waits with. Exponential: `base` after the first failure, doubling, never more
 * than `cap` (outbox sends and redeliveries, queue consumer retries). Scheduled: a fixed list of delays,
 * its last one repeated once the list runs out (read-backs and refund checks at a provider).
 */
export function exponentialBackoff(attempt: number, base: number, cap: number): number {
  return Math.min(base * 2 ** Math.max(0, attempt - 1), cap);
}

/** The delay before try `index` (0-based) of `schedule`. */
export function scheduledBackoff(schedule: readonly number[], index: number): number {
  if (schedule.length === 0) throw new RangeError('a backoff schedule needs at least one delay');
  return schedule[Math.min(Math.max(0, index), schedule.length - 1)] as number;
}
