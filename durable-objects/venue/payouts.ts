import type { LedgerLine } from '../../src/domain/ledger';
import {
  ESTIMATED_ARRIVAL,
  type PayoutRefusal,
  type PayoutStatus,
  type PayoutType,
  payoutCosts,
  payoutDay,
  payoutRefusal,
} from '../../src/domain/payout';
import type { PayoutView as ProviderPayout } from '../../src/psp/adapter';
import type { VenuePayout } from './types';

/**
 * A venue's payouts and the Stripe calls each still owes. Opening a payout takes its amount out of
 * `available` at once (into `venue:<id>:in_transit`), in the same transaction that checked it against
 * what is payable and against the UTC day's limit, so two concurrent requests cannot both pass. The bank
 * transfer itself is Stripe's: `paid` moves the amount out of the books (the instant fee to the platform),
 * `failed` gives it back to `available`.
 */
export const PAYOUT_SCHEMA_STEPS = [
  `CREATE TABLE payouts (
     payout_id TEXT PRIMARY KEY, amount INTEGER NOT NULL, fee INTEGER NOT NULL, currency TEXT NOT NULL,
     type TEXT NOT NULL, status TEXT NOT NULL, day TEXT NOT NULL, account TEXT NOT NULL, stripe_payout_id TEXT,
     failure_code TEXT, failure_message TEXT, requested_by TEXT NOT NULL, version INTEGER NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, paid_at INTEGER, failed_at INTEGER
   )`,
  'CREATE INDEX payouts_day ON payouts (day, status)',
  'CREATE INDEX payouts_created ON payouts (created_at)',
  // Stripe calls a payout still owes: its submission, and moving an instant fee to or back from the platform.
  `CREATE TABLE payout_tasks (
     payout_id TEXT NOT NULL, kind TEXT NOT NULL, due_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (payout_id, kind)
   )`,
] as const;

export type PayoutTaskKind = 'submit' | 'collect_fee' | 'return_fee';

export type PayoutRow = {
  payout_id: string;
  amount: number;
  fee: number;
  currency: string;
  type: PayoutType;
  status: PayoutStatus;
  day: string;
  account: string;
  stripe_payout_id: string | null;
  failure_code: string | null;
  failure_message: string | null;
  requested_by: string;
  version: number;
  created_at: number;
  updated_at: number;
  paid_at: number | null;
  failed_at: number | null;
};

export type OpenPayout = {
  payoutId: string;
  amount: number;
  type: PayoutType;
  account: string;
  currency: string;
  requestedBy: string;
  payable: number;
  now: number;
};

/** A payout's change: the row after it and the ledger lines it moved (none for a status that moves no money). */
export type PayoutChange = { row: PayoutRow; lines: LedgerLine[] };

export class PayoutBook {
  constructor(
    private readonly sql: SqlStorage,
    private readonly venueId: string,
  ) {}

  private account(kind: 'available' | 'in_transit' | 'paid_out'): string {
    return `venue:${this.venueId}:${kind}`;
  }

  /** What the venue's payouts of the UTC day add up to, those that failed aside. */
  paidOutOn(day: string): number {
    return (
      this.sql.exec<{ n: number | null }>(`SELECT SUM(amount) AS n FROM payouts WHERE day = ? AND status != 'failed'`, day).one().n ?? 0
    );
  }

  /** Call inside a transaction: the refusal, or the new payout and its lines (available → in transit). */
  open(input: OpenPayout): { refusal: PayoutRefusal } | PayoutChange {
    const day = payoutDay(input.now);
    const refusal = payoutRefusal(input.amount, input.payable, this.paidOutOn(day));
    if (refusal) return { refusal };
    const { fee } = payoutCosts(input.amount, input.type);
    this.sql.exec(
      `INSERT INTO payouts (payout_id, amount, fee, currency, type, status, day, account, requested_by, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, 1, ?, ?)`,
      input.payoutId,
      input.amount,
      fee,
      input.currency,
      input.type,
      day,
      input.account,
      input.requestedBy,
      input.now,
      input.now,
    );
    this.schedule(input.payoutId, 'submit', input.now);
    return {
      row: this.get(input.payoutId) as PayoutRow,
      lines: [
        { account: this.account('available'), amount: input.amount },
        { account: this.account('in_transit'), amount: -input.amount },
      ],
    };
  }

  get(payoutId: string): PayoutRow | null {
    return this.sql.exec<PayoutRow>('SELECT * FROM payouts WHERE payout_id = ?', payoutId).toArray()[0] ?? null;
  }

  /** Newest first; `before` is the last payout of the previous page. */
  list(limit: number, before?: { at: number; id: string }): PayoutRow[] {
    return this.sql
      .exec<PayoutRow>(
        'SELECT * FROM payouts WHERE (created_at, payout_id) < (?, ?) ORDER BY created_at DESC, payout_id DESC LIMIT ?',
        before?.at ?? Number.MAX_SAFE_INTEGER,
        before?.id ?? '',
        limit,
      )
      .toArray();
  }

