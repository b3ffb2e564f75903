import { DatabaseUnavailableError, type Db, withDb } from '../db/client';
import type { Bindings } from '../env';
import { parseConfig } from '../env';
import type { Logger } from '../lib/logger';
import { queueRetryDelaySeconds } from './retry';

/**
 * Runs a consumer's batch against Postgres. If Postgres cannot be reached the whole batch is retried
 * with backoff (no message is tried against a dead database one by one); the retries, up to
 * max_retries, are what carry events across an outage. Per-message failures stay the consumer's job.
 */
export async function withDatabaseOrRetryBatch(
  batch: MessageBatch<unknown>,
  env: Bindings,
  ctx: ExecutionContext,
  logger: Logger,
  fn: (db: Db) => Promise<void>,
): Promise<void> {
  try {
    await withDb(parseConfig(env), ctx, fn);
  } catch (err) {
    if (!(err instanceof DatabaseUnavailableError)) throw err;
    const delaySeconds = queueRetryDelaySeconds(Math.min(...batch.messages.map((m) => m.attempts)));
    logger.warn('queue.batch.retry', { reason: 'database unavailable', messages: batch.messages.length, delaySeconds, err: err.cause });
    batch.retryAll({ delaySeconds });
  }
}
