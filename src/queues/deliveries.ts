import type { DeliveryOutcome, DeliveryPlan } from '../../durable-objects/recovery/types';
import { withDb } from '../db/client';
import { recordUnparsableMessage } from '../db/repos/dead-letters';
import { type Bindings, parseConfig } from '../env';
import { type Logger, loggerFor } from '../lib/logger';
import { recoveryTransactionStub } from '../lib/stubs';
import { type NotificationSenders, notificationSenders } from '../notifications';
import { isPermanentDeliveryFailure } from '../notifications/schedule';
import { renderRecoveryEmail, renderRecoverySms } from '../notifications/templates';
import type { PspFailure, PspResult } from '../psp/types';
import { RecoveryDeliveryMessage } from './messages';
import { queueRetryDelaySeconds } from './retry';

/**
 * The `deliveries` queue consumer: recovery reminders by email and SMS. For each message the transaction's
 * object decides first (prepareDelivery): already sent, paid, expired or cancelled → skipped and acked;
 * otherwise it hands over the content and a short lease. The templates are rendered here and sent through
 * the provider adapter; the object records the answer (projected to Postgres). A provider failure is retried
 * with backoff (5 s doubling to 5 min) and, after wrangler.toml's max_retries, lands in deliveries-dlq, whose
 * consumer (queues/dlq.ts) records it in outbox_dlq. A refusal of the message itself (bad address) is final.
 * Messages carry ids only: no address, phone number or link travels through the queue or its dead letters.
 */
export async function consumeDeliveries(
  batch: MessageBatch<unknown>,
  env: Bindings,
  ctx: ExecutionContext,
  senders: NotificationSenders = notificationSenders(parseConfig(env)),
): Promise<void> {
  const logger = loggerFor(env, { queue: batch.queue });
  for (const msg of batch.messages) {
    const parsed = RecoveryDeliveryMessage.safeParse(msg.body);
    try {
      if (!parsed.success) {
        // It can never be delivered: dead-letter it now instead of spending every retry on it.
        await withDb(parseConfig(env), ctx, (db) => recordUnparsableMessage(db, 'deliveries', msg, parsed.error.issues));
        logger.error('delivery.invalid', { messageId: msg.id });
        msg.ack();
        continue;
      }
      const outcome = await deliver(env, senders, parsed.data, logger);
      if (outcome === 'retry') msg.retry({ delaySeconds: queueRetryDelaySeconds(msg.attempts) });
      else msg.ack();
    } catch (err) {
      const delaySeconds = queueRetryDelaySeconds(msg.attempts);
      logger.warn('delivery.retry', { messageId: msg.id, attempts: msg.attempts, delaySeconds, err });
      msg.retry({ delaySeconds });
    }
  }
}

/** One delivery: ask the object, send, record. 'done' acks (sent, skipped or refused for good); 'retry' retries. */
async function deliver(env: Bindings, senders: NotificationSenders, m: RecoveryDeliveryMessage, logger: Logger): Promise<'done' | 'retry'> {
  const stub = recoveryTransactionStub(env, m.tenantId, m.transactionId);
  const plan: DeliveryPlan = await stub.prepareDelivery(m.tenantId, m.deliveryId, m.channel);
  const fields = { transactionId: m.transactionId, deliveryId: m.deliveryId, channel: m.channel };
  if (plan.kind === 'skip') {
    logger.info('delivery.skipped', { ...fields, reason: plan.reason });
    return 'done';
  }
  if (plan.kind === 'busy') return 'retry';
  const result = await send(senders, plan);
  const outcome: DeliveryOutcome = result.ok
    ? { ok: true, providerMessageId: result.value.providerMessageId }
    : { ok: false, error: describe(result.failure), permanent: isPermanentDeliveryFailure(result.failure) };
  await stub.recordDelivery(m.tenantId, m.deliveryId, m.channel, outcome);
  if (outcome.ok) {
    logger.info('delivery.sent', fields);
    return 'done';
  }
  logger.warn('delivery.failed', { ...fields, error: outcome.error, permanent: outcome.permanent });
  return outcome.permanent ? 'done' : 'retry';
}

async function send(
  senders: NotificationSenders,
  plan: Extract<DeliveryPlan, { kind: 'send' }>,
): Promise<PspResult<{ providerMessageId: string }>> {
  if (plan.channel === 'email') {
    if (!senders.email) return notConfigured('email');
    return senders.email.send({ to: plan.recipient, ...renderRecoveryEmail(plan.content) });
  }
  if (!senders.sms) return notConfigured('sms');
  return senders.sms.send({ to: plan.recipient, body: renderRecoverySms(plan.content) });
}

/** Retried like an outage: the channel may be configured meanwhile, else the message ends in the DLQ where it is visible. */
function notConfigured(channel: string): { ok: false; failure: PspFailure } {
  return { ok: false, failure: { kind: 'unavailable', retryable: true, code: 'not_configured', message: `${channel} is not configured` } };
}

/** Kind, status and code only: providers' messages can quote the recipient's address or number. */
function describe(f: PspFailure): string {
  return [f.kind, f.status, f.code].filter((x) => x !== undefined && x !== '').join(' ');
}