  /**
   * Call inside a transaction: what Stripe says of the payout, from its answer or an event. Moves money only on
   * the first `paid` (out of the books, the fee to the platform) and the first `failed` (back to available, and
   * out of the platform's fees when it had been paid). Returns null when nothing changed.
   */
  apply(payoutId: string, seen: ProviderPayout, now: number): PayoutChange | null {
    const row = this.get(payoutId);
    if (!row || row.status === 'failed') return null;
    if (row.stripe_payout_id && row.stripe_payout_id !== seen.id) return null;
    const status = statusOf(seen.status);
    const lines: LedgerLine[] = [];
    const net = row.amount - row.fee;
    if (status === 'paid' && row.status !== 'paid') {
      lines.push(
        { account: this.account('in_transit'), amount: row.amount },
        { account: this.account('paid_out'), amount: -net },
        ...(row.fee > 0 ? [{ account: 'platform:fees', amount: -row.fee }] : []),
      );
      if (row.fee > 0) this.schedule(payoutId, 'collect_fee', now);
    } else if (status === 'failed') {
      // A payout Stripe reported paid can still fail later (the bank returns it): then it comes out of paid_out.
      if (row.status === 'paid') {
        lines.push(
          { account: this.account('paid_out'), amount: net },
          ...(row.fee > 0 ? [{ account: 'platform:fees', amount: row.fee }] : []),
        );
        if (row.fee > 0) this.schedule(payoutId, 'return_fee', now);
      } else lines.push({ account: this.account('in_transit'), amount: row.amount });
      lines.push({ account: this.account('available'), amount: -row.amount });
      this.unschedule(payoutId, 'submit');
    } else if (status === row.status && row.stripe_payout_id === seen.id) return null;
    this.sql.exec(
      `UPDATE payouts SET status = ?, stripe_payout_id = COALESCE(NULLIF(?, ''), stripe_payout_id), failure_code = ?, failure_message = ?, version = version + 1, updated_at = ?,
         paid_at = CASE WHEN ? = 'paid' THEN ? ELSE paid_at END, failed_at = CASE WHEN ? = 'failed' THEN ? ELSE failed_at END
       WHERE payout_id = ?`,
      status,
      seen.id,
      seen.failureCode,
      seen.failureMessage?.slice(0, 300) ?? null,
      now,
      status,
      now,
      status,
      now,
      payoutId,
    );
    return { row: this.get(payoutId) as PayoutRow, lines };
  }

  /** Call inside a transaction: Stripe refused to make the payout (a request error, not an outage): it failed. */
  refuse(payoutId: string, code: string, message: string, now: number): PayoutChange | null {
    return this.apply(
      payoutId,
      { id: '', status: 'failed', amount: 0, currency: '', arrivalDate: null, failureCode: code, failureMessage: message },
      now,
    );
  }

  schedule(payoutId: string, kind: PayoutTaskKind, dueAt: number): void {
    this.sql.exec('INSERT INTO payout_tasks (payout_id, kind, due_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', payoutId, kind, dueAt);
  }

  unschedule(payoutId: string, kind: PayoutTaskKind): void {
    this.sql.exec('DELETE FROM payout_tasks WHERE payout_id = ? AND kind = ?', payoutId, kind);
  }

  retryLater(payoutId: string, kind: PayoutTaskKind, dueAt: number): void {
    this.sql.exec('UPDATE payout_tasks SET attempts = attempts + 1, due_at = ? WHERE payout_id = ? AND kind = ?', dueAt, payoutId, kind);
  }

  dueTasks(now: number): { payout_id: string; kind: PayoutTaskKind; attempts: number }[] {
    return this.sql
      .exec<{ payout_id: string; kind: PayoutTaskKind; attempts: number }>(
        'SELECT payout_id, kind, attempts FROM payout_tasks WHERE due_at <= ? ORDER BY due_at LIMIT 20',
        now,
      )
      .toArray();
  }

  nextTaskAt(): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT MIN(due_at) AS at FROM payout_tasks').one().at;
  }
}

/** Stripe's `canceled` is a payout that will not be paid: for the venue's money, the same as failed. */
function statusOf(status: ProviderPayout['status']): PayoutStatus {
  return status === 'canceled' ? 'failed' : status;
}

/** The API's view of a payout. */
export function payoutView(row: PayoutRow, tenantId: string, venueId: string): VenuePayout {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: row.payout_id,
    tenantId,
    venueId,
    amount: row.amount,
    fee: row.fee,
    netAmount: row.amount - row.fee,
    currency: row.currency,
    type: row.type,
    status: row.status,
    estimatedArrival: ESTIMATED_ARRIVAL[row.type],
    stripePayoutId: row.stripe_payout_id,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    requestedBy: row.requested_by,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    paidAt: iso(row.paid_at),
    failedAt: iso(row.failed_at),
  };
}
