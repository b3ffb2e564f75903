import { JsonRecord } from '../record';
import type { AttemptRow, DeliveryRow, ReminderRow } from './schema';
import type { RecoveryPaymentAttempt, RecoveryRecord, RecoveryReminderView } from './types';

/** The transaction, stored as one JSON row; null before it is recorded. */
export function loadRecord(sql: SqlStorage): RecoveryRecord | null {
  return new JsonRecord<RecoveryRecord>(sql, 'txn').load();
}

export function saveRecord(sql: SqlStorage, record: RecoveryRecord): void {
  new JsonRecord<RecoveryRecord>(sql, 'txn').save(record);
}

export function readAttempts(sql: SqlStorage): RecoveryPaymentAttempt[] {
  return sql
    .exec<AttemptRow>('SELECT * FROM attempts ORDER BY occurred_at, attempt_id')
    .toArray()
    .map((a) => ({
      attemptId: a.attempt_id,
      paymentIntentId: a.payment_intent_id,
      status: a.status,
      amount: a.amount,
      currency: a.currency,
      failureCode: a.failure_code,
      failureMessage: a.failure_message,
      source: a.source,
      occurredAt: a.occurred_at,
    }));
}

export function readReminders(sql: SqlStorage): RecoveryReminderView[] {
  return sql
    .exec<ReminderRow>('SELECT seq, due_at, status FROM reminders ORDER BY seq')
    .toArray()
    .map((r) => ({ seq: r.seq, dueAt: r.due_at, status: r.status }));
}

export function deliveryRows(sql: SqlStorage, where = '1 = 1', ...args: (string | number)[]): DeliveryRow[] {
  return sql.exec<DeliveryRow>(`SELECT * FROM deliveries WHERE ${where} ORDER BY reminder_seq, channel`, ...args).toArray();
}

/** Once per event; a success already recorded for the same PaymentIntent (its event, or the session's) is not recorded again. */
export function recordAttempt(sql: SqlStorage, a: RecoveryPaymentAttempt): void {
  if (a.status === 'succeeded' && a.paymentIntentId) {
    const known = sql.exec("SELECT 1 FROM attempts WHERE payment_intent_id = ? AND status = 'succeeded'", a.paymentIntentId).toArray();
    if (known.length > 0) return;
  }
  sql.exec(
    `INSERT INTO attempts (attempt_id, payment_intent_id, status, amount, currency, failure_code, failure_message, source, occurred_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attempt_id) DO NOTHING`,
    a.attemptId,
    a.paymentIntentId,
    a.status,
    a.amount,
    a.currency,
    a.failureCode,
    a.failureMessage,
    a.source,
    a.occurredAt,
  );
}
