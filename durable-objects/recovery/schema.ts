import type { DeliveryStatus, NotificationChannel } from '../../src/notifications/types';
import { adoptDedupTable } from '../dedup';
import { jsonRecordTable } from '../record';
import type { RecoveryPaymentAttempt, RecoveryReminderView } from './types';

/**
 * RecoveryTransactionDO's own schema steps (after the outbox's). Steps that have shipped are never edited
 * or reordered: a change is a new step appended.
 */
export const RECOVERY_SCHEMA = [
  jsonRecordTable('txn'),
  'CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)',
  `CREATE TABLE attempts (
     attempt_id TEXT PRIMARY KEY, payment_intent_id TEXT, status TEXT NOT NULL, amount INTEGER, currency TEXT,
     failure_code TEXT, failure_message TEXT, source TEXT NOT NULL, occurred_at INTEGER NOT NULL
   )`,
  `CREATE TABLE reminders (
     seq INTEGER PRIMARY KEY, due_at INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('scheduled', 'due', 'cancelled')), updated_at INTEGER NOT NULL
   )`,
  `CREATE TABLE deliveries (
     delivery_id TEXT NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')), reminder_seq INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'sent', 'failed', 'skipped', 'cancelled')),
     lease_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0, provider_message_id TEXT, last_error TEXT, sent_at INTEGER,
     version INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
     PRIMARY KEY (delivery_id, channel)
   )`,
  ...adoptDedupTable('seen_events'),
];

/** A row of `attempts`. */
export type AttemptRow = {
  attempt_id: string;
  payment_intent_id: string | null;
  status: RecoveryPaymentAttempt['status'];
  amount: number | null;
  currency: string | null;
  failure_code: string | null;
  failure_message: string | null;
  source: string;
  occurred_at: number;
};

/** A row of `reminders`. */
export type ReminderRow = { seq: number; due_at: number; status: RecoveryReminderView['status'] };

/** A row of `deliveries`: one reminder's notification on one channel. */
export type DeliveryRow = {
  delivery_id: string;
  channel: NotificationChannel;
  reminder_seq: number;
  status: DeliveryStatus;
  lease_until: number | null;
  attempts: number;
  provider_message_id: string | null;
  last_error: string | null;
  sent_at: number | null;
  version: number;
  created_at: number;
  updated_at: number;
};
