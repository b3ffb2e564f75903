import { processingCost } from '../../src/domain/fees';
import { refundLedgerLines, saleLedgerLines } from '../../src/domain/ledger';
import { toApiStatus } from '../../src/domain/payment-state';
import type { TaxResult } from '../../src/domain/tax';
import type { PspEvent } from '../../src/psp/types';
import type { WebhookReceived } from '../inbox/types';
import type { PaymentRow, RefundRow } from './schema';
import type { Fees, PaymentSnapshot, RefundEventPayload } from './types';

export function toSnapshot(row: PaymentRow): PaymentSnapshot {
  return {
    transactionId: row.transaction_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    venueId: row.venue_id,
    eventId: row.event_id,
    idempotencyKey: row.idempotency_key,
    state: row.state,
    status: toApiStatus(row.state),
    amount: row.amount,
    currency: row.currency,
    fees: JSON.parse(row.fees) as Fees,
    provider: row.provider,
    pspReference: row.psp_reference,
    paymentMethodId: row.payment_method_id,
    deviceFingerprint: row.device_fingerprint,
    paymentMethodFingerprint: row.payment_method_fingerprint,
    refundedAmount: row.refunded_amount,
    mintJobId: row.mint_job_id,
    ticketIds: row.ticket_ids ? (JSON.parse(row.ticket_ids) as string[]) : null,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** A payment event's outbox payload: the full snapshot (projections are versioned upserts of it), plus the sale's ledger lines on success. */
export function paymentEventPayload(type: string, row: PaymentRow): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...toSnapshot(row) };
  if (type === 'payment.succeeded') {
    const fees = JSON.parse(row.fees) as Fees;
    const tax = JSON.parse(row.tax) as TaxResult;
    const cost = processingCost(fees.total);
    payload.processingCost = cost;
    payload.ledger = saleLedgerLines({
      userId: row.user_id,
      venueId: row.venue_id,
      provider: row.provider,
      fees,
      tax,
      processingCost: cost,
    });
  }
  return payload;
}

/** A refund event's outbox payload: the refund, the payment's snapshot, and the refund's ledger lines on success. */
export function refundEventPayload(type: string, row: PaymentRow, refund: RefundRow, alreadyRefunded?: number): RefundEventPayload {
  const payload: RefundEventPayload = {
    refund: {
      refundId: refund.refund_id,
      transactionId: row.transaction_id,
      tenantId: row.tenant_id,
      amount: refund.amount,
      reason: refund.reason,
      status: refund.status,
      pspReference: refund.psp_reference,
      idempotencyKey: refund.idempotency_key?.split(':').pop() ?? null,
      createdAt: new Date(refund.created_at).toISOString(),
      updatedAt: new Date(refund.updated_at).toISOString(),
    },
    payment: toSnapshot(row),
  };
  if (type === 'refund.succeeded') {
    payload.ledger = refundLedgerLines({
      userId: row.user_id,
      venueId: row.venue_id,
      fees: JSON.parse(row.fees) as Fees,
      tax: JSON.parse(row.tax) as TaxResult,
      amount: refund.amount,
      alreadyRefunded: alreadyRefunded ?? 0,
    });
  }
  return payload;
}

/** The `webhook.received` payload: the notification and what became of it, for webhook_inbox. */
export function notificationPayload(event: PspEvent, outcome: string, row: PaymentRow): WebhookReceived {
  return {
    provider: event.provider,
    webhookId: event.eventId,
    eventType: event.type,
    transactionId: row.transaction_id,
    status: outcome,
    payload: event,
  };
}
