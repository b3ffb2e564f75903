import type { CheckoutObservation } from '../../src/domain/checkout';
import type { CheckoutNotification } from '../../src/psp/checkout';

/** Records a notification's event id; false when it was seen before (a duplicate delivery). */
export function markSeen(sql: SqlStorage, eventId: string, now: number): boolean {
  const fresh = sql
    .exec('INSERT INTO seen_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING event_id', eventId, now)
    .toArray();
  return fresh.length > 0;
}

/** What a payment notification says about the session. */
export function paymentObservation(
  observed: Extract<CheckoutNotification['observed'], { kind: 'payment' }>,
  paymentReference: string | null,
): CheckoutObservation {
  return {
    status: observed.status,
    amountPaid: observed.amount,
    amountRefunded: observed.amountRefunded,
    paymentReference,
  };
}
