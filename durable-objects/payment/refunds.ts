import { type PaymentEvent, transition } from '../../src/domain/payment-state';
import type { RefundRow } from './schema';
import type { PaymentStore } from './store';
import { scheduleTicketVoid } from './tickets';

export type RefundOutcome = 'succeeded' | 'pending' | 'failed';

/** The API refund still waiting on its PSP call under this idempotency key: a retry repeats it (same id, same PSP key). */
export function processingRefund(sql: SqlStorage, idempotencyKey: string): RefundRow | undefined {
  return sql.exec<RefundRow>("SELECT * FROM refunds WHERE idempotency_key = ? AND status = 'processing'", idempotencyKey).toArray()[0];
}

/** Records a refund requested through the API, before its PSP call. */
export function insertApiRefund(
  sql: SqlStorage,
  refund: { refundId: string; idempotencyKey: string; amount: number; reason: string | null },
  now: number,
): void {
  sql.exec(
    "INSERT INTO refunds (refund_id, idempotency_key, amount, reason, status, source, created_at, updated_at) VALUES (?, ?, ?, ?, 'processing', 'api', ?, ?)",
    refund.refundId,
    refund.idempotencyKey,
    refund.amount,
    refund.reason,
    now,
    now,
  );
}

/** Records a refund made elsewhere (at the PSP), first known from its notification. */
export function insertExternalRefund(
  sql: SqlStorage,
  refund: { refundId: string; amount: number; pspReference: string; source: string },
  now: number,
): void {
  sql.exec(
    "INSERT INTO refunds (refund_id, idempotency_key, amount, reason, status, psp_reference, source, created_at, updated_at) VALUES (?, NULL, ?, NULL, 'processing', ?, ?, ?, ?)",
    refund.refundId,
    refund.amount,
    refund.pspReference,
    refund.source,
    now,
    now,
  );
}

/**
 * Moves a refund to its PSP outcome (once: a settled refund stays settled), updates the payment's
 * state and refunded amount, and appends refund.succeeded (with its ledger lines) or refund.failed;
 * then `drainParked` retries the notifications that were waiting for it.
 */
export function settleRefund(
  storage: DurableObjectStorage,
  store: PaymentStore,
  drainParked: (now: number) => void,
  refundId: string,
  outcome: RefundOutcome,
  pspReference: string | null,
  now: number,
): RefundRow {
  return storage.transactionSync(() => {
    const refund = store.refundRow(refundId) as RefundRow;
    if (refund.status === 'completed' || refund.status === 'failed') return refund;
    const status = outcome === 'succeeded' ? 'completed' : outcome;
    const alreadyRefunded = store.current().refunded_amount;
    storage.sql.exec(
      'UPDATE refunds SET status = ?, psp_reference = COALESCE(?, psp_reference), updated_at = ? WHERE refund_id = ?',
      status,
      pspReference,
      now,
      refundId,
    );
    if (status === 'pending') return store.refundRow(refundId) as RefundRow;
    if (status === 'completed') storage.sql.exec('UPDATE payment SET refunded_amount = refunded_amount + ? WHERE id = 1', refund.amount);
    const event: PaymentEvent = status === 'completed' ? 'refund.succeeded' : 'refund.failed';
    const next = transition(store.current().state, event, store.refundContext());
    if (next.ok) store.setState(next.value, now);
    if (next.ok && next.value === 'REFUNDED') scheduleTicketVoid(storage.sql, now);
    store.emitRefund(status === 'completed' ? 'refund.succeeded' : 'refund.failed', refundId, now, alreadyRefunded);
    drainParked(now);
    return store.refundRow(refundId) as RefundRow;
  });
}
