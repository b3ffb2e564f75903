import type { CheckoutInput } from '../checkout';
import type { PspResult } from '../types';
import { toStripeAmount, toStripeCurrency } from './transformers';

/**
 * Request parameters of Stripe Checkout: Checkout Session, Price, Payment Link and refund.
 * Requests follow API 2023-08-16 (the OpenAPI extract), which the current API also accepts.
 */

export const STRIPE_CHECKOUT_MIN_EXPIRY_S = 30 * 60;
export const STRIPE_CHECKOUT_MAX_EXPIRY_S = 24 * 60 * 60;
/** Margin inside Stripe's 30 min … 24 h window for clock skew and request latency. */
export const STRIPE_CHECKOUT_EXPIRY_SLACK_S = 120;

/** input.expiresAt clamped into the window Stripe accepts at creation, as Unix seconds. */
export function checkoutExpiresAt(expiresAtMs: number, nowMs: number): number {
  const now = Math.floor(nowMs / 1000);
  const wanted = Math.floor(expiresAtMs / 1000);
  const min = now + STRIPE_CHECKOUT_MIN_EXPIRY_S + STRIPE_CHECKOUT_EXPIRY_SLACK_S;
  const max = now + STRIPE_CHECKOUT_MAX_EXPIRY_S - STRIPE_CHECKOUT_EXPIRY_SLACK_S;
  return Math.min(Math.max(wanted, min), max);
}

/** The two keys every checkout object carries so notifications route back (session, PaymentIntent, charge). */
export function edgepayMetadata(input: Pick<CheckoutInput, 'sessionId' | 'tenantId'>): Record<string, string> {
  return { edgepay_session_id: input.sessionId, edgepay_tenant_id: input.tenantId };
}

/** The caller's metadata keys that start with edgepay_ (routing ids), without the rest (URLs, emails, order data). */
function edgepayKeys(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => key.startsWith('edgepay_')));
}

export type StripeCheckoutSessionParams = {
  mode: 'payment';
  line_items: Array<{ price_data: { currency: string; unit_amount: number; product_data: { name: string } }; quantity: number }>;
  success_url: string;
  cancel_url: string;
  expires_at: number;
  client_reference_id: string;
  metadata: Record<string, string>;
  payment_intent_data: { metadata: Record<string, string>; transfer_data?: { destination: string } };
  customer_email?: string;
};

/** POST /v1/checkout/sessions parameters: one line item, our ids in metadata and on the PaymentIntent. */
export function checkoutSessionParams(input: CheckoutInput, nowMs: number): PspResult<StripeCheckoutSessionParams> {
  const unitAmount = toStripeAmount(input.amount, input.currency);
  if (!unitAmount.ok) return unitAmount;
  const ours = edgepayMetadata(input);
  return {
    ok: true,
    value: {
      mode: 'payment',
      line_items: [
        {
          price_data: {
            currency: toStripeCurrency(input.currency),
            unit_amount: unitAmount.value,
            product_data: { name: input.description },
          },
          quantity: 1,
        },
      ],
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
      expires_at: checkoutExpiresAt(input.expiresAt, nowMs),
      client_reference_id: input.sessionId,
      metadata: { ...input.metadata, ...ours },
      payment_intent_data: {
        // Our routing keys only (edgepay_…, e.g. a recovery's transaction id), so PaymentIntent events route back too.
        metadata: { ...edgepayKeys(input.metadata), ...ours },
        // Destination charge: the platform owns the session and PaymentIntent; the funds go to the connected account.
        ...(input.merchantAccount.startsWith('acct_') ? { transfer_data: { destination: input.merchantAccount } } : {}),
      },
      ...(input.customerEmail ? { customer_email: input.customerEmail } : {}),
    },
  };
}

export type StripePriceParams = { currency: string; unit_amount: number; product_data: { name: string } };

/** POST /v1/prices with an inline product: API 2023-08-16 Payment Links take only existing Prices. */
export function linkPriceParams(input: { amount: number; currency: string; description: string }): PspResult<StripePriceParams> {
  const unitAmount = toStripeAmount(input.amount, input.currency);
  if (!unitAmount.ok) return unitAmount;
  return {
    ok: true,
    value: { currency: toStripeCurrency(input.currency), unit_amount: unitAmount.value, product_data: { name: input.description } },
  };
}

export type StripePaymentLinkParams = { line_items: Array<{ price: string; quantity: number }>; metadata: Record<string, string> };

/**
 * POST /v1/payment_links. The metadata is copied by Stripe to every Checkout Session the link creates;
 * `payment_intent_data[metadata]` does not exist in API 2023-08-16 (only capture_method and
 * setup_future_usage), so it is not sent: PaymentIntent, charge and refund events of link payments carry
 * none of it, and the link's sessions (checkout.session.*) are what route back.
 */
export function paymentLinkParams(priceId: string, metadata: Record<string, string>): StripePaymentLinkParams {
  return { line_items: [{ price: priceId, quantity: 1 }], metadata };
}

export type StripeRefundParams = { payment_intent: string; amount: number; metadata: Record<string, string> };

export function checkoutRefundParams(input: {
  paymentIntent: string;
  amount: number;
  currency: string;
  sessionId: string;
  refundId: string;
}): PspResult<StripeRefundParams> {
  const amount = toStripeAmount(input.amount, input.currency);
  if (!amount.ok) return amount;
  return {
    ok: true,
    value: {
      payment_intent: input.paymentIntent,
      amount: amount.value,
      metadata: { edgepay_session_id: input.sessionId, edgepay_refund_id: input.refundId },
    },
  };
}
