import type { PaymentState, RefundContext } from '../../src/domain/payment-state';
import type { PspEvent } from '../../src/psp/types';
import type { Outbox } from '../outbox';
import type { PaymentRow, RefundRow } from './schema';
import { notificationPayload, paymentEventPayload, refundEventPayload } from './snapshot';

/** Reads and writes of the payment and refund rows, and the outbox events built from them. Writes belong inside a transaction. */
export class PaymentStore {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly outbox: Outbox,
  ) {}

  row(): PaymentRow | null {
    return this.storage.sql.exec<PaymentRow>('SELECT * FROM payment WHERE id = 1').toArray()[0] ?? null;
  }

  /** The row, where the caller knows it exists. */
  current(): PaymentRow {
    return this.row() as PaymentRow;
  }

  setState(state: PaymentState, now: number): void {
    this.storage.sql.exec('UPDATE payment SET state = ?, version = version + 1, updated_at = ? WHERE id = 1', state, now);
  }

  refundRow(refundId: string): RefundRow | undefined {
    return this.storage.sql.exec<RefundRow>('SELECT * FROM refunds WHERE refund_id = ?', refundId).toArray()[0];
  }

  refundByReference(pspReference: string): RefundRow | undefined {
    return this.storage.sql.exec<RefundRow>('SELECT * FROM refunds WHERE psp_reference = ?', pspReference).toArray()[0];
  }

  /** Refunds that count against the captured amount: completed and those still with the PSP. */
  refundedOrInFlight(): number {
    const r = this.storage.sql.exec<{ n: number | null }>("SELECT SUM(amount) AS n FROM refunds WHERE status != 'failed'").toArray()[0];
    return r?.n ?? 0;
  }

  refundContext(): RefundContext {
    const row = this.current();
    const completed =
      this.storage.sql.exec<{ n: number | null }>("SELECT SUM(amount) AS n FROM refunds WHERE status = 'completed'").toArray()[0]?.n ?? 0;
    const inFlight =
      this.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM refunds WHERE status IN ('processing', 'pending')").toArray()[0]?.n ??
      0;
    return { refunded: completed === 0 ? 'none' : completed >= row.amount ? 'full' : 'partial', refundsInFlight: inFlight > 0 };
  }

  /** Appends a payment event with a full snapshot (projections are versioned upserts of it). */
  emit(type: string, now: number): void {
    const row = this.current();
    this.outbox.append({ type, tenantId: row.tenant_id, payload: paymentEventPayload(type, row) }, now);
  }

  emitRefund(type: string, refundId: string, now: number, alreadyRefunded?: number): void {
    const row = this.current();
    const refund = this.refundRow(refundId) as RefundRow;
    this.outbox.append({ type, tenantId: row.tenant_id, payload: refundEventPayload(type, row, refund, alreadyRefunded) }, now);
  }

  /** The notification and what became of it, for webhook_inbox. */
  recordNotification(event: PspEvent, outcome: string, now: number): void {
    const row = this.current();
    this.outbox.append({ type: 'webhook.received', tenantId: row.tenant_id, payload: notificationPayload(event, outcome, row) }, now);
  }
}
