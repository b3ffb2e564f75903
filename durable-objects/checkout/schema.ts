import { adoptDedupTable } from '../dedup';
import { JsonRecord, jsonRecordTable } from '../record';
import type { CheckoutSessionView } from './types';

/**
 * CheckoutSessionDO's storage: its schema steps (append-only, see durable-objects/sql.ts), the stored session
 * record (one JSON row) and the refund rows.
 */
export const SCHEMA = [
  jsonRecordTable('session'),
  'CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)',
  `CREATE TABLE refunds (
     refund_id TEXT PRIMARY KEY, request_hash TEXT NOT NULL, amount INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('requested', 'pending', 'succeeded', 'failed')),
     provider_refund_id TEXT UNIQUE, next_check_at INTEGER, checks INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  ...adoptDedupTable('seen_events'),
];

/** The stored session: its view (without refunds) plus what only the object itself needs. */
export type SessionRecord = Omit<CheckoutSessionView, 'refunds'> & {
  phase: 'creating' | 'created';
  requestHash: string;
  checkAttempts: number;
  nextCheckAt: number | null;
};

export type RefundRow = {
  refund_id: string;
  request_hash: string;
  amount: number;
  status: 'requested' | 'pending' | 'succeeded' | 'failed';
  provider_refund_id: string | null;
  next_check_at: number | null;
  checks: number;
  version: number;
  created_at: number;
  updated_at: number;
};

/** The stored session record. */
export function sessionRecord(sql: SqlStorage): JsonRecord<SessionRecord> {
  return new JsonRecord<SessionRecord>(sql, 'session');
}

export function loadRefundRows(sql: SqlStorage): RefundRow[] {
  return sql.exec<RefundRow>('SELECT * FROM refunds ORDER BY created_at, refund_id').toArray();
}
