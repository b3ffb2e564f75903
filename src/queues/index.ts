import type { Bindings } from '../env';
import { consumeDeliveries } from './deliveries';
import { consumeDeadLetters, DEAD_LETTER_QUEUES, type DeadLetterQueue } from './dlq';
import { consumeOutbox } from './outbox';

/**
 * Dispatch on the queue name. `mint` gets its consumer with the feature that produces to it; until then a
 * batch there throws, is retried and finally dead-lettered — kept, not lost.
 */
export async function handleQueue(batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext): Promise<void> {
  if (batch.queue === 'outbox') return consumeOutbox(batch, env, ctx);
  if (batch.queue === 'deliveries') return consumeDeliveries(batch, env, ctx);
  if (batch.queue in DEAD_LETTER_QUEUES) return consumeDeadLetters(batch, env, ctx, batch.queue as DeadLetterQueue);
  throw new Error(`no consumer for queue ${batch.queue}`);
}
