import { type PaymentEvent, type PaymentState, transition } from '../../src/domain/payment-state';
import { AppError } from '../../src/lib/errors';

/** The state after `event`, or a 409 INVALID_STATE_TRANSITION when the machine does not allow it. */
export function nextState(state: PaymentState, event: PaymentEvent): PaymentState {
  const result = transition(state, event);
  if (!result.ok) throw new AppError('INVALID_STATE_TRANSITION', result.error.message);
  return result.value;
}
