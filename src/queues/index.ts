import type { Bindings } from '../env';
import { consumeDeliveries } from './deliveries';
import { consumeDeadLetters, DEAD_LETTER_QUEUES, type DeadLetterQueue } from './dlq';
import { consumeMint } from './mint';
import { consumeOutbox } from './outbox';

/** Dispatch on the queue name; a queue without a consumer throws, so its batch is retried and finally dead-lettered — kept, not lost. */
export async function handleQueue(batch: MessageBatch<unknown>, env: Bindings, ctx: ExecutionContext): Promise<void> {
  if (batch.queue === 'outbox') return consumeOutbox(batch, env, ctx);
  if (batch.queue === 'mint' || batch.queue === 'mint-urgent') return consumeMint(batch, env);
  if (batch.queue === 'deliveries') return consumeDeliveries(batch, env, ctx);
  if (batch.queue in DEAD_LETTER_QUEUES) return consumeDeadLetters(batch, env, ctx, batch.queue as DeadLetterQueue);
  throw new Error(`no consumer for queue ${batch.queue}`);
}
