import { type CheckoutState, checkoutPaymentLedger, checkoutRefundLedger, isPaid } from '../../src/domain/checkout';
import type { LedgerLine } from '../../src/domain/ledger';
import type { SessionRecord } from './schema';

/** The ledger lines for the money a state change moves: the payment when it becomes paid, and any newly refunded amount. */
export function ledgerLines(record: SessionRecord, next: CheckoutState): LedgerLine[] {
  const ledger: LedgerLine[] = [];
  if (!isPaid(record.status) && isPaid(next.status))
    ledger.push(...checkoutPaymentLedger(record.provider, record.merchantAccount, next.amountPaid));
  const refundedDelta = next.amountRefunded - record.amountRefunded;
  if (refundedDelta > 0) ledger.push(...checkoutRefundLedger(record.provider, record.merchantAccount, refundedDelta));
  return ledger;
}
