import { getTableColumns, sql } from 'drizzle-orm';
import type { WebhookReceived } from '../../../durable-objects/inbox/types';
import type { PaymentSnapshot, RefundSnapshot } from '../../../durable-objects/payment/types';
import type { LedgerLine } from '../../domain/ledger';
import { ledgerEntries, paymentRefunds, paymentTransactions, webhookInbox } from '../schema';
import type { Tx } from './processed-events';

function paymentRow(p: PaymentSnapshot) {
  return {
    id: p.transactionId,
    tenantId: p.tenantId,
    venueId: p.venueId,
    userId: p.userId,
    eventId: p.eventId,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    platformFee: p.fees.platformFee,
    venuePayout: p.fees.ticketPrice,
    gasFeePaid: p.fees.gasEstimate,
    taxAmount: p.fees.totalTax,
    provider: p.provider,
    stripePaymentIntentId: p.provider === 'stripe' ? p.pspReference : null,
    deviceFingerprint: p.deviceFingerprint,
    paymentMethodFingerprint: p.paymentMethodFingerprint,
    idempotencyKey: p.idempotencyKey,
    metadata: { state: p.state },
    version: p.version,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.updatedAt),
  };
}

/** What a newer snapshot never changes: the identity, the owner, the key and the creation time. */
const FIXED_AT_CREATION: ReadonlySet<string> = new Set(['id', 'tenantId', 'idempotencyKey', 'createdAt']);

/**
 * Versioned upserts of PaymentDO snapshots in one statement: a snapshot older than the stored row changes
 * nothing. Only the newest snapshot of each transaction is sent (one statement may not touch a row twice,
 * and the older ones would lose to it anyway).
 */
export async function upsertPaymentTransactions(tx: Tx, snapshots: readonly PaymentSnapshot[]): Promise<void> {
  const newest = new Map<string, PaymentSnapshot>();
  for (const p of snapshots) {
    const seen = newest.get(p.transactionId);
    if (!seen || seen.version < p.version) newest.set(p.transactionId, p);
  }
  const rows = [...newest.values()].map(paymentRow);
  if (rows.length === 0) return;
  const columns = getTableColumns(paymentTransactions);
  const updated = (Object.keys(rows[0] as object) as Array<keyof typeof columns>).filter((key) => !FIXED_AT_CREATION.has(key));
  const set = Object.fromEntries(updated.map((key) => [key, sql.raw(`excluded.${columns[key].name}`)]));
  await tx
    .insert(paymentTransactions)
    .values(rows)
    .onConflictDoUpdate({ target: paymentTransactions.id, set, setWhere: sql`${paymentTransactions.version} < excluded.version` });
}

export function upsertPaymentTransaction(tx: Tx, p: PaymentSnapshot): Promise<void> {
  return upsertPaymentTransactions(tx, [p]);
}

export type LedgerPosting = { tenantId: string; transactionId: string; eventId: string; currency: string; lines: readonly LedgerLine[] };

/** Balanced ledger transactions in one statement; the deferred trigger rejects the commit if one does not sum to zero. */
export async function postLedgerEntries(tx: Tx, postings: readonly LedgerPosting[]): Promise<void> {
  const rows = postings.flatMap(({ tenantId, transactionId, eventId, currency, lines }) =>
    lines.map((l) => ({ tenantId, transactionId, eventId, account: l.account, amount: l.amount, currency })),
  );
  if (rows.length === 0) return;
  await tx.insert(ledgerEntries).values(rows);
}

export function postLedger(tx: Tx, posting: LedgerPosting): Promise<void> {
  return postLedgerEntries(tx, [posting]);
}

/** Upsert of a refund; a settled refund (completed/failed) is never moved back by a late delivery. */
export async function upsertRefund(tx: Tx, r: RefundSnapshot): Promise<void> {
  const status = r.status === 'pending' ? 'processing' : r.status; // the table's vocabulary: pending, processing, completed, failed
  const row = {
    id: r.refundId,
    transactionId: r.transactionId,
    tenantId: r.tenantId,
    amount: r.amount,
    reason: r.reason,
    status,
    stripeRefundId: r.pspReference,
    idempotencyKey: r.idempotencyKey ?? r.refundId,
    metadata: { pspStatus: r.status },
    createdAt: new Date(r.createdAt),
    completedAt: r.status === 'completed' ? new Date(r.updatedAt) : null,
    updatedAt: new Date(r.updatedAt),
  };
  await tx
    .insert(paymentRefunds)
    .values(row)
    .onConflictDoUpdate({
      target: paymentRefunds.id,
      set: {
        status: row.status,
        stripeRefundId: row.stripeRefundId,
        metadata: row.metadata,
        completedAt: row.completedAt,
        updatedAt: row.updatedAt,
      },
      setWhere: sql`${paymentRefunds.status} NOT IN ('completed', 'failed')`,
    });
}

const INBOX_STATUS: Record<string, 'pending' | 'processed' | 'unmatched'> = {
  applied: 'processed',
  stale: 'processed',
  ignored: 'processed',
  duplicate: 'processed',
  parked: 'pending',
  unmatched: 'unmatched',
};

export type ReceivedWebhook = { tenantId: string | null; webhook: WebhookReceived };

/**
 * One row per provider event; a parked event's row moves to processed when it is applied later, and a
 * processed row never moves back. Several records of one event (parked, then applied) in one statement are
 * merged as applying them in order would leave the row: the first one's fields, and its first 'processed'
 * status, else the last status.
 */
export async function recordWebhooks(tx: Tx, received: readonly ReceivedWebhook[]): Promise<void> {
  const rows = new Map<string, typeof webhookInbox.$inferInsert>();
  for (const { tenantId, webhook: w } of received) {
    const status = INBOX_STATUS[w.status] ?? 'processed';
    const processedAt = status === 'processed' ? new Date() : null;
    const key = JSON.stringify([w.provider, w.webhookId]);
    const seen = rows.get(key);
    if (!seen) {
      rows.set(key, {
        webhookId: w.webhookId,
        provider: w.provider,
        eventType: w.eventType,
        payload: w.payload ?? {},
        status,
        processedAt,
        tenantId,
      });
    } else if (seen.status !== 'processed') {
      seen.status = status;
      seen.processedAt = processedAt;
    }
  }
  if (rows.size === 0) return;
  await tx
    .insert(webhookInbox)
    .values([...rows.values()])
    .onConflictDoUpdate({
      target: [webhookInbox.provider, webhookInbox.webhookId],
      set: { status: sql`excluded.status`, processedAt: sql`excluded.processed_at`, updatedAt: sql`now()` },
      setWhere: sql`${webhookInbox.status} <> 'processed'`,
    });
}
