import Stripe from 'stripe';
import type { PspAdapter, PspChargeOutcome, PspChargeRequest, PspRefundOutcome, PspRefundRequest, PspResult } from '../types';
import {
  cardErrorToOutcome,
  errorToFailure,
  paymentIntentToOutcome,
  refundToOutcome,
  type StripeErrorLike,
  type StripePaymentIntent,
  type StripeRefund,
  toStripeCurrency,
} from './transformers';

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

export class StripeAdapter implements PspAdapter {
  readonly id = 'stripe' as const;
  constructor(private readonly stripe: Stripe) {}

  async charge(request: PspChargeRequest): Promise<PspResult<PspChargeOutcome>> {
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: request.amount,
          currency: toStripeCurrency(request.currency),
          payment_method: request.paymentMethodId,
          // Server-side confirmation: redirect-based methods only when the caller can take the customer back.
          automatic_payment_methods: { enabled: true, allow_redirects: request.returnUrl ? 'always' : 'never' },
          confirm: true,
          description: request.description,
          ...(request.returnUrl ? { return_url: request.returnUrl } : {}),
          metadata: { ...request.metadata, transaction_id: request.transactionId, tenant_id: request.tenantId },
        },
        { idempotencyKey: request.idempotencyKey, ...(request.connectedAccount ? { stripeAccount: request.connectedAccount } : {}) },
      );
      return { ok: true, value: paymentIntentToOutcome(intent as unknown as StripePaymentIntent) };
    } catch (err) {
      const declined = cardErrorToOutcome(err as StripeErrorLike);
      if (declined) return { ok: true, value: declined };
      return { ok: false, failure: errorToFailure(err as StripeErrorLike) };
    }
  }

  async retrieveCharge(reference: string, connectedAccount?: string): Promise<PspResult<PspChargeOutcome>> {
    try {
      const intent = await this.stripe.paymentIntents.retrieve(
        reference,
        {},
        connectedAccount ? { stripeAccount: connectedAccount } : undefined,
      );
      return { ok: true, value: paymentIntentToOutcome(intent as unknown as StripePaymentIntent) };
    } catch (err) {
      return { ok: false, failure: errorToFailure(err as StripeErrorLike) };
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
      return { ok: true, value: refundToOutcome(refund as unknown as StripeRefund) };
    } catch (err) {
      return { ok: false, failure: errorToFailure(err as StripeErrorLike) };
    }
  }
}
