/**
 * Consumer backoff: 5 s doubling to a 5-minute cap. With max_retries = 100 (wrangler.toml) a message
 * is retried for about 8 hours before it is dead-lettered, so an hour-long Postgres outage loses nothing.
 */
export const QUEUE_MAX_RETRY_DELAY_SECONDS = 300;

export function queueRetryDelaySeconds(attempts: number): number {
  return Math.min(5 * 2 ** Math.max(0, attempts - 1), QUEUE_MAX_RETRY_DELAY_SECONDS);
}
