import type Stripe from 'stripe';
import type { AuthorizationCapability } from '../adapter';
import {
  type PspAuthorizationOutcome,
  type PspChargeOutcome,
  type PspChargeRequest,
  type PspFailure,
  type PspResult,
  unexpectedResponse,
} from '../types';
import { chargeRequestOptions, confirmedIntentParams } from './client';
import {
  cardErrorToOutcome,
  chargeId,
  checkoutErrorToFailure,
  fromStripeAmount,
  paymentIntentToOutcome,
  readStripe,
  toStripeAmount,
} from './transformers';
import { readStripeError, StripePaymentIntent } from './wire';

/** An authorization at any point of its life: held (authorized), captured (succeeded), released (canceled), … */
export type AuthorizationState = PspAuthorizationOutcome | Extract<PspChargeOutcome, { status: 'succeeded' }>;

/**
 * Separate authorization and capture on Stripe: a PaymentIntent with capture_method=manual, confirmed on the
 * server with a ticket charge's parameters and metadata (so its events route back the same way), holds the amount
 * (requires_capture → authorized); POST …/capture takes it or less, POST …/cancel releases it. A PaymentIntent
 * waiting for capture is `processing` wherever a charge is read (paymentIntentToOutcome, webhooks): only this
 * capability calls it authorized, so no other flow mistakes a hold for a payment. Amounts go through
 * toStripeAmount and fromStripeAmount (Stripe's units), as Connect's do. One SDK call per operation with the
 * caller's idempotency key (a refusal of capture or cancel may add one read); the caller retries what is retryable.
 */
export class StripeAuthorizations implements AuthorizationCapability {
  constructor(private readonly stripe: Stripe) {}

  async authorize(request: PspChargeRequest): Promise<PspResult<PspAuthorizationOutcome>> {
    const amount = toStripeAmount(request.amount, request.currency);
    if (!amount.ok) return amount;
    try {
      const intent = await this.stripe.paymentIntents.create(
        { ...confirmedIntentParams(request), amount: amount.value, capture_method: 'manual' },
        chargeRequestOptions(request),
      );
      const read = readStripe(StripePaymentIntent, intent, 'PaymentIntent');
      if (!read.ok) return read;
      const outcome = authorizationOutcome(read.value);
      if (!outcome) return inexact(read.value);
      if (outcome.status === 'succeeded') return unexpectedResponse(`Stripe captured the authorization ${read.value.id} at once`);
      return { ok: true, value: outcome };
    } catch (err) {
      const declined = cardErrorToOutcome(readStripeError(err));
      if (declined?.status === 'declined') return { ok: true, value: declined };
      return { ok: false, failure: checkoutErrorToFailure(err) };
    }
  }

  /**
   * Takes `amount` (default: all that is authorized; Stripe releases the rest). A PaymentIntent that can no
   * longer be captured because it was canceled or its authorization lapsed is the outcome `canceled`; one
   * already captured is Stripe's refusal (payment_intent_unexpected_state), since what that capture took need
   * not be what this one asks. A retry with the same idempotency key gets the first answer again.
   */
  async capture(input: Parameters<AuthorizationCapability['capture']>[0]): Promise<PspResult<PspChargeOutcome>> {
    let amountToCapture: number | undefined;
    if (input.amount !== undefined) {
      const amount = toStripeAmount(input.amount, input.currency);
      if (!amount.ok) return amount;
      amountToCapture = amount.value;
    }
    try {
      const intent = await this.stripe.paymentIntents.capture(
        input.reference,
        amountToCapture === undefined ? {} : { amount_to_capture: amountToCapture },
        chargeRequestOptions(input),
      );
      const read = readStripe(StripePaymentIntent, intent, 'PaymentIntent');
      if (!read.ok) return read;
      const outcome = authorizationOutcome(read.value);
      if (!outcome) return inexact(read.value);
      if (outcome.status === 'authorized')
        return unexpectedResponse(`Stripe answered a capture of ${read.value.id} still requires_capture`);
      return { ok: true, value: outcome };
    } catch (err) {
      const failure = checkoutErrorToFailure(err);
      const status = await this.refusedStatus(err, failure, input.reference, input.connectedAccount);
      return status === 'canceled' ? { ok: true, value: { status: 'canceled', reference: input.reference } } : { ok: false, failure };
    }
  }

