import type { CheckoutProjection } from '../../durable-objects/CheckoutSessionDO';
import type { PaymentSnapshot } from '../../durable-objects/PaymentDO';
import type { Db } from '../db/client';
import { upsertEvent, upsertVenue } from '../db/repos/catalog';
import { applyCheckoutProjection } from '../db/repos/checkout';
import { recordUnparsableMessage } from '../db/repos/dead-letters';
import { recordHeartbeat } from '../db/repos/heartbeats';
import {
  postLedger,
  type RefundSnapshot,
  recordWebhook,
  upsertPaymentTransaction,
  upsertRefund,
  type WebhookReceived,
} from '../db/repos/payments';
import { claimEvent, type Tx } from '../db/repos/processed-events';
import type { LedgerLine } from '../domain/ledger';
import type { Bindings } from '../env';
import { createLogger, type Logger, parseLogLevel } from '../lib/logger';
import { venueStub } from '../lib/stubs';
import { EventProfile, VenueProfile } from '../schemas/catalog';
import { HeartbeatPayload, OutboxMessage } from './messages';
import { recoveryOnCheckoutUpdated, recoveryOutboxHandlers } from './recovery-handlers';
import { queueRetryDelaySeconds } from './retry';
import { withDatabaseOrRetryBatch } from './with-database';

/** Applies one event inside the transaction that also records its id; later issues add their types here. */
export type OutboxHandler = (tx: Tx, event: OutboxMessage, env: Bindings) => Promise<void>;

export const outboxHandlers: Record<string, OutboxHandler> = {
  'system.heartbeat': async (tx, event) => {
    const beat = HeartbeatPayload.parse(event.payload);
    await recordHeartbeat(tx, `${event.source.object}:${event.source.id}`, beat.seq, new Date(beat.beatAt));
  },
  'venue.upserted': (tx, event) => upsertVenue(tx, VenueProfile.parse(event.payload)),
  'event.upserted': (tx, event) => upsertEvent(tx, EventProfile.parse(event.payload)),
  'payment.created': (tx, event) => upsertPaymentTransaction(tx, event.payload as PaymentSnapshot),
  'payment.retrying': (tx, event) => upsertPaymentTransaction(tx, event.payload as PaymentSnapshot),
  'payment.processing': (tx, event) => upsertPaymentTransaction(tx, event.payload as PaymentSnapshot),
  'payment.requires_action': (tx, event) => upsertPaymentTransaction(tx, event.payload as PaymentSnapshot),
  'payment.failed': (tx, event) => upsertPaymentTransaction(tx, event.payload as PaymentSnapshot),
  'payment.succeeded': async (tx, event, env) => {
    const payment = event.payload as PaymentSnapshot & { ledger: LedgerLine[] };
    await upsertPaymentTransaction(tx, payment);
    await postLedger(tx, payment.transactionId, event.eventId, payment.currency, payment.ledger);
    // Once per event id inside the VenueDO, so a retried delivery does not count the sale twice.
    await venueStub(env, payment.tenantId, payment.venueId).recordSale(
      event.eventId,
      payment.fees.ticketPrice,
      Date.parse(event.occurredAt),
    );
  },
  'payment.cancelled': (tx, event) => upsertPaymentTransaction(tx, event.payload as PaymentSnapshot),
  'refund.created': (tx, event) => applyRefundEvent(tx, event),
  'refund.failed': (tx, event) => applyRefundEvent(tx, event),
  'refund.succeeded': async (tx, event) => {
    await applyRefundEvent(tx, event);
    const { refund, ledger, payment } = event.payload as { refund: RefundSnapshot; ledger: LedgerLine[]; payment: PaymentSnapshot };
    await postLedger(tx, refund.refundId, event.eventId, payment.currency, ledger);
  },
  'checkout.updated': async (tx, event, env) => {
    await applyCheckoutProjection(tx, event.eventId, event.payload as CheckoutProjection);
    await recoveryOnCheckoutUpdated(tx, event, env);
  },
  'webhook.received': (tx, event) => recordWebhook(tx, event.tenantId ?? null, event.payload as WebhookReceived),
  ...recoveryOutboxHandlers,
};

async function applyRefundEvent(tx: Tx, event: OutboxMessage): Promise<void> {
  const { refund, payment } = event.payload as { refund: RefundSnapshot; payment: PaymentSnapshot };
  await upsertPaymentTransaction(tx, payment);
  await upsertRefund(tx, refund);
}

export class UnknownEventTypeError extends Error {
  constructor(type: string) {
    super(`no outbox handler for event type ${type}`);
    this.name = 'UnknownEventTypeError';
  }
}

/** Exactly-once effect: the event id and the effect commit together, or neither does. */
export async function applyOutboxEvent(
  db: Db,
  env: Bindings,
  event: OutboxMessage,
  handlers: Record<string, OutboxHandler> = outboxHandlers,
): Promise<'applied' | 'duplicate'> {
  return db.transaction(async (tx) => {
    const fresh = await claimEvent(tx, { eventId: event.eventId, type: event.type, source: event.source.object });
    if (!fresh) return 'duplicate';
    const handler = handlers[event.type];
    if (!handler) throw new UnknownEventTypeError(event.type);
    await handler(tx, event, env);
    return 'applied';
  });
}

/**
 * The `outbox` queue consumer. Postgres unreachable → the whole batch is retried with backoff
 * (withDatabaseOrRetryBatch). A message that fails on its own is retried alone; one that can never
 * parse is recorded as a dead letter at once instead of burning 100 retries.
 */
export async function consumeOutbox(
  batch: MessageBatch<unknown>,
  env: Bindings,
  ctx: ExecutionContext,
  handlers: Record<string, OutboxHandler> = outboxHandlers,
): Promise<void> {
  const logger = createLogger(parseLogLevel(env.LOG_LEVEL), { queue: batch.queue });
  await withDatabaseOrRetryBatch(batch, env, ctx, logger, (db) => applyBatch(db, env, batch, handlers, logger));
}

async function applyBatch(
  db: Db,
  env: Bindings,
  batch: MessageBatch<unknown>,
  handlers: Record<string, OutboxHandler>,
  logger: Logger,
): Promise<void> {
  for (const msg of batch.messages) {
    const parsed = OutboxMessage.safeParse(msg.body);
    try {
      if (!parsed.success) {
        await recordUnparsableMessage(db, batch.queue, msg, parsed.error.issues);
        logger.error('queue.message.invalid', { messageId: msg.id });
        msg.ack();
        continue;
      }
      const outcome = await applyOutboxEvent(db, env, parsed.data, handlers);
      logger.debug('queue.message.done', { eventId: parsed.data.eventId, type: parsed.data.type, outcome });
      msg.ack();
    } catch (err) {
      const delaySeconds = queueRetryDelaySeconds(msg.attempts);
      logger.warn('queue.message.retry', { messageId: msg.id, attempts: msg.attempts, delaySeconds, err });
      msg.retry({ delaySeconds });
    }
  }
}
