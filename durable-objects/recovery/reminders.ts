import { reminderTimes } from '../../src/notifications/schedule';
import type { RecoveryContext } from './context';
import { queueDeliveries } from './deliveries';
import { emitReminderDue } from './projection';
import type { RecoveryRecord } from './types';

/**
 * The first link starts the schedule (config RECOVERY_REMINDER_SCHEDULE, first at once); reopening starts a fresh
 * one. Returns how many reminders were scheduled, or null when a schedule was already running.
 */
export function startReminders(sql: SqlStorage, offsets: readonly number[], reopened: boolean, now: number): number | null {
  const started = sql.exec<{ n: number; last: number | null }>('SELECT COUNT(*) AS n, MAX(seq) AS last FROM reminders').one();
  if (started.n > 0 && !reopened) return null;
  let seq = started.last ?? 0;
  for (const dueAt of reminderTimes(now, offsets)) {
    seq += 1;
    sql.exec("INSERT INTO reminders (seq, due_at, status, updated_at) VALUES (?, ?, 'scheduled', ?)", seq, dueAt, now);
  }
  return seq - (started.last ?? 0);
}

/** When the earliest scheduled reminder is due, or null. */
export function nextReminderDue(sql: SqlStorage): number | null {
  const row = sql.exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM reminders WHERE status = 'scheduled'").toArray()[0];
  return row?.due ?? null;
}

export function dueReminders(sql: SqlStorage, now: number): number[] {
  return sql
    .exec<{ seq: number }>("SELECT seq FROM reminders WHERE status = 'scheduled' AND due_at <= ? ORDER BY seq", now)
    .toArray()
    .map((r) => r.seq);
}

export function cancelScheduledReminders(sql: SqlStorage, now: number): void {
  sql.exec("UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE status = 'scheduled'", now);
}

/**
 * A reminder fell due: cancelled when the transaction is completed or expired, else marked due with a delivery
 * queued per channel and announced on the outbox. Call inside transactionSync.
 */
export function fireReminder(ctx: RecoveryContext, record: RecoveryRecord, seq: number, now: number): void {
  if (record.recoveryStatus === 'completed' || record.recoveryStatus === 'expired') {
    ctx.sql.exec("UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE seq = ?", now, seq);
    return;
  }
  ctx.sql.exec("UPDATE reminders SET status = 'due', updated_at = ? WHERE seq = ?", now, seq);
  const deliveryId = queueDeliveries(ctx.sql, record, seq, now);
  emitReminderDue(ctx, record, seq, deliveryId, now);
}
