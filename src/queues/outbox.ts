import { CheckoutProjection } from '../../durable-objects/checkout/types';
import { HeartbeatPayload } from '../../durable-objects/heartbeat/types';
import { WebhookReceived } from '../../durable-objects/inbox/types';
import { PaymentSnapshot, PaymentSucceededPayload, RefundEventPayload, RefundSucceededPayload } from '../../durable-objects/payment/types';
import type { Db } from '../db/client';
import { upsertEvent, upsertVenue } from '../db/repos/catalog';
import { applyCheckoutProjection } from '../db/repos/checkout';
import { recordDeadLetter, recordUnparsableMessage } from '../db/repos/dead-letters';
import { recordHeartbeat } from '../db/repos/heartbeats';
import { postLedger, recordWebhook, upsertPaymentTransaction, upsertRefund } from '../db/repos/payments';
import { claimEvent, type Tx } from '../db/repos/processed-events';
import { clearRetry, recordRetry } from '../db/repos/queue-retries';
import type { Bindings } from '../env';
import { type Logger, loggerFor } from '../lib/logger';
import { outboxSourceStub, venueStub } from '../lib/stubs';
import { EventProfile, VenueProfile } from '../schemas/catalog';
import { summarizeFailure } from './failures';
import { type OutboxHandler, OutboxMessage } from './messages';
import { recoveryOnCheckoutUpdated, recoveryOutboxHandlers } from './recovery-handlers';
import { queueRetryDelaySeconds } from './retry';
import { withDatabaseOrRetryBatch } from './with-database';

export type { OutboxHandler } from './messages';

/** One handler per event type; each parses its payload with the producer's schema. */
export const outboxHandlers: Record<string, OutboxHandler> = {
  'system.heartbeat': async (tx, event) => {
    const beat = HeartbeatPayload.parse(event.payload);
    await recordHeartbeat(tx, `${event.source.object}:${event.source.id}`, beat.seq, new Date(beat.beatAt));
  },
  'venue.upserted': (tx, event) => upsertVenue(tx, VenueProfile.parse(event.payload)),
  'event.upserted': (tx, event) => upsertEvent(tx, EventProfile.parse(event.payload)),
  'payment.created': (tx, event) => upsertPaymentTransaction(tx, PaymentSnapshot.parse(event.payload)),
  'payment.retrying': (tx, event) => upsertPaymentTransaction(tx, PaymentSnapshot.parse(event.payload)),
  'payment.processing': (tx, event) => upsertPaymentTransaction(tx, PaymentSnapshot.parse(event.payload)),
  'payment.requires_action': (tx, event) => upsertPaymentTransaction(tx, PaymentSnapshot.parse(event.payload)),
  'payment.failed': (tx, event) => upsertPaymentTransaction(tx, PaymentSnapshot.parse(event.payload)),
  'payment.succeeded': async (tx, event, env) => {
    const payment = PaymentSucceededPayload.parse(event.payload);
    await upsertPaymentTransaction(tx, payment);
    await postLedger(tx, payment.transactionId, event.eventId, payment.currency, payment.ledger);
    // Once per event id inside the VenueDO, so a retried delivery does not count the sale twice.
    await venueStub(env, payment.tenantId, payment.venueId).recordSale(
      event.eventId,
      payment.fees.ticketPrice,
      Date.parse(event.occurredAt),
    );
  },
  'payment.cancelled': (tx, event) => upsertPaymentTransaction(tx, PaymentSnapshot.parse(event.payload)),
  'refund.created': (tx, event) => applyRefundEvent(tx, RefundEventPayload.parse(event.payload)),
  'refund.failed': (tx, event) => applyRefundEvent(tx, RefundEventPayload.parse(event.payload)),
  'refund.succeeded': async (tx, event) => {
    const { refund, ledger, payment } = RefundSucceededPayload.parse(event.payload);
    await applyRefundEvent(tx, { refund, payment });
    await postLedger(tx, refund.refundId, event.eventId, payment.currency, ledger);
  },
  'checkout.updated': async (tx, event, env) => {
    const projection = CheckoutProjection.parse(event.payload);
    await applyCheckoutProjection(tx, event.eventId, projection);
    await recoveryOnCheckoutUpdated(projection, env);
  },
  'webhook.received': (tx, event) => recordWebhook(tx, event.tenantId ?? null, WebhookReceived.parse(event.payload)),
  ...recoveryOutboxHandlers,
};

