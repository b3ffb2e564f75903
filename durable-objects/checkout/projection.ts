import type { LedgerLine } from '../../src/domain/ledger';
import type { CheckoutRef } from '../../src/psp/checkout';
import type { RefundRow, SessionRecord } from './schema';
import type { CheckoutProjection, CheckoutRefundView, CheckoutSessionView } from './types';

/** What the stored session looks like to others: its tenant's view, the outbox projection, the provider's reference. */

export function toRefundView(r: RefundRow): CheckoutRefundView {
  return {
    refundId: r.refund_id,
    amount: r.amount,
    status: r.status === 'requested' ? 'pending' : r.status,
    providerRefundId: r.provider_refund_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toView(record: SessionRecord, refunds: CheckoutRefundView[]): CheckoutSessionView {
  const { phase: _p, requestHash: _h, checkAttempts: _a, nextCheckAt: _n, ...view } = record;
  return { ...view, refunds };
}

/** The `checkout.updated` payload for the record as just written. */
export function toProjection(record: SessionRecord, refunds: CheckoutRefundView[], ledger: LedgerLine[]): CheckoutProjection {
  const { phase: _p, requestHash: _h, checkAttempts: _a, nextCheckAt: _n, details: _d, ...session } = record;
  return { session, refunds, ledger };
}

/** How the provider adapters address the session. */
export function providerRef(record: SessionRecord): CheckoutRef {
  return {
    sessionId: record.sessionId,
    reference: record.providerSessionId,
    merchantAccount: record.merchantAccount,
    amount: record.amount,
    currency: record.currency,
    paymentReference: record.paymentReference,
  };
}
