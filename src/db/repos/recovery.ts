import { sql } from 'drizzle-orm';
import type { RecoveryDeliveryView, RecoveryProjection } from '../../../durable-objects/recovery/types';
import { recoveryNotifications, recoveryTransactions } from '../schema';
import type { Tx } from './processed-events';

const at = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Applies one `recovery.updated` event: the transaction row, newer versions only (deliveries may arrive out of order). */
export async function applyRecoveryProjection(tx: Tx, p: RecoveryProjection): Promise<void> {
  const t = p.transaction;
  const row = {
    id: t.transactionId,
    tenantId: t.tenantId,
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    failureReason: t.failureReason,
    customerEmail: t.customerEmail,
    customerPhone: t.customerPhone,
    recoveryStatus: t.recoveryStatus,
    stripePaymentIntentId: t.stripePaymentIntentId,
    stripeCheckoutSessionId: t.stripeCheckoutSessionId,
    stripeCustomerId: t.stripeCustomerId,
    checkoutSessionRef: t.checkoutSessionRef,
    checkoutUrl: t.checkoutUrl,
    checkoutExpiresAt: at(t.checkoutExpiresAt),
    checkoutStatus: t.checkoutStatus,
    paymentLinkId: t.paymentLinkId,
    paymentLinkUrl: t.paymentLinkUrl,
    amountPaid: t.amountPaid,
    paymentAttempts: p.paymentAttempts,
    completedAt: at(t.completedAt),
    version: t.version,
    createdAt: new Date(t.createdAt),
    updatedAt: new Date(t.updatedAt),
  };
  const { id: _id, tenantId: _t, createdAt: _c, ...changes } = row;
  await tx
    .insert(recoveryTransactions)
    .values(row)
    .onConflictDoUpdate({
      target: recoveryTransactions.id,
      set: changes,
      setWhere: sql`${recoveryTransactions.version} < excluded.version`,
    });
}

/** Upserts notification deliveries (from `recovery.reminder_due` and `recovery.notification`), newer versions only. */
export async function upsertRecoveryNotifications(tx: Tx, deliveries: RecoveryDeliveryView[]): Promise<void> {
  for (const d of deliveries) {
    const row = {
      id: `${d.deliveryId}:${d.channel}`,
      transactionId: d.transactionId,
      tenantId: d.tenantId,
      reminderSeq: d.reminderSeq,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      providerMessageId: d.providerMessageId,
      lastError: d.lastError,
      sentAt: at(d.sentAt),
      version: d.version,
      createdAt: new Date(d.createdAt),
      updatedAt: new Date(d.updatedAt),
    };
    const { id: _id, transactionId: _tx, tenantId: _t, createdAt: _c, ...changes } = row;
    await tx
      .insert(recoveryNotifications)
      .values(row)
      .onConflictDoUpdate({
        target: recoveryNotifications.id,
        set: changes,
        setWhere: sql`${recoveryNotifications.version} < excluded.version`,
      });
  }
}
