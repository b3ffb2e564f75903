import type { PspChargeOutcome, PspFailure, PspRefundOutcome } from '../types';

/** The PaymentIntent fields the adapter reads (Stripe API; CONTRACTS.md §1.3). */
export type StripePaymentIntent = {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received?: number | null;
  currency: string;
  status: StripePaymentIntentStatus;
  latest_charge?: string | { id: string } | null;
  last_payment_error?: { code?: string | null; decline_code?: string | null; message?: string | null } | null;
  next_action?: { type: string; redirect_to_url?: { url?: string | null } | null } | null;
  metadata?: Record<string, string> | null;
};

export type StripePaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

const PAYMENT_INTENT_STATUSES: readonly string[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] satisfies StripePaymentIntentStatus[];

/** A status this code maps; Stripe may add others, which a webhook acknowledges and ignores. */
export function isStripePaymentIntentStatus(value: unknown): value is StripePaymentIntentStatus {
  return typeof value === 'string' && PAYMENT_INTENT_STATUSES.includes(value);
}

const REFUND_STATUSES: readonly (string | null)[] = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled', null] satisfies (
  | StripeRefund['status']
  | null
)[];

export function isStripeRefundStatus(value: unknown): value is StripeRefund['status'] {
  return (typeof value === 'string' || value === null) && REFUND_STATUSES.includes(value);
}

export type StripeRefund = {
  id: string;
  object: 'refund';
  amount: number;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled' | null;
};

/** What an error thrown by the stripe package carries (StripeError and subclasses). */
export type StripeErrorLike = {
  type?: string;
  rawType?: string;
  statusCode?: number;
  code?: string;
  decline_code?: string;
  message?: string;
  payment_intent?: StripePaymentIntent;
  raw?: { payment_intent?: StripePaymentIntent };
};

/** Stripe minor units equal ours for every currency Stripe lists as non zero-decimal; currency codes are lower case on the wire. */
export function toStripeCurrency(currency: string): string {
  return currency.toLowerCase();
}

export function chargeId(intent: StripePaymentIntent): string | null {
  const charge = intent.latest_charge;
  if (!charge) return null;
  return typeof charge === 'string' ? charge : charge.id;
}

/** PaymentIntent → common outcome; exhaustive over Stripe's statuses (CONTRACTS.md §1.4). */
export function paymentIntentToOutcome(intent: StripePaymentIntent): PspChargeOutcome {
  const status = intent.status;
  switch (status) {
    case 'succeeded':
      return {
        status: 'succeeded',
        reference: intent.id,
        chargeReference: chargeId(intent),
        amountReceived: intent.amount_received ?? intent.amount,
      };
    case 'processing':
    case 'requires_capture':
      return { status: 'processing', reference: intent.id };
    case 'requires_action':
      return {
        status: 'requires_action',
        reference: intent.id,
        nextAction: { type: intent.next_action?.type ?? 'use_stripe_sdk', url: intent.next_action?.redirect_to_url?.url ?? undefined },
      };
    case 'requires_payment_method':
    case 'requires_confirmation': {
      const error = intent.last_payment_error;
      return {
        status: 'declined',
        reference: intent.id,
        declineCode: error?.decline_code ?? error?.code ?? 'payment_method_required',
        message: error?.message ?? 'The payment method was not accepted',
      };
    }
    case 'canceled':
      return { status: 'canceled', reference: intent.id };
    default: {
      const unknown: never = status;
      throw new Error(`unknown Stripe PaymentIntent status ${String(unknown)}`);
    }
  }
}

/** A card error is an outcome (the customer's bank said no), not a failure of Stripe. */
export function cardErrorToOutcome(err: StripeErrorLike): PspChargeOutcome | null {
  if (err.type !== 'StripeCardError' && err.rawType !== 'card_error') return null;
  const intent = err.payment_intent ?? err.raw?.payment_intent;
  return {
    status: 'declined',
    reference: intent?.id ?? null,
    declineCode: err.decline_code ?? err.code ?? 'card_declined',
    message: err.message ?? 'Your card was declined',
  };
}

/** Stripe-style classification (stripe-node's own retry rules): 409, 429, 5xx and network errors may succeed later. */
export function errorToFailure(err: StripeErrorLike): PspFailure {
  const status = err.statusCode;
  const message = err.message ?? 'Stripe request failed';
  if (err.type === 'StripeConnectionError' || status === undefined) return { kind: 'unavailable', retryable: true, message };
  if (status === 429) return { kind: 'rate_limited', retryable: true, message, status, code: err.code };
  if (status === 409) return { kind: 'conflict', retryable: true, message, status, code: err.code };
  if (status >= 500) return { kind: 'unavailable', retryable: true, message, status, code: err.code };
  if (status === 401 || status === 403) return { kind: 'authentication', retryable: false, message, status, code: err.code };
  return { kind: 'invalid_request', retryable: false, message, status, code: err.code };
}

export function refundToOutcome(refund: StripeRefund): PspRefundOutcome {
  const status = refund.status;
  if (status === 'succeeded') return { status: 'succeeded', reference: refund.id, amount: refund.amount };
  if (status === 'failed' || status === 'canceled') return { status: 'failed', reference: refund.id, amount: refund.amount };
  return { status: 'pending', reference: refund.id, amount: refund.amount };
}
