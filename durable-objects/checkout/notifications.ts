import type { CheckoutObservation } from '../../src/domain/checkout';
import type { CheckoutNotification } from '../../src/psp/checkout';

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
