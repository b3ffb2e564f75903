import { type PaymentEvent, type PaymentState, transition } from '../../src/domain/payment-state';
import { AppError } from '../../src/lib/errors';
import type { PspChargeOutcome } from '../../src/psp/types';

/** The payment event a PSP charge outcome stands for. */
export const PAYMENT_EVENT_OF: Record<PspChargeOutcome['status'], PaymentEvent> = {
  succeeded: 'payment.succeeded',
  processing: 'payment.processing',
  requires_action: 'payment.requires_action',
  declined: 'payment.failed',
  canceled: 'payment.cancelled',
};

/** The state after `event`, or a 409 INVALID_STATE_TRANSITION when the machine does not allow it. */
export function nextState(state: PaymentState, event: PaymentEvent): PaymentState {
  const result = transition(state, event);
  if (!result.ok) throw new AppError('INVALID_STATE_TRANSITION', result.error.message);
  return result.value;
}
