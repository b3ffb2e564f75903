import type { NotificationChannel } from '../../src/notifications/types';
import type { RecoveryContext } from './context';
import { deliveryRows, readAttempts, readReminders, saveRecord } from './rows';
import type { DeliveryRow } from './schema';
import type {
  RecoveryDeliveryView,
  RecoveryProjection,
  RecoveryRecord,
  RecoveryTransactionRow,
  RecoveryTransactionView,
  ReminderDuePayload,
} from './types';

/** The record without its internal bookkeeping (request hash, checkout generation and version): the projected row. */
export function transactionRow(record: RecoveryRecord): RecoveryTransactionRow {
  const { requestHash: _h, checkoutGeneration: _g, checkoutVersion: _v, ...row } = record;
  return row;
}

export function deliveryView(record: RecoveryRecord, d: DeliveryRow): RecoveryDeliveryView {
  return {
    deliveryId: d.delivery_id,
    transactionId: record.transactionId,
    tenantId: record.tenantId,
    reminderSeq: d.reminder_seq,
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    providerMessageId: d.provider_message_id,
    lastError: d.last_error,
    sentAt: d.sent_at,
    version: d.version,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
  };
}

/** The transaction with its payment attempts, reminders and deliveries, as the RPC methods return it. */
export function transactionView(sql: SqlStorage, record: RecoveryRecord): RecoveryTransactionView {
  const reminders = readReminders(sql);
  return {
    ...transactionRow(record),
    paymentAttempts: readAttempts(sql),
    reminders,
    deliveries: deliveryRows(sql).map((d) => deliveryView(record, d)),
  };
}

/** Saves the record as a new version and appends its projection (`recovery.updated`); call inside transactionSync. */
export function commitRecord(ctx: RecoveryContext, record: RecoveryRecord, now: number): RecoveryRecord {
  const next = { ...record, updatedAt: now, version: record.version + 1 };
  saveRecord(ctx.sql, next);
  const payload: RecoveryProjection = { transaction: transactionRow(next), paymentAttempts: readAttempts(ctx.sql) };
  ctx.outbox.append({ type: 'recovery.updated', tenantId: next.tenantId, payload }, now);
  return next;
}

/** Projects one delivery as it now stands (`recovery.notification`). */
export function emitDelivery(
  ctx: RecoveryContext,
  record: RecoveryRecord,
  deliveryId: string,
  channel: NotificationChannel,
  now: number,
): void {
  const d = deliveryRows(ctx.sql, 'delivery_id = ? AND channel = ?', deliveryId, channel)[0];
  if (d)
    ctx.outbox.append({ type: 'recovery.notification', tenantId: record.tenantId, payload: { delivery: deliveryView(record, d) } }, now);
}

/** A reminder fell due (`recovery.reminder_due`), with the deliveries queued for it. */
export function emitReminderDue(ctx: RecoveryContext, record: RecoveryRecord, seq: number, deliveryId: string, now: number): void {
  const deliveries = deliveryRows(ctx.sql, 'delivery_id = ?', deliveryId).map((d) => deliveryView(record, d));
  const payload: ReminderDuePayload = {
    transactionId: record.transactionId,
    tenantId: record.tenantId,
    reminderSeq: seq,
    deliveries,
  };
  ctx.outbox.append({ type: 'recovery.reminder_due', tenantId: record.tenantId, payload }, now);
}
