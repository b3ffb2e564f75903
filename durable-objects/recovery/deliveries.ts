import { payLinkFor } from '../../src/notifications/schedule';
import type { DeliveryStatus, NotificationChannel } from '../../src/notifications/types';
import { deliveryRows } from './rows';
import type { DeliveryRow } from './schema';
import type { DeliveryOutcome, DeliveryPlan, RecoveryRecord } from './types';

/** A delivery being sent holds a lease this long, so a redelivered queue message does not send it twice meanwhile. */
export const DELIVERY_LEASE_MS = 60_000;

export function findDelivery(sql: SqlStorage, deliveryId: string, channel: NotificationChannel): DeliveryRow | undefined {
  return deliveryRows(sql, 'delivery_id = ? AND channel = ?', deliveryId, channel)[0];
}

/** Queues a due reminder's delivery on each channel the transaction has a contact for; returns the delivery id. */
export function queueDeliveries(sql: SqlStorage, record: RecoveryRecord, seq: number, now: number): string {
  const deliveryId = `${record.transactionId}:${seq}`;
  const channels: NotificationChannel[] = [];
  if (record.customerEmail) channels.push('email');
  if (record.customerPhone) channels.push('sms');
  for (const channel of channels) {
    sql.exec(
      `INSERT INTO deliveries (delivery_id, channel, reminder_seq, status, created_at, updated_at)
             VALUES (?, ?, ?, 'queued', ?, ?) ON CONFLICT DO NOTHING`,
      deliveryId,
      channel,
      seq,
      now,
      now,
    );
  }
  return deliveryId;
}

/**
 * What to do with a delivery the consumer is about to send: answer at once, first settle it (cancelled when
 * the transaction is closed, skipped without a link or recipient), or take the lease and send.
 */
export type DeliveryStep =
  | { kind: 'answer'; plan: DeliveryPlan }
  | { kind: 'settle'; status: DeliveryStatus; error: string | null; plan: DeliveryPlan }
  | { kind: 'lease'; plan: DeliveryPlan };

export function planDelivery(record: RecoveryRecord, d: DeliveryRow, channel: NotificationChannel, now: number): DeliveryStep {
  if (d.status === 'sent') return { kind: 'answer', plan: { kind: 'skip', reason: 'already_sent' } };
  if (d.status === 'cancelled' || d.status === 'skipped' || d.status === 'failed') {
    return { kind: 'answer', plan: { kind: 'skip', reason: d.status } };
  }
  if (record.recoveryStatus === 'completed' || record.recoveryStatus === 'expired') {
    return { kind: 'settle', status: 'cancelled', error: null, plan: { kind: 'skip', reason: record.recoveryStatus } };
  }
  const payUrl = payLinkFor(record, now);
  const recipient = channel === 'email' ? record.customerEmail : record.customerPhone;
  if (!payUrl || !recipient) {
    return {
      kind: 'settle',
      status: 'skipped',
      error: payUrl ? 'no recipient' : 'no usable link',
      plan: { kind: 'skip', reason: payUrl ? 'no_recipient' : 'no_link' },
    };
  }
  if (d.lease_until !== null && d.lease_until > now) return { kind: 'answer', plan: { kind: 'busy' } };
  return {
    kind: 'lease',
    plan: {
      kind: 'send',
      channel,
      recipient,
      content: { amount: record.amount, currency: record.currency, description: record.description, payUrl, reminderSeq: d.reminder_seq },
    },
  };
}

export function takeLease(sql: SqlStorage, deliveryId: string, channel: NotificationChannel, now: number): void {
  sql.exec('UPDATE deliveries SET lease_until = ? WHERE delivery_id = ? AND channel = ?', now + DELIVERY_LEASE_MS, deliveryId, channel);
}

/** Ends a delivery without sending it (cancelled or skipped), keeping the last error when none is given. */
export function settleDelivery(sql: SqlStorage, d: DeliveryRow, status: DeliveryStatus, now: number, error: string | null): void {
  sql.exec(
    `UPDATE deliveries SET status = ?, lease_until = NULL, last_error = COALESCE(?, last_error), version = version + 1, updated_at = ?
         WHERE delivery_id = ? AND channel = ?`,
    status,
    error,
    now,
    d.delivery_id,
    d.channel,
  );
}

/** The provider's answer: sent, or failed (permanently) / retrying. */
export function applyDeliveryOutcome(
  sql: SqlStorage,
  deliveryId: string,
  channel: NotificationChannel,
  outcome: DeliveryOutcome,
  now: number,
): void {
  if (outcome.ok) {
    sql.exec(
      `UPDATE deliveries SET status = 'sent', attempts = attempts + 1, provider_message_id = ?, sent_at = ?, lease_until = NULL,
             last_error = NULL, version = version + 1, updated_at = ? WHERE delivery_id = ? AND channel = ?`,
      outcome.providerMessageId,
      now,
      now,
      deliveryId,
      channel,
    );
  } else {
    sql.exec(
      `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, lease_until = NULL, version = version + 1, updated_at = ?
           WHERE delivery_id = ? AND channel = ?`,
      outcome.permanent ? 'failed' : 'retrying',
      outcome.error.slice(0, 300),
      now,
      deliveryId,
      channel,
    );
  }
}

/** Cancels every delivery still waiting (queued or retrying), calling `cancelled` after each one. */
export function cancelWaitingDeliveries(sql: SqlStorage, now: number, cancelled: (d: DeliveryRow) => void): void {
  for (const d of deliveryRows(sql, "status IN ('queued', 'retrying')")) {
    sql.exec(
      "UPDATE deliveries SET status = 'cancelled', lease_until = NULL, version = version + 1, updated_at = ? WHERE delivery_id = ? AND channel = ?",
      now,
      d.delivery_id,
      d.channel,
    );
    cancelled(d);
  }
}