async function applyRefundEvent(tx: Tx, { refund, payment }: Pick<RefundEventPayload, 'refund' | 'payment'>): Promise<void> {
  await upsertPaymentTransaction(tx, payment);
  await upsertRefund(tx, refund);
}

export class UnknownEventTypeError extends Error {
  constructor(type: string) {
    super(`no outbox handler for event type ${type}`);
    this.name = 'UnknownEventTypeError';
  }
}

/**
 * A whole batch in one transaction: each event's id and effect still commit together (with all the
 * others), and a batch costs one BEGIN/COMMIT instead of one per event. Any failure rolls every event
 * back and the caller applies them one by one, so one bad event cannot hold up the rest.
 */
async function applyOutboxEvents(
  db: Db,
  env: Bindings,
  events: readonly OutboxMessage[],
  handlers: Record<string, OutboxHandler>,
): Promise<void> {
  await db.transaction(async (tx) => {
    for (const event of events) await applyInTransaction(tx, env, event, handlers);
  });
}

/** Exactly-once effect: the event id and the effect commit together, or neither does. */
export async function applyOutboxEvent(
  db: Db,
  env: Bindings,
  event: OutboxMessage,
  handlers: Record<string, OutboxHandler> = outboxHandlers,
): Promise<'applied' | 'duplicate'> {
  return db.transaction((tx) => applyInTransaction(tx, env, event, handlers));
}

/** Claims the event id and applies its effect inside the caller's transaction; 'duplicate' when it was applied before. */
async function applyInTransaction(
  tx: Tx,
  env: Bindings,
  event: OutboxMessage,
  handlers: Record<string, OutboxHandler>,
): Promise<'applied' | 'duplicate'> {
  if (!(await claimEvent(tx, { eventId: event.eventId, type: event.type, source: event.source.object }))) return 'duplicate';
  const handler = handlers[event.type];
  if (!handler) throw new UnknownEventTypeError(event.type);
  await handler(tx, event, env);
  return 'applied';
}

/**
 * The `outbox` queue consumer. Postgres unreachable → the whole batch is retried with backoff
 * (withDatabaseOrRetryBatch). A message that fails on its own is retried alone and listed in
 * `queue_retries` while it is; one that can never succeed (unparsable, or refused by Postgres for a
 * permanent reason) is dead-lettered at once instead of burning 100 retries. Every event that reached a
 * final outcome is confirmed to the object that sent it, which otherwise sends it again.
 */
export async function consumeOutbox(
  batch: MessageBatch<unknown>,
  env: Bindings,
  ctx: ExecutionContext,
  handlers: Record<string, OutboxHandler> = outboxHandlers,
): Promise<void> {
  const logger = loggerFor(env, { queue: batch.queue });
  await withDatabaseOrRetryBatch(batch, env, ctx, logger, (db) => applyBatch(db, env, batch, handlers, logger));
}