  /**
   * Releases the authorization. Canceling one already canceled answers `canceled` again; one captured before the
   * cancel arrived answers `succeeded` (the money was taken: it needs a refund).
   */
  async cancelAuthorization(
    input: Parameters<AuthorizationCapability['cancelAuthorization']>[0],
  ): Promise<PspResult<{ status: 'canceled' | 'succeeded'; reference: string }>> {
    try {
      const intent = await this.stripe.paymentIntents.cancel(
        input.reference,
        input.reason ? { cancellation_reason: input.reason } : {},
        chargeRequestOptions(input),
      );
      const read = readStripe(StripePaymentIntent, intent, 'PaymentIntent');
      if (!read.ok) return read;
      if (read.value.status !== 'canceled') {
        return unexpectedResponse(`Stripe answered a cancel of ${read.value.id} with status ${read.value.status}`);
      }
      return { ok: true, value: { status: 'canceled', reference: read.value.id } };
    } catch (err) {
      const failure = checkoutErrorToFailure(err);
      const status = await this.refusedStatus(err, failure, input.reference, input.connectedAccount);
      if (status === 'canceled' || status === 'succeeded') return { ok: true, value: { status, reference: input.reference } };
      return { ok: false, failure };
    }
  }

  /** An authorization as Stripe has it now: authorized while held, succeeded once captured, canceled once released. */
  async retrieveAuthorization(reference: string, connectedAccount?: string): Promise<PspResult<AuthorizationState>> {
    try {
      const intent = await this.stripe.paymentIntents.retrieve(
        reference,
        {},
        connectedAccount ? { stripeAccount: connectedAccount } : undefined,
      );
      const read = readStripe(StripePaymentIntent, intent, 'PaymentIntent');
      if (!read.ok) return read;
      const outcome = authorizationOutcome(read.value);
      return outcome ? { ok: true, value: outcome } : inexact(read.value);
    } catch (err) {
      return { ok: false, failure: checkoutErrorToFailure(err) };
    }
  }

  /**
   * The status of the PaymentIntent Stripe refused to capture or cancel because of its state
   * (payment_intent_unexpected_state): as the error carries it, else read back; undefined for other errors.
   */
  private async refusedStatus(err: unknown, failure: PspFailure, reference: string, account?: string): Promise<string | undefined> {
    if (failure.code !== 'payment_intent_unexpected_state') return undefined;
    const carried = readStripeError(err).paymentIntentStatus;
    if (carried) return carried;
    const current = await this.retrieveAuthorization(reference, account);
    if (!current.ok) return undefined;
    return current.value.status === 'authorized' ? 'requires_capture' : current.value.status;
  }
}

/**
 * requires_capture → authorized with what may be captured; every other status as a charge reads it. Null when
 * an amount is not an exact amount of the currency.
 */
function authorizationOutcome(intent: StripePaymentIntent): AuthorizationState | null {
  if (intent.status === 'requires_capture') {
    const capturable = fromStripeAmount(intent.amount_capturable ?? intent.amount, intent.currency);
    return capturable === null ? null : { status: 'authorized', reference: intent.id, amountCapturable: capturable };
  }
  const outcome = paymentIntentToOutcome(intent);
  if (outcome.status !== 'succeeded') return outcome;
  const received = fromStripeAmount(intent.amount_received ?? intent.amount, intent.currency);
  return received === null ? null : { ...outcome, chargeReference: chargeId(intent), amountReceived: received };
}

function inexact(intent: StripePaymentIntent): { ok: false; failure: PspFailure } {
  return unexpectedResponse(`Stripe answered amounts of ${intent.id} that are not exact ${intent.currency.toUpperCase()} amounts`);
}
