import { sql } from 'drizzle-orm';
import type { WebhookReceived } from '../../../durable-objects/inbox/types';
import type { PaymentSnapshot, RefundSnapshot } from '../../../durable-objects/payment/types';
import type { LedgerLine } from '../../domain/ledger';
import { ledgerEntries, paymentRefunds, paymentTransactions, webhookInbox } from '../schema';
import type { Tx } from './processed-events';

/** Versioned upsert of a PaymentDO snapshot: a delivery older than the stored row changes nothing. */
export async function upsertPaymentTransaction(tx: Tx, p: PaymentSnapshot): Promise<void> {
  const row = {
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
    paymentMethodFingerprint: null,
    idempotencyKey: p.idempotencyKey,
    metadata: { state: p.state },
    version: p.version,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(p.updatedAt),
  };
  const { id: _id, tenantId: _t, createdAt: _c, idempotencyKey: _k, ...changes } = row;
  await tx
    .insert(paymentTransactions)
    .values(row)
    .onConflictDoUpdate({ target: paymentTransactions.id, set: changes, setWhere: sql`${paymentTransactions.version} < excluded.version` });
}

/** One balanced ledger transaction; the deferred trigger rejects the commit if the lines do not sum to zero. */
export async function postLedger(
  tx: Tx,
  transactionId: string,
  eventId: string,
  currency: string,
  lines: readonly LedgerLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await tx.insert(ledgerEntries).values(lines.map((l) => ({ transactionId, eventId, account: l.account, amount: l.amount, currency })));
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

/** One row per provider event; a parked event's row moves to processed when it is applied later. */
export async function recordWebhook(tx: Tx, tenantId: string | null, w: WebhookReceived): Promise<void> {
  const status = INBOX_STATUS[w.status] ?? 'processed';
  const processedAt = status === 'processed' ? new Date() : null;
  await tx
    .insert(webhookInbox)
    .values({
      webhookId: w.webhookId,
      provider: w.provider,
      eventType: w.eventType,
      payload: w.payload ?? {},
      status,
      processedAt,
      tenantId,
    })
    .onConflictDoUpdate({
      target: [webhookInbox.provider, webhookInbox.webhookId],
      set: { status, processedAt, updatedAt: sql`now()` },
      setWhere: sql`${webhookInbox.status} <> 'processed'`,
    });
}
