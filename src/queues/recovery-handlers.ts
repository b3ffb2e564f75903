import type { CheckoutProjection } from '../../durable-objects/checkout/types';
import {
  type RecoveryDeliveryView,
  RecoveryNotificationPayload,
  RecoveryProjection,
  ReminderDuePayload,
} from '../../durable-objects/recovery/types';
import { applyRecoveryProjection, upsertRecoveryNotifications } from '../db/repos/recovery';
import type { Bindings } from '../env';
import { recoveryTransactionStub } from '../lib/stubs';
import type { OutboxHandler, RecoveryDeliveryMessage } from './messages';

/**
 * Outbox handlers of RecoveryTransactionDO's events (spread into outboxHandlers):
 * - `recovery.updated`: the recovery_transactions row (version-guarded);
 * - `recovery.notification`: one recovery_notifications row (version-guarded);
 * - `recovery.reminder_due`: the queued notification rows, and one message per channel on the `deliveries` queue.
 *   The send happens inside the consumer's transaction: if that transaction then fails, the redelivered event
 *   sends again, and the deliveries consumer skips a delivery its object already recorded as sent.
 */
export function deliveryMessage(d: RecoveryDeliveryView): RecoveryDeliveryMessage {
  return {
    v: 1,
    type: 'recovery.reminder',
    eventId: `${d.deliveryId}:${d.channel}`,
    tenantId: d.tenantId,
    transactionId: d.transactionId,
    deliveryId: d.deliveryId,
    reminderSeq: d.reminderSeq,
    channel: d.channel,
  };
}

export const recoveryOutboxHandlers: Record<string, OutboxHandler> = {
  'recovery.updated': (tx, event) => applyRecoveryProjection(tx, RecoveryProjection.parse(event.payload)),
  'recovery.notification': (tx, event) => upsertRecoveryNotifications(tx, [RecoveryNotificationPayload.parse(event.payload).delivery]),
  'recovery.reminder_due': async (tx, event, env) => {
    const due = ReminderDuePayload.parse(event.payload);
    await upsertRecoveryNotifications(tx, due.deliveries);
    if (due.deliveries.length === 0) return;
    await env.DELIVERIES_QUEUE.sendBatch(due.deliveries.map((d) => ({ body: deliveryMessage(d), contentType: 'json' as const })));
  },
};

/**
 * `checkout.updated` fan-out, called after the checkout projection: a session of purpose 'recovery' reports
 * its status to the recovery transaction named in its metadata (paid → completed; expired → expired when there
 * is no payment link). Idempotent in the object (version-guarded; completion happens once).
 */
export async function recoveryOnCheckoutUpdated({ session }: CheckoutProjection, env: Bindings): Promise<void> {
  const transactionId = session.metadata?.edgepay_recovery_transaction_id;
  if (session.purpose !== 'recovery' || !transactionId) return;
  await recoveryTransactionStub(env, session.tenantId, transactionId).observeCheckout(session.tenantId, {
    sessionRef: session.sessionId,
    providerSessionId: session.providerSessionId,
    status: session.status,
    amountPaid: session.amountPaid,
    currency: session.currency,
    paymentReference: session.paymentReference,
    version: session.version,
  });
}
