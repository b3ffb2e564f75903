import { CheckoutProjection } from '../../durable-objects/checkout/types';
import { HeartbeatPayload } from '../../durable-objects/heartbeat/types';
import { WebhookReceived } from '../../durable-objects/inbox/types';
import { PaymentSnapshot, PaymentSucceededPayload, RefundEventPayload, RefundSucceededPayload } from '../../durable-objects/payment/types';
import { VenueBalanceMoved, VenuePayoutUpdated, type VenueSale } from '../../durable-objects/venue/types';
import type { Db } from '../db/client';
import { upsertEvent, upsertVenue } from '../db/repos/catalog';
import { applyCheckoutProjection } from '../db/repos/checkout';
import { recordDeadLetter, recordUnparsableMessage } from '../db/repos/dead-letters';
import { recordHeartbeat } from '../db/repos/heartbeats';
import {
  type LedgerPosting,
  postLedger,
  postLedgerEntries,
  recordWebhooks,
  upsertPaymentTransaction,
  upsertPaymentTransactions,
  upsertRefund,
} from '../db/repos/payments';
import { upsertVenuePayout } from '../db/repos/payouts';
import { claimEvent, claimEvents, type Tx } from '../db/repos/processed-events';
import { clearRetry, recordRetry } from '../db/repos/queue-retries';
import { eventEndsAt } from '../domain/event-time';
import type { Bindings } from '../env';
import { type Logger, loggerFor } from '../lib/logger';
import { outboxSourceStub, venueStub } from '../lib/stubs';
import { EventProfile, VenueProfile } from '../schemas/catalog';
import { disputeOutboxHandlers, moveVenueShare } from './dispute-handlers';
import { summarizeFailure } from './failures';
import { marketplaceOutboxHandlers } from './marketplace-handlers';
import { type OutboxHandler, OutboxMessage } from './messages';
import { recoveryOnCheckoutUpdated, recoveryOutboxHandlers } from './recovery-handlers';
import { queueRetryDelaySeconds } from './retry';
import { riskOutboxHandlers } from './risk-handlers';
import { sellerOutboxHandlers } from './seller-handlers';
import { ticketOutboxHandlers } from './ticket-handlers';
import { withDatabaseOrRetryBatch } from './with-database';

export type { OutboxHandler } from './messages';

/**
 * Payment events in one go: the snapshots in one versioned upsert, the ledger postings of the successes in
 * one insert, and their sales counted with one call per venue (once per event id inside the VenueDO, so a
 * retried delivery does not count a sale twice). One event is the same call with a list of one.
 */
async function applyPaymentEvents(tx: Tx, events: readonly OutboxMessage[], env: Bindings): Promise<void> {
  const snapshots: PaymentSnapshot[] = [];
  const postings: LedgerPosting[] = [];
  const sales = new Map<string, { tenantId: string; venueId: string; sales: VenueSale[] }>();
  for (const event of events) {
    if (event.type !== 'payment.succeeded') {
      snapshots.push(PaymentSnapshot.parse(event.payload));
      continue;
    }
    const payment = PaymentSucceededPayload.parse(event.payload);
    snapshots.push(payment);
    postings.push({
      tenantId: payment.tenantId,
      transactionId: payment.transactionId,
      eventId: event.eventId,
      currency: payment.currency,
      lines: payment.ledger,
    });
    const key = JSON.stringify([payment.tenantId, payment.venueId]);
    const venue = sales.get(key) ?? { tenantId: payment.tenantId, venueId: payment.venueId, sales: [] };
    venue.sales.push({
      eventId: event.eventId,
      amount: payment.fees.ticketPrice,
      at: Date.parse(event.occurredAt),
      catalogEventId: payment.eventId,
      currency: payment.currency,
    });
    sales.set(key, venue);
  }
  await upsertPaymentTransactions(tx, snapshots);
  await postLedgerEntries(tx, postings);
  for (const venue of sales.values()) await venueStub(env, venue.tenantId, venue.venueId).recordSales(venue.sales);
}

async function applyWebhookEvents(tx: Tx, events: readonly OutboxMessage[]): Promise<void> {
  await recordWebhooks(
    tx,
    events.map((event) => ({ tenantId: event.tenantId ?? null, webhook: WebhookReceived.parse(event.payload) })),
  );
}

const paymentEvent: OutboxHandler = (tx, event, env) => applyPaymentEvents(tx, [event], env);
const webhookEvent: OutboxHandler = (tx, event) => applyWebhookEvents(tx, [event]);

/** Handlers with a form for many events: a batch applies all its events of those types with a few statements. */
type BatchHandler = (tx: Tx, events: readonly OutboxMessage[], env: Bindings) => Promise<void>;
const BATCH_FORMS = new Map<OutboxHandler, BatchHandler>([
  [paymentEvent, applyPaymentEvents],
  [webhookEvent, applyWebhookEvents],
]);

