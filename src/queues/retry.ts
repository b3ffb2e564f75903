/**
 * Consumer backoff: 5 s doubling to a 5-minute cap. With max_retries = 100 (wrangler.toml) a message
 * is retried for about 8 hours before it is dead-lettered, so an hour-long Postgres outage loses nothing.
 */
import { exponentialBackoff } from '../domain/backoff';

export const QUEUE_MAX_RETRY_DELAY_SECONDS = 300;

export function queueRetryDelaySeconds(attempts: number): number {
  return exponentialBackoff(attempts, 5, QUEUE_MAX_RETRY_DELAY_SECONDS);
}
