import type { ConnectCapability, PayoutView } from '../../src/psp/adapter';
import type { PspFailure } from '../../src/psp/types';
import type { PayoutRow, PayoutTaskKind } from './payouts';

/**
 * The Stripe call each payout task makes. Every call carries an idempotency key derived from the payout id
 * and the task, so a retry after a timeout, or the alarm and a request running the same task at once, is
 * one operation at Stripe.
 */
export type PayoutCallResult = { ok: true; payout?: PayoutView } | { ok: false; failure: PspFailure };

export type PayoutIds = { tenantId: string; venueId: string; platformAccount: string | undefined };

export async function payoutCall(
  connect: ConnectCapability,
  row: PayoutRow,
  kind: PayoutTaskKind,
  ids: PayoutIds,
): Promise<PayoutCallResult> {
  const metadata = { tenant_id: ids.tenantId, venue_id: ids.venueId, payout_id: row.payout_id };
  if (kind === 'submit') {
    const made = await connect.createPayout({
      account: row.account,
      amount: row.amount - row.fee,
      currency: row.currency,
      method: row.type,
      idempotencyKey: `edgepay-payout:${row.payout_id}`,
      metadata,
      description: `Venue payout ${row.payout_id}`,
    });
    return made.ok ? { ok: true, payout: made.value } : made;
  }
  if (!ids.platformAccount) {
    return { ok: false, failure: { kind: 'invalid_request', retryable: true, message: 'STRIPE_PLATFORM_ACCOUNT_ID is not set' } };
  }
  // The fee moves by an account debit (a transfer made as the venue's account to the platform's), and back by a transfer.
  const collect = kind === 'collect_fee';
  const moved = await connect.createTransfer({
    destination: collect ? ids.platformAccount : row.account,
    ...(collect ? { fromAccount: row.account } : {}),
    amount: row.fee,
    currency: row.currency,
    transferGroup: row.payout_id,
    idempotencyKey: `edgepay-payout-${kind}:${row.payout_id}`,
    metadata,
  });
  return moved.ok ? { ok: true } : moved;
}