/** One handler per event type; each parses its payload with the producer's schema. */
export const outboxHandlers: Record<string, OutboxHandler> = {
  'system.heartbeat': async (tx, event) => {
    const beat = HeartbeatPayload.parse(event.payload);
    await recordHeartbeat(tx, `${event.source.object}:${event.source.id}`, beat.seq, new Date(beat.beatAt));
  },
  'venue.upserted': (tx, event) => upsertVenue(tx, VenueProfile.parse(event.payload)),
  'event.upserted': async (tx, event, env) => {
    const profile = EventProfile.parse(event.payload);
    await upsertEvent(tx, profile);
    // A rescheduled event's sales settle at its new end.
    await venueStub(env, profile.tenantId, profile.venueId).rescheduleEvent(profile.eventId, eventEndsAt(profile));
  },
  'payment.created': paymentEvent,
  'payment.retrying': paymentEvent,
  'payment.processing': paymentEvent,
  'payment.requires_action': paymentEvent,
  'payment.failed': paymentEvent,
  'payment.succeeded': paymentEvent,
  'payment.cancelled': paymentEvent,
  'refund.created': (tx, event) => applyRefundEvent(tx, RefundEventPayload.parse(event.payload)),
  'refund.failed': (tx, event) => applyRefundEvent(tx, RefundEventPayload.parse(event.payload)),
  'refund.succeeded': async (tx, event, env) => {
    const { refund, ledger, payment } = RefundSucceededPayload.parse(event.payload);
    await applyRefundEvent(tx, { refund, payment });
    await postLedger(tx, {
      tenantId: payment.tenantId,
      transactionId: refund.refundId,
      eventId: event.eventId,
      currency: payment.currency,
      lines: ledger,
    });
    // The venue gives back its part (the ticket price's share), from the event's pending balance first.
    await moveVenueShare(env, payment, event.eventId, ledger);
  },
  'venue.balance_moved': async (tx, event) => {
    const move = VenueBalanceMoved.parse(event.payload);
    await postLedger(tx, {
      tenantId: event.tenantId ?? '',
      transactionId: `venue-move:${move.moveId}`,
      eventId: event.eventId,
      currency: move.currency,
      lines: move.ledger,
    });
  },
  'venue.payout_updated': async (tx, event) => {
    const { payout, ledger } = VenuePayoutUpdated.parse(event.payload);
    await upsertVenuePayout(tx, payout);
    if (ledger.length > 0) {
      await postLedger(tx, {
        tenantId: payout.tenantId,
        transactionId: payout.id,
        eventId: event.eventId,
        currency: payout.currency,
        lines: ledger,
      });
    }
  },
  'checkout.updated': async (tx, event, env) => {
    const projection = CheckoutProjection.parse(event.payload);
    await applyCheckoutProjection(tx, event.eventId, projection);
    await recoveryOnCheckoutUpdated(projection, env);
  },
  'webhook.received': webhookEvent,
  ...recoveryOutboxHandlers,
  ...riskOutboxHandlers,
  ...ticketOutboxHandlers,
  ...sellerOutboxHandlers,
  ...disputeOutboxHandlers,
  ...marketplaceOutboxHandlers,
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
 * others), and a batch costs one BEGIN/COMMIT instead of one per event. The ids are claimed in one
 * statement; events whose handler has a batch form are applied by type with one call each (the payment
 * rows first, which refunds reference), the rest one by one in order. Any failure rolls every event
 * back and the caller applies them one by one, so one bad event cannot hold up the rest.
 */
async function applyOutboxEvents(
  db: Db,
  env: Bindings,
  events: readonly OutboxMessage[],
  handlers: Record<string, OutboxHandler>,
): Promise<void> {
  const unique = [...new Map(events.map((e) => [e.eventId, e] as const)).values()];
  await db.transaction(async (tx) => {
    const claimed = await claimEvents(
      tx,
      unique.map((e) => ({ eventId: e.eventId, type: e.type, source: e.source.object })),
    );
    const grouped = new Map<BatchHandler, OutboxMessage[]>();
    const oneByOne: Array<[OutboxHandler, OutboxMessage]> = [];
    for (const event of unique) {
      if (!claimed.has(event.eventId)) continue;
      const handler = handlers[event.type];
      if (!handler) throw new UnknownEventTypeError(event.type);
      const batchForm = BATCH_FORMS.get(handler);
      if (!batchForm) {
        oneByOne.push([handler, event]);
        continue;
      }
      const list = grouped.get(batchForm) ?? [];
      list.push(event);
      grouped.set(batchForm, list);
    }
    for (const [batchForm, list] of grouped) await batchForm(tx, list, env);
    for (const [handler, event] of oneByOne) await handler(tx, event, env);
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
