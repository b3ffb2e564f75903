import Stripe from 'stripe';
import type { HostedSessionView, PaymentLinkCapability, PaymentLinkInput, PaymentsCapability, SessionLookupCapability } from '../adapter';
import type {
  CheckoutCapability,
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
import type { PspChargeOutcome, PspChargeRequest, PspRefundOutcome, PspRefundRequest, PspResult } from '../types';
import { checkoutRefundParams, checkoutSessionParams, linkPriceParams, paymentLinkParams } from './requests';
import {
  cardErrorToOutcome,
  checkoutErrorToFailure,
  checkoutRefundResult,
  checkoutSnapshot,
  errorToFailure,
  fromStripeAmount,
  intentId,
  paymentIntentToOutcome,
  readStripe,
  refundToOutcome,
  toStripeCurrency,
} from './transformers';
import { parseStripeCheckoutNotification } from './webhook';
import { readStripeError, StripeCheckoutSession, StripePaymentIntent, StripePaymentLink, StripePrice, StripeRefund } from './wire';

export type StripeClientConfig = {
  secretKey: string;
  /** Local sandbox base, e.g. http://127.0.0.1:12111/stripe; absent in production (api.stripe.com). */
  baseUrl?: string;
  timeoutMs: number;
};

/** stripe-node has no base path setting; requests to an emulator mounted under a prefix get it inserted here. */
function sandboxFetch(prefix: string): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    url.pathname = `${prefix}${url.pathname}`;
    return fetch(url, init);
  };
}

