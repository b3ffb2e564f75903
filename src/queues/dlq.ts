import { recordDeadLetter } from '../db/repos/dead-letters';
import { clearRetry } from '../db/repos/queue-retries';
import type { Bindings } from '../env';
import { loggerFor } from '../lib/logger';
import { ticketStub } from '../lib/stubs';
import { MintMessage, OutboxMessage } from './messages';
import { confirmToSources } from './outbox';
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

/**
 * Records every dead letter in `outbox_dlq` (idempotent on queue + message id) so /admin can show and
 * re-enqueue it. A dead outbox event counts as delivered for its object: sending it
 * again would only fail again; /admin re-enqueues it once it can succeed.
 */
export async function consumeDeadLetters(
  batch: MessageBatch<unknown>,
  env: Bindings,
  ctx: ExecutionContext,
  queue: DeadLetterQueue,
): Promise<void> {
  const logger = loggerFor(env, { queue: batch.queue });
  await withDatabaseOrRetryBatch(batch, env, ctx, logger, async (db) => {
    const finished: OutboxMessage[] = [];
    for (const msg of batch.messages) {
      try {
        const eventId = field(msg.body, 'eventId');
        await recordDeadLetter(db, {
          queue: DEAD_LETTER_QUEUES[queue],
          messageId: msg.id,
          eventId,
          eventType: field(msg.body, 'type'),
          tenantId: field(msg.body, 'tenantId'),
          body: msg.body ?? null,
          attempts: null,
          lastError: null,
        });
        await clearRetry(db, DEAD_LETTER_QUEUES[queue], eventId ?? msg.id);
        logger.error('queue.dead_letter', { messageId: msg.id, eventId, type: field(msg.body, 'type') });
        const mint = queue === 'mint-dlq' ? MintMessage.safeParse(msg.body) : null;
        // The ticket says so too (the consumer's own dead letters are already `failed`; the queue's are not yet).
        if (mint?.success && mint.data.op === 'mint') {
          await ticketStub(env, mint.data.tenantId, mint.data.ticketId).failMint('dead-lettered after repeated failures');
        }
        const event = queue === 'outbox-dlq' ? OutboxMessage.safeParse(msg.body) : null;
        if (event?.success) finished.push(event.data);
        msg.ack();
      } catch (err) {
        msg.retry({ delaySeconds: queueRetryDelaySeconds(msg.attempts) });
        logger.warn('queue.dead_letter.retry', { messageId: msg.id, err });
      }
    }
    await confirmToSources(env, finished, logger);
  });
}
