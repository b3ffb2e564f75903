import type { PaymentState } from '../../src/domain/payment-state';
import type { PspId } from '../../src/psp/types';
import { IDEMPOTENCY_TABLE_STEP } from '../idempotency';
import { DISPUTE_SCHEMA_STEPS } from './disputes';
import { LIMIT_CONFIRM_SCHEMA_STEP } from './limit-confirm';
import { TICKET_SCHEMA_STEP } from './tickets';

/** PaymentDO's own schema steps (after the outbox's), applied in order; never edit or reorder a step. */
export const PAYMENT_SCHEMA_STEPS = [
  `CREATE TABLE payment (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     transaction_id TEXT NOT NULL, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL,
     venue_id TEXT NOT NULL, event_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
     state TEXT NOT NULL, currency TEXT NOT NULL, amount INTEGER NOT NULL,
     fees TEXT NOT NULL, tax TEXT NOT NULL, tickets TEXT NOT NULL,
     payment_method_id TEXT NOT NULL, provider TEXT NOT NULL, connected_account TEXT,
     psp_reference TEXT, charge_reference TEXT, failure_code TEXT,
     attempt INTEGER NOT NULL, refunded_amount INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  IDEMPOTENCY_TABLE_STEP,
  `CREATE TABLE refunds (
     refund_id TEXT PRIMARY KEY, idempotency_key TEXT, amount INTEGER NOT NULL, reason TEXT,
     status TEXT NOT NULL CHECK (status IN ('processing', 'pending', 'completed', 'failed')),
     psp_reference TEXT UNIQUE, source TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  // PSP notifications seen (dedup by provider event id) and those waiting for a predecessor (parked).
  `CREATE TABLE psp_events (
     event_id TEXT PRIMARY KEY, payload TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('applied', 'parked', 'stale', 'ignored')),
     received_at INTEGER NOT NULL, settled_at INTEGER
   )`,
  // A paid order's purchase reservation still to be confirmed in its EventDO (limit-confirm.ts).
  LIMIT_CONFIRM_SCHEMA_STEP,
  // What the pre-charge checks held or learned: the admission token (spent when paid, given back when not)
  // and the fingerprints projected with the payment.
  `ALTER TABLE payment ADD COLUMN admission_jti TEXT;
   ALTER TABLE payment ADD COLUMN device_fingerprint TEXT;
   ALTER TABLE payment ADD COLUMN payment_method_fingerprint TEXT;
   ALTER TABLE limit_confirm ADD COLUMN admission_jti TEXT`,
  // The order's tickets: issued once paid, voided once refunded in full (tickets.ts).
  TICKET_SCHEMA_STEP,
  // Chargebacks on the payment (disputes.ts).
  ...DISPUTE_SCHEMA_STEPS,
] as const;

/** The single `payment` row (id = 1). */
export type PaymentRow = {
  transaction_id: string;
  tenant_id: string;
  user_id: string;
  venue_id: string;
  event_id: string;
  idempotency_key: string;
  state: PaymentState;
  currency: string;
  amount: number;
  fees: string;
  tax: string;
  tickets: string;
  payment_method_id: string;
  provider: PspId;
  connected_account: string | null;
  psp_reference: string | null;
  charge_reference: string | null;
  failure_code: string | null;
  attempt: number;
  refunded_amount: number;
  version: number;
  created_at: number;
  updated_at: number;
  admission_jti: string | null;
  device_fingerprint: string | null;
  payment_method_fingerprint: string | null;
  mint_job_id: string | null;
  ticket_ids: string | null;
  nft_chain: string | null;
};

export type RefundRow = {
  refund_id: string;
  idempotency_key: string | null;
  amount: number;
  reason: string | null;
  status: 'processing' | 'pending' | 'completed' | 'failed';
  psp_reference: string | null;
  source: string;
  created_at: number;
  updated_at: number;
};