export function createStripe(config: StripeClientConfig): Stripe {
  const base = config.baseUrl ? new URL(config.baseUrl) : null;
  return new Stripe(config.secretKey, {
    // Retries belong to us (deterministic idempotency keys, state recorded first), not to the SDK.
    maxNetworkRetries: 0,
    timeout: config.timeoutMs,
    telemetry: false,
    httpClient: Stripe.createFetchHttpClient(base ? sandboxFetch(base.pathname.replace(/\/$/, '')) : undefined),
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

/**
 * POST /v1/payment_intents of a ticket payment, confirmed at once on the server: what a charge and an
 * authorization (authorizations.ts) send alike, our ids in metadata so every event of it routes back.
 */
export function confirmedIntentParams(request: PspChargeRequest): Stripe.PaymentIntentCreateParams {
  return {
    amount: request.amount,
    currency: toStripeCurrency(request.currency),
    payment_method: request.paymentMethodId,
    // Server-side confirmation: redirect-based methods only when the caller can take the customer back.
    automatic_payment_methods: { enabled: true, allow_redirects: request.returnUrl ? 'always' : 'never' },
    confirm: true,
    description: request.description,
    ...(request.returnUrl ? { return_url: request.returnUrl } : {}),
    // Separate charges and transfers: the transfers that pay this charge out carry the same group.
    ...(request.transferGroup ? { transfer_group: request.transferGroup } : {}),
    metadata: { ...request.metadata, transaction_id: request.transactionId, tenant_id: request.tenantId },
  };
}

/** The caller's idempotency key and, for a venue with its own Stripe account, that account. */
export function chargeRequestOptions(request: { idempotencyKey: string; connectedAccount?: string }): Stripe.RequestOptions {
  return { idempotencyKey: request.idempotencyKey, ...(request.connectedAccount ? { stripeAccount: request.connectedAccount } : {}) };
}

/** Ticket payments: server-side confirmed PaymentIntents and their refunds. */
export class StripePayments implements PaymentsCapability {
  constructor(private readonly stripe: Stripe) {}

  async charge(request: PspChargeRequest): Promise<PspResult<PspChargeOutcome>> {
    try {
      const intent = await this.stripe.paymentIntents.create(confirmedIntentParams(request), chargeRequestOptions(request));
      const read = readStripe(StripePaymentIntent, intent, 'PaymentIntent');
      return read.ok ? { ok: true, value: paymentIntentToOutcome(read.value) } : read;
    } catch (err) {
      const error = readStripeError(err);
      const declined = cardErrorToOutcome(error);
      if (declined) return { ok: true, value: declined };
      return { ok: false, failure: errorToFailure(error) };
    }
  }

  async retrieveCharge(reference: string, connectedAccount?: string): Promise<PspResult<PspChargeOutcome>> {
    try {
      const intent = await this.stripe.paymentIntents.retrieve(
        reference,
        {},
        connectedAccount ? { stripeAccount: connectedAccount } : undefined,
      );
      const read = readStripe(StripePaymentIntent, intent, 'PaymentIntent');
      return read.ok ? { ok: true, value: paymentIntentToOutcome(read.value) } : read;
    } catch (err) {
      return { ok: false, failure: errorToFailure(readStripeError(err)) };
    }
  }

  async refund(request: PspRefundRequest): Promise<PspResult<PspRefundOutcome>> {
    try {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: request.reference,
          amount: request.amount,
          ...(request.reason ? { reason: request.reason } : {}),
          metadata: { transaction_id: request.transactionId, refund_id: request.refundId },
        },
        { idempotencyKey: request.idempotencyKey, ...(request.connectedAccount ? { stripeAccount: request.connectedAccount } : {}) },
      );
      const read = readStripe(StripeRefund, refund, 'refund');
      return read.ok ? { ok: true, value: refundToOutcome(read.value) } : read;
    } catch (err) {
      return { ok: false, failure: errorToFailure(readStripeError(err)) };
    }
  }
}

export type StripeCheckoutOptions = {
  webhookSecret: string;
  /** PSP_TIMEOUT_MS: the bound of one operation (all its SDK calls and retries together). */
  timeoutMs: number;
};

const EXPAND = ['payment_intent', 'payment_intent.latest_charge'];

/**
 * Hosted checkout on Stripe: Checkout Sessions in payment mode, refunds of their
 * PaymentIntent, and Payment Links (recovery). Calls go through the stripe package (`createStripe`: no SDK
 * retries); every POST carries a deterministic Idempotency-Key, so transient failures are retried here
 * with pspRequest's policy, and each public method is one operation with one deadline: every SDK call
 * gets the time that is left of it as its per-request timeout.
 */
export class StripeCheckoutAdapter implements CheckoutCapability, PaymentLinkCapability, SessionLookupCapability {
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
    const session = readStripe(StripeCheckoutSession, created.value, 'Checkout Session');
    if (!session.ok) return session;
    const { id, url, expires_at } = session.value;
    if (!url || expires_at === undefined)
      return { ok: false, failure: { kind: 'unavailable', retryable: false, message: 'Stripe returned a Checkout Session without a url' } };
    return { ok: true, value: { reference: id, checkoutUrl: url, expiresAt: expires_at * 1000, details: {} } };
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
    if (expired.ok) {
      const session = readStripe(StripeCheckoutSession, expired.value, 'Checkout Session');
      return session.ok ? { ok: true, value: session.value.status === 'expired' } : session;
    }
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
    if (!refund.ok) return refund;
    const read = readStripe(StripeRefund, refund.value, 'refund');
    return read.ok ? checkoutRefundResult(read.value, input.currency) : read;
  }

  async retrieveRefund(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>> {
    const refund = await attempt(this.deadline(), (timeout) => this.stripe.refunds.retrieve(refundReference, {}, { timeout }));
    if (!refund.ok) return refund;
    const read = readStripe(StripeRefund, refund.value, 'refund');
    return read.ok ? checkoutRefundResult(read.value, ref.currency) : read;
  }

  /** A reusable Payment Link for `amount` (Stripe recovery): a one-time Price with an inline product, then the link. */
  async createPaymentLink(input: PaymentLinkInput): Promise<PspResult<{ id: string; url: string }>> {
    const priceParams = linkPriceParams(input);
    if (!priceParams.ok) return priceParams;
    const deadline = this.deadline();
    const price = await attempt(deadline, (timeout) =>
      this.stripe.prices.create(priceParams.value, { idempotencyKey: `${input.idempotencyKey}:price`, timeout }),
    );
    if (!price.ok) return price;
    const priceRead = readStripe(StripePrice, price.value, 'Price');
    if (!priceRead.ok) return priceRead;
    const link = await attempt(deadline, (timeout) =>
      this.stripe.paymentLinks.create(paymentLinkParams(priceRead.value.id, input.metadata), {
        idempotencyKey: `${input.idempotencyKey}:link`,
        timeout,
      }),
    );
    if (!link.ok) return link;
    const linkRead = readStripe(StripePaymentLink, link.value, 'Payment Link');
    return linkRead.ok ? { ok: true, value: { id: linkRead.value.id, url: linkRead.value.url } } : linkRead;
  }

  /** A session by its cs_… id as Stripe shows it (recovery's status read); no expansion. */
  async lookupSession(reference: string): Promise<PspResult<HostedSessionView>> {
    const read = await attempt(this.deadline(), (timeout) => this.stripe.checkout.sessions.retrieve(reference, {}, { timeout }));
    if (!read.ok) return read;
    const session = readStripe(StripeCheckoutSession, read.value, 'Checkout Session');
    if (!session.ok) return session;
    const s = session.value;
    return {
      ok: true,
      value: {
        id: s.id,
        status: s.status,
        paymentStatus: s.payment_status,
        amountTotal: s.currency ? fromStripeAmount(s.amount_total, s.currency) : null,
        currency: s.currency ? s.currency.toUpperCase() : null,
        metadata: s.metadata ?? {},
      },
    };
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
    return session.ok ? readStripe(StripeCheckoutSession, session.value, 'Checkout Session') : session;
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