async function applyBatch(
  db: Db,
  env: Bindings,
  batch: MessageBatch<unknown>,
  handlers: Record<string, OutboxHandler>,
  logger: Logger,
): Promise<void> {
  if (await applyFirstDeliveries(db, env, batch, handlers, logger)) return;
  const finished: OutboxMessage[] = [];
  for (const msg of batch.messages) {
    const parsed = OutboxMessage.safeParse(msg.body);
    try {
      if (!parsed.success) {
        await recordUnparsableMessage(db, batch.queue, msg, parsed.error.issues);
        logger.error('queue.message.invalid', { messageId: msg.id });
        msg.ack();
        continue;
      }
      const event = parsed.data;
      const outcome = await applyOutboxEvent(db, env, event, handlers);
      if (msg.attempts > 1) await clearRetry(db, batch.queue, event.eventId);
      logger.debug('queue.message.done', { eventId: event.eventId, type: event.type, outcome });
      finished.push(event);
      msg.ack();
    } catch (err) {
      const failure = summarizeFailure(err);
      const event = parsed.success ? parsed.data : null;
      try {
        if (failure.permanent && event) {
          await recordDeadLetter(db, {
            queue: batch.queue,
            messageId: msg.id,
            eventId: event.eventId,
            eventType: event.type,
            tenantId: event.tenantId ?? null,
            body: msg.body,
            attempts: msg.attempts,
            lastError: `permanent failure: ${failure.code}`,
          });
          await clearRetry(db, batch.queue, event.eventId);
          logger.error('queue.dead_letter', { messageId: msg.id, eventId: event.eventId, type: event.type, reason: failure.code });
          finished.push(event);
          msg.ack();
          continue;
        }
        await recordRetry(db, {
          queue: batch.queue,
          messageKey: event?.eventId ?? msg.id,
          eventType: event?.type ?? null,
          attempts: msg.attempts,
          lastError: failure.code,
        });
      } catch (recordErr) {
        logger.warn('queue.message.record_failed', { messageId: msg.id, err: recordErr });
      }
      const delaySeconds = queueRetryDelaySeconds(msg.attempts);
      logger.warn('queue.message.retry', { messageId: msg.id, attempts: msg.attempts, delaySeconds, reason: failure.code });
      msg.retry({ delaySeconds });
    }
  }
  await confirmToSources(env, finished, logger);
}

/**
 * The usual batch (several well-formed events, none delivered before) in one transaction. False when the
 * batch is not like that or the transaction failed: the caller then takes the messages one at a time.
 */
async function applyFirstDeliveries(
  db: Db,
  env: Bindings,
  batch: MessageBatch<unknown>,
  handlers: Record<string, OutboxHandler>,
  logger: Logger,
): Promise<boolean> {
  if (batch.messages.length < 2 || batch.messages.some((m) => m.attempts > 1)) return false;
  const events: OutboxMessage[] = [];
  for (const msg of batch.messages) {
    const parsed = OutboxMessage.safeParse(msg.body);
    if (!parsed.success) return false;
    events.push(parsed.data);
  }
  try {
    await applyOutboxEvents(db, env, events, handlers);
  } catch (err) {
    logger.debug('queue.batch.one_by_one', { messages: events.length, reason: summarizeFailure(err).code });
    return false;
  }
  for (const msg of batch.messages) msg.ack();
  await confirmToSources(env, events, logger);
  return true;
}

/**
 * Tells each source object which of its events are now in Postgres, one call per object. A failed call
 * costs only a redelivery later (the event is a duplicate by then), so it is logged, not retried.
 */
export async function confirmToSources(env: Bindings, events: readonly OutboxMessage[], logger: Logger): Promise<void> {
  const bySource = new Map<string, { source: OutboxMessage['source']; ids: string[] }>();
  for (const event of events) {
    const key = `${event.source.object}:${event.source.id}`;
    const entry = bySource.get(key) ?? { source: event.source, ids: [] };
    entry.ids.push(event.eventId);
    bySource.set(key, entry);
  }
  await Promise.all(
    [...bySource.values()].map(async ({ source, ids }) => {
      const stub = outboxSourceStub(env, source);
      if (!stub) return;
      try {
        await stub.confirmOutboxEvents(ids);
      } catch (err) {
        logger.warn('queue.confirm_failed', { object: source.object, events: ids.length, err });
      }
    }),
  );
}
