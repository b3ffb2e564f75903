import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { outboxDlq, queueRetries } from '../schema';

export type RetryingMessage = { queue: string; messageKey: string; eventType: string | null; attempts: number; lastError: string };

/** Records that a message failed and will be retried; `lastError` must be a class or code, never data. */
export async function recordRetry(db: Db, m: RetryingMessage): Promise<void> {
  await db
    .insert(queueRetries)
    .values(m)
    .onConflictDoUpdate({
      target: [queueRetries.queue, queueRetries.messageKey],
      set: { attempts: m.attempts, lastError: m.lastError, eventType: m.eventType, lastFailedAt: sql`now()` },
    });
}

export async function clearRetry(db: Db, queue: string, messageKey: string): Promise<void> {
  await db.delete(queueRetries).where(and(eq(queueRetries.queue, queue), eq(queueRetries.messageKey, messageKey)));
}

export type QueueBacklog = { retrying: number; oldestRetryingSince: string | null; deadLetters: number };

/** What /health shows of the consumers: messages in retries now, and dead letters not yet re-enqueued. */
export async function queueBacklog(db: Db): Promise<QueueBacklog> {
  const result = await db.execute<{ retrying: string | number; oldest: string | Date | null; dead: string | number }>(sql`
    SELECT (SELECT COUNT(*) FROM ${queueRetries}) AS retrying,
           (SELECT MIN(${queueRetries.firstFailedAt}) FROM ${queueRetries}) AS oldest,
           (SELECT COUNT(*) FROM ${outboxDlq} WHERE ${outboxDlq.requeuedAt} IS NULL) AS dead`);
  const row = result.rows[0];
  const oldest = row?.oldest ?? null;
  return {
    retrying: Number(row?.retrying ?? 0),
    oldestRetryingSince: oldest === null ? null : new Date(oldest).toISOString(),
    deadLetters: Number(row?.dead ?? 0),
  };
}
