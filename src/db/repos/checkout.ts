import { sql } from 'drizzle-orm';
import type { CheckoutProjection } from '../../../durable-objects/checkout/types';
import { checkoutRefunds, checkoutSessions } from '../schema';
import { postLedger } from './payments';
import type { Tx } from './processed-events';

/** Applies one `checkout.updated` event: the session row and its refunds (newer versions only) and the ledger lines it moved. */
export async function applyCheckoutProjection(tx: Tx, eventId: string, p: CheckoutProjection): Promise<void> {
  const s = p.session;
  const row = {
    id: s.sessionId,
    tenantId: s.tenantId,
    provider: s.provider,
    providerSessionId: s.providerSessionId,
    merchantAccount: s.merchantAccount,
    merchantId: s.merchantId,
    purpose: s.purpose,
    amount: s.amount,
    currency: s.currency,
    status: s.status,
    amountPaid: s.amountPaid,
    amountRefunded: s.amountRefunded,
    paymentReference: s.paymentReference,
    checkoutUrl: s.checkoutUrl,
    metadata: s.metadata,
    expiresAt: s.expiresAt === null ? null : new Date(s.expiresAt),
    paidAt: s.paidAt === null ? null : new Date(s.paidAt),
    version: s.version,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
  };
  const { id: _id, tenantId: _t, createdAt: _c, ...changes } = row;
  await tx
    .insert(checkoutSessions)
    .values(row)
    .onConflictDoUpdate({ target: checkoutSessions.id, set: changes, setWhere: sql`${checkoutSessions.version} < excluded.version` });
  for (const r of p.refunds) {
    const refund = {
      id: `${s.sessionId}:${r.refundId}`,
      sessionId: s.sessionId,
      tenantId: s.tenantId,
      amount: r.amount,
      status: r.status,
      providerRefundId: r.providerRefundId,
      version: s.version,
      createdAt: new Date(r.createdAt),
      updatedAt: new Date(r.updatedAt),
    };
    const { id: _rid, sessionId: _sid, tenantId: _rt, createdAt: _rc, ...refundChanges } = refund;
    await tx
      .insert(checkoutRefunds)
      .values(refund)
      .onConflictDoUpdate({ target: checkoutRefunds.id, set: refundChanges, setWhere: sql`${checkoutRefunds.version} < excluded.version` });
  }
  await postLedger(tx, { tenantId: s.tenantId, transactionId: s.sessionId, eventId, currency: s.currency, lines: p.ledger });
}
