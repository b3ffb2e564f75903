import type Stripe from 'stripe';
import type {
  CheckoutAdapter,
  CheckoutInput,
  CheckoutNotification,
  CheckoutRef,
  CheckoutRefundInput,
  CheckoutRefundResult,
  CheckoutSnapshot,
  CreatedCheckout,
  InboundNotification,
} from '../checkout';
import { Deadline, retryWithin } from '../http';
import type { PspResult } from '../types';
import {
  checkoutErrorToFailure,
  checkoutRefundParams,
  checkoutRefundResult,
  checkoutSessionParams,
  checkoutSnapshot,
  intentId,
  linkPriceParams,
  paymentLinkParams,
  type StripeCheckoutRefund,
  type StripeCheckoutSession,
} from './checkout-transformers';
import { parseStripeCheckoutNotification } from './checkout-webhook';

export type StripeCheckoutOptions = {
  webhookSecret: string;
  /** PSP_TIMEOUT_MS: the bound of one operation (all its SDK calls and retries together). */
  timeoutMs: number;
};

export type StripePaymentLinkInput = {
  amount: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
};

const EXPAND = ['payment_intent', 'payment_intent.latest_charge'];

/**
 * Hosted checkout on Stripe (CONTRACTS.md §1): Checkout Sessions in payment mode, refunds of their
 * PaymentIntent, and Payment Links (recovery). Calls go through the stripe package (`createStripe`: no SDK
 * retries); every POST carries a deterministic Idempotency-Key, so transient failures are retried here
 * with pspRequest's policy, and each public method is one operation with one deadline: every SDK call
 * gets the time that is left of it as its per-request timeout.
 */
export class StripeCheckoutAdapter implements CheckoutAdapter {
  readonly provider = 'stripe' as const;

  constructor(
    private readonly stripe: Stripe,
    private readonly options: StripeCheckoutOptions,
  ) {}

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const params = checkoutSessionParams(input, Date.now());
    if (!params.ok) return params;
    const created = await attempt(this.deadline(), (timeout) =>
      this.stripe.checkout.sessions.create(params.value, { idempotencyKey: input.idempotencyKey, timeout }),
    );
    if (!created.ok) return created;
    const session = created.value as unknown as StripeCheckoutSession;
    if (!session.url)
      return { ok: false, failure: { kind: 'unavailable', retryable: false, message: 'Stripe returned a Checkout Session without a url' } };
    return { ok: true, value: { reference: session.id, checkoutUrl: session.url, expiresAt: session.expires_at * 1000, details: {} } };
  }

  async retrieveSession(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    const session = await this.session(ref);
    return session.ok ? checkoutSnapshot(session.value, ref.currency) : session;
  }

  /** POST …/expire; a session that is no longer open (paid, already expired) → ok(false). */
  async cancelSession(ref: CheckoutRef): Promise<PspResult<boolean>> {
    const deadline = this.deadline();
    const expired = await attempt(deadline, (timeout) =>
      this.stripe.checkout.sessions.expire(ref.reference, {}, { idempotencyKey: `expire:${ref.reference}`, timeout }),
    );
    if (expired.ok) return { ok: true, value: (expired.value as unknown as StripeCheckoutSession).status === 'expired' };
    if (expired.failure.kind !== 'invalid_request' || expired.failure.status !== 400) return expired;
    // Stripe answers 400 for a session that is not open; read it to tell that from a bad request.
    const session = await this.session(ref, deadline);
    if (!session.ok) return session;
    return session.value.status === 'open' ? expired : { ok: true, value: false };
  }

  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    const deadline = this.deadline();
    let paymentIntent = input.paymentReference;
    if (!paymentIntent) {
      const session = await this.session(input, deadline);
      if (!session.ok) return session;
      paymentIntent = intentId(session.value);
      if (!paymentIntent)
        return { ok: false, failure: { kind: 'invalid_request', retryable: false, message: 'the session has no payment to refund' } };
    }
    const params = checkoutRefundParams({
      paymentIntent,
      amount: input.refundAmount,
      currency: input.currency,
      sessionId: input.sessionId,
      refundId: input.refundId,
    });
    if (!params.ok) return params;
    const refund = await attempt(deadline, (timeout) =>
      this.stripe.refunds.create(params.value, { idempotencyKey: input.idempotencyKey, timeout }),
    );
    return refund.ok ? checkoutRefundResult(refund.value as unknown as StripeCheckoutRefund, input.currency) : refund;
  }

  async retrieveRefund(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>> {
    const refund = await attempt(this.deadline(), (timeout) => this.stripe.refunds.retrieve(refundReference, {}, { timeout }));
    return refund.ok ? checkoutRefundResult(refund.value as unknown as StripeCheckoutRefund, ref.currency) : refund;
  }

  /** A reusable Payment Link for `amount` (Stripe recovery): a one-time Price with an inline product, then the link. */
  async createPaymentLink(input: StripePaymentLinkInput): Promise<PspResult<{ id: string; url: string }>> {
    const priceParams = linkPriceParams(input);
    if (!priceParams.ok) return priceParams;
    const deadline = this.deadline();
    const price = await attempt(deadline, (timeout) =>
      this.stripe.prices.create(priceParams.value, { idempotencyKey: `${input.idempotencyKey}:price`, timeout }),
    );
    if (!price.ok) return price;
    const link = await attempt(deadline, (timeout) =>
      this.stripe.paymentLinks.create(paymentLinkParams(price.value.id, input.metadata), {
        idempotencyKey: `${input.idempotencyKey}:link`,
        timeout,
      }),
    );
    if (!link.ok) return link;
    return { ok: true, value: { id: link.value.id, url: link.value.url } };
  }

  parseNotification(request: InboundNotification): Promise<CheckoutNotification[]> {
    return parseStripeCheckoutNotification(request, this.options.webhookSecret);
  }

  private deadline(): Deadline {
    return Deadline.after(this.options.timeoutMs);
  }

  private async session(ref: Pick<CheckoutRef, 'reference'>, deadline = this.deadline()): Promise<PspResult<StripeCheckoutSession>> {
    const session = await attempt(deadline, (timeout) =>
      this.stripe.checkout.sessions.retrieve(ref.reference, { expand: EXPAND }, { timeout }),
    );
    return session.ok ? { ok: true, value: session.value as unknown as StripeCheckoutSession } : session;
  }
}

/**
 * Runs an SDK call (every one is a read or carries an Idempotency-Key, so all are retried) within the
 * deadline: retryable failures (network, timeout, 409, 429, 5xx) are tried again while time is left, each
 * try with the time that is left as the SDK's per-request timeout (whole milliseconds, at least 1).
 */
function attempt<T>(deadline: Deadline, call: (timeoutMs: number) => Promise<T>): Promise<PspResult<T>> {
  return retryWithin(deadline, 3, async (timeoutMs) => {
    try {
      return { ok: true, value: await call(Math.max(1, Math.ceil(timeoutMs))) };
    } catch (err) {
      return { ok: false, failure: checkoutErrorToFailure(err) };
    }
  });
}
