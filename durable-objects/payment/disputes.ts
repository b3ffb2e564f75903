import { z } from 'zod';
import { LedgerLine, refundLedgerLines } from '../../src/domain/ledger';
import type { TaxResult } from '../../src/domain/tax';
import { DEDUP_TABLE_STEP, DedupInbox } from '../dedup';
import type { Outbox } from '../outbox';
import type { PaymentRow } from './schema';
import { toSnapshot } from './snapshot';
import { type Fees, PaymentSnapshot } from './types';

/**
 * Chargebacks. When the buyer's bank opens a dispute the card network takes the disputed amount back at
 * once, so it leaves the books then: the same proportional reversal a refund makes (the venue's share,
 * the platform's fee and gas, each tax), from the venue's pending balance first. A dispute won brings
 * exactly those lines back; one lost leaves them as they are. Each provider event is applied once.
 */
export const DISPUTE_SCHEMA_STEPS = [
  DEDUP_TABLE_STEP,
  `CREATE TABLE disputes (
     dispute_id TEXT PRIMARY KEY, amount INTEGER NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,
     withdrawn_lines TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
] as const;

export type DisputeNotice = { eventId: string; disputeId: string; amount: number; status: string; reason: string; closed: boolean };

export const DISPUTE_EVENT_TYPES = ['payment.disputed', 'payment.dispute_won', 'payment.dispute_lost', 'payment.dispute_updated'] as const;

/** The payload of `payment.dispute*` events: the dispute, the payment, and the lines this change moved. */
export const DisputeEventPayload = z.object({
  dispute: z.object({ disputeId: z.string(), amount: z.number().int(), status: z.string(), reason: z.string() }),
  payment: PaymentSnapshot,
  ledger: z.array(LedgerLine),
});
export type DisputeEventPayload = z.infer<typeof DisputeEventPayload>;

type DisputeRow = { dispute_id: string; amount: number; status: string; withdrawn_lines: string | null };

export function applyDispute(
  sql: SqlStorage,
  outbox: Outbox,
  row: PaymentRow,
  notice: DisputeNotice,
  now: number,
): 'applied' | 'duplicate' | 'unchanged' {
  if (!new DedupInbox(sql).claim(notice.eventId, now)) return 'duplicate';
  const known = sql.exec<DisputeRow>('SELECT * FROM disputes WHERE dispute_id = ?', notice.disputeId).toArray()[0];
  const won = notice.closed && notice.status === 'won';
  let type: (typeof DISPUTE_EVENT_TYPES)[number];
  let ledger: LedgerLine[] = [];
  if (!known) {
    // A dispute first seen already won never took anything.
    ledger = won ? [] : withdrawal(row, notice.amount);
    type = won ? 'payment.dispute_won' : 'payment.disputed';
    sql.exec(
      'INSERT INTO disputes (dispute_id, amount, status, reason, withdrawn_lines, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      notice.disputeId,
      notice.amount,
      notice.status,
      notice.reason,
      ledger.length ? JSON.stringify(ledger) : null,
      now,
      now,
    );
  } else {
    if (known.status === notice.status) return 'unchanged';
    if (won && known.withdrawn_lines) {
      ledger = (JSON.parse(known.withdrawn_lines) as LedgerLine[]).map((l) => ({ account: l.account, amount: -l.amount }));
    }
    type = won ? 'payment.dispute_won' : notice.closed ? 'payment.dispute_lost' : 'payment.dispute_updated';
    sql.exec(
      'UPDATE disputes SET status = ?, withdrawn_lines = ?, updated_at = ? WHERE dispute_id = ?',
      notice.status,
      won ? null : known.withdrawn_lines,
      now,
      notice.disputeId,
    );
  }
  const payload: DisputeEventPayload = {
    dispute: { disputeId: notice.disputeId, amount: notice.amount, status: notice.status, reason: notice.reason },
    payment: toSnapshot(row),
    ledger,
  };
  outbox.append({ type, tenantId: row.tenant_id, payload }, now);
  return 'applied';
}

/** What the network takes back, as a refund of it would be booked (never more than what is left of the payment). */
function withdrawal(row: PaymentRow, amount: number): LedgerLine[] {
  const left = row.amount - row.refunded_amount;
  return refundLedgerLines({
    userId: row.user_id,
    venueId: row.venue_id,
    fees: JSON.parse(row.fees) as Fees,
    tax: JSON.parse(row.tax) as TaxResult,
    amount: Math.min(amount, left),
    alreadyRefunded: row.refunded_amount,
  });
}
