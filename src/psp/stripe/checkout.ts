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

export type StripeCheckoutOptions = { webhookSecret: string };

export type StripePaymentLinkInput = {
  amount: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
};

/** Same schedule as pspRequest: transient failures of reads and keyed writes are tried three times. */
const BACKOFF_MS = [200, 600];
const EXPAND = ['payment_intent', 'payment_intent.latest_charge'];

/**
 * Hosted checkout on Stripe (CONTRACTS.md §1): Checkout Sessions in payment mode, refunds of their
 * PaymentIntent, and Payment Links (recovery). Calls go through the stripe package (`createStripe`: no SDK
 * retries, per-call timeout); every POST carries a deterministic Idempotency-Key, so transient failures
 * are retried here like pspRequest does.
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
    const created = await attempt(true, () => this.stripe.checkout.sessions.create(params.value, { idempotencyKey: input.idempotencyKey }));
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
    const expired = await attempt(true, () =>
      this.stripe.checkout.sessions.expire(ref.reference, {}, { idempotencyKey: `expire:${ref.reference}` }),
    );
    if (expired.ok) return { ok: true, value: (expired.value as unknown as StripeCheckoutSession).status === 'expired' };
    if (expired.failure.kind !== 'invalid_request' || expired.failure.status !== 400) return expired;
    // Stripe answers 400 for a session that is not open; read it to tell that from a bad request.
    const session = await this.session(ref);
    if (!session.ok) return session;
    return session.value.status === 'open' ? expired : { ok: true, value: false };
  }

  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    let paymentIntent = input.paymentReference;
    if (!paymentIntent) {
      const session = await this.session(input);
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
    const refund = await attempt(true, () => this.stripe.refunds.create(params.value, { idempotencyKey: input.idempotencyKey }));
    return refund.ok ? checkoutRefundResult(refund.value as unknown as StripeCheckoutRefund, input.currency) : refund;
  }

  async retrieveRefund(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>> {
    const refund = await attempt(true, () => this.stripe.refunds.retrieve(refundReference));
    return refund.ok ? checkoutRefundResult(refund.value as unknown as StripeCheckoutRefund, ref.currency) : refund;
  }

  /** A reusable Payment Link for `amount` (Stripe recovery): a one-time Price with an inline product, then the link. */
  async createPaymentLink(input: StripePaymentLinkInput): Promise<PspResult<{ id: string; url: string }>> {
    const priceParams = linkPriceParams(input);
    if (!priceParams.ok) return priceParams;
    const price = await attempt(true, () =>
      this.stripe.prices.create(priceParams.value, { idempotencyKey: `${input.idempotencyKey}:price` }),
    );
    if (!price.ok) return price;
    const link = await attempt(true, () =>
      this.stripe.paymentLinks.create(paymentLinkParams(price.value.id, input.metadata), {
        idempotencyKey: `${input.idempotencyKey}:link`,
      }),
    );
    if (!link.ok) return link;
    return { ok: true, value: { id: link.value.id, url: link.value.url } };
  }

  parseNotification(request: InboundNotification): Promise<CheckoutNotification[]> {
    return parseStripeCheckoutNotification(request, this.options.webhookSecret);
  }

  private async session(ref: Pick<CheckoutRef, 'reference'>): Promise<PspResult<StripeCheckoutSession>> {
    const session = await attempt(true, () => this.stripe.checkout.sessions.retrieve(ref.reference, { expand: EXPAND }));
    return session.ok ? { ok: true, value: session.value as unknown as StripeCheckoutSession } : session;
  }
}

/** Runs an SDK call; with `retry`, retryable failures (network, timeout, 409, 429, 5xx) are tried again. */
async function attempt<T>(retry: boolean, call: () => Promise<T>): Promise<PspResult<T>> {
  const attempts = retry ? 3 : 1;
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await call() };
    } catch (err) {
      const failure = checkoutErrorToFailure(err);
      if (n >= attempts || !failure.retryable) return { ok: false, failure };
      await new Promise<void>((resolve) => setTimeout(resolve, BACKOFF_MS[n - 1] ?? 1000));
    }
  }
}
