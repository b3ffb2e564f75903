import { recordDeadLetter } from '../db/repos/dead-letters';
import type { Bindings } from '../env';
import { createLogger, parseLogLevel } from '../lib/logger';
import { queueRetryDelaySeconds } from './retry';
import { withDatabaseOrRetryBatch } from './with-database';

export const DEAD_LETTER_QUEUES = { 'outbox-dlq': 'outbox', 'mint-dlq': 'mint', 'deliveries-dlq': 'deliveries' } as const;
export type DeadLetterQueue = keyof typeof DEAD_LETTER_QUEUES;

function field(body: unknown, key: string): string | null {
  if (body && typeof body === 'object' && key in body) {
    const value = (body as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : null;
  }
  return null;
}

/** Records every dead letter in `outbox_dlq` (idempotent on queue + message id) so /admin can show and re-enqueue it. */
export async function consumeDeadLetters(
  batch: MessageBatch<unknown>,
  env: Bindings,
  ctx: ExecutionContext,
  queue: DeadLetterQueue,
): Promise<void> {
  const logger = createLogger(parseLogLevel(env.LOG_LEVEL), { queue: batch.queue });
  await withDatabaseOrRetryBatch(batch, env, ctx, logger, async (db) => {
    for (const msg of batch.messages) {
      try {
        await recordDeadLetter(db, {
          queue: DEAD_LETTER_QUEUES[queue],
          messageId: msg.id,
          eventId: field(msg.body, 'eventId'),
          eventType: field(msg.body, 'type'),
          tenantId: field(msg.body, 'tenantId'),
          body: msg.body ?? null,
          attempts: null,
          lastError: null,
        });
        logger.error('queue.dead_letter', { messageId: msg.id, eventId: field(msg.body, 'eventId'), type: field(msg.body, 'type') });
        msg.ack();
      } catch (err) {
        msg.retry({ delaySeconds: queueRetryDelaySeconds(msg.attempts) });
        logger.warn('queue.dead_letter.retry', { messageId: msg.id, err });
      }
    }
  });
}
