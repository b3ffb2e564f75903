import type { PaymentState } from '../domain/payment-state';
import { calculateTax, type TaxComponent } from '../domain/tax';
import type { Bindings } from '../env';
import { AppError, NotFoundError, ValidationError } from '../lib/errors';
import { paymentStub } from '../lib/stubs';
import type { CalculateTaxBody, CalculateTaxResponse, PaymentCompleteBody, PaymentCompleteResponse } from '../schemas/internal';

function componentView(c: TaxComponent) {
  return { name: c.name, rate: c.rate, amount: c.amount };
}

/** Tax at the venue, per component. An unknown state is a 422 on `venueAddress.state`. */
export function internalCalculateTax(body: CalculateTaxBody): CalculateTaxResponse {
  const result = calculateTax(body);
  if (!result.ok) throw new ValidationError([{ field: result.error.field ?? '(root)', message: result.error.message }]);
  const tax = result.value;
  const { local, special } = tax.breakdown;
  return {
    taxableAmount: tax.taxableAmount,
    stateTax: tax.stateTax,
    localTax: tax.localTax,
    specialTax: tax.specialTax,
    totalTax: tax.totalTax,
    breakdown: {
      state: componentView(tax.breakdown.state),
      ...(local && { local: componentView(local) }),
      ...(special && { special: componentView(special) }),
    },
  };
}

/**
 * States in which the money was captured: PAID, and every refund state (a refund can only start
 * from a captured payment). Anything else — pending, processing, failed, cancelled, expired — has
 * no completed payment for an order to rest on.
 */
export const COMPLETED_PAYMENT_STATES: ReadonlySet<PaymentState> = new Set<PaymentState>([
  'PAID',
  'REFUNDING',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
]);

/**
 * Confirms to the order service that `paymentId` is a completed payment of `tenantId`.
 * Records nothing — the order service owns orders; edgepay only vouches for the payment.
 */
export async function confirmPaymentComplete(env: Bindings, body: PaymentCompleteBody): Promise<PaymentCompleteResponse> {
  const snapshot = await paymentStub(env, body.paymentId).snapshot();
  if (!snapshot || snapshot.tenantId !== body.tenantId) throw new NotFoundError('Payment not found');
  if (!COMPLETED_PAYMENT_STATES.has(snapshot.state)) {
    throw new AppError('INVALID_STATE_TRANSITION', `Payment is ${snapshot.status}: an order can only be completed by a completed payment`);
  }
  return {
    success: true,
    orderId: body.orderId,
    paymentId: body.paymentId,
    transaction: {
      id: snapshot.transactionId,
      amount: snapshot.amount,
      currency: snapshot.currency,
      status: snapshot.status as PaymentCompleteResponse['transaction']['status'],
      stripePaymentIntentId: snapshot.provider === 'stripe' ? snapshot.pspReference : null,
    },
  };
}
