import { sql } from 'drizzle-orm';
import type { PaymentSnapshot } from '../../../durable-objects/PaymentDO';
import type { LedgerLine } from '../../domain/ledger';
import { ledgerEntries, paymentTransactions } from '../schema';
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
