import { currencyExponent } from '../../domain/money';
import type { CheckoutInput, CheckoutRefundResult, CheckoutSnapshot, CheckoutStatus } from '../checkout';
import type { PspFailure, PspResult } from '../types';
import { errorToFailure, type StripeErrorLike, type StripePaymentIntent, type StripeRefund, toStripeCurrency } from './transformers';

/**
 * Wire formats of Stripe Checkout (CONTRACTS.md §1): Checkout Session, Price and Payment Link parameters,
 * session/refund → common model, amounts, errors. Requests follow API 2023-08-16 (the OpenAPI extract),
 * which the current API also accepts.
 */

// ---- amounts -------------------------------------------------------------------------------------

/**
 * Stripe amounts are the currency's minor units, with one deviation from ISO 4217 among our currencies:
 * ISK is zero-decimal in ISO but Stripe keeps it two-decimal on the wire (100 = 1 króna, whole krónur only).
 * HUF and TWD are two-decimal for charges on Stripe as in ISO; UGX is zero-decimal on both.
 */
const STRIPE_EXTRA_DIGITS: Readonly<Record<string, number>> = { ISK: 2 };

function exponentFor(currency: string): PspResult<number> {
  const exponent = currencyExponent(currency);
  if (!exponent.ok)
    return { ok: false, failure: { kind: 'invalid_request', retryable: false, message: `unsupported currency ${currency}` } };
  return { ok: true, value: exponent.value };
}

/** Our minor units → Stripe's integer amount. Three-decimal currencies must end in 0 on Stripe (§0.2). */
export function toStripeAmount(amount: number, currency: string): PspResult<number> {
  const exponent = exponentFor(currency.toUpperCase());
  if (!exponent.ok) return exponent;
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return {
      ok: false,
      failure: { kind: 'invalid_request', retryable: false, message: `amount must be a positive integer, got ${amount}` },
    };
  }
  if (exponent.value === 3 && amount % 10 !== 0) {
    return {
      ok: false,
      failure: {
        kind: 'invalid_request',
        retryable: false,
        message: `Stripe needs ${currency.toUpperCase()} amounts in multiples of 10 minor units`,
      },
    };
  }
  const scaled = amount * 10 ** (STRIPE_EXTRA_DIGITS[currency.toUpperCase()] ?? 0);
  if (!Number.isSafeInteger(scaled))
    return { ok: false, failure: { kind: 'invalid_request', retryable: false, message: 'amount too large' } };
  return { ok: true, value: scaled };
}

/** Stripe's integer amount → our minor units; null when it is not an exact amount of the currency (a mismatch, never rounded). */
export function fromStripeAmount(value: unknown, currency: string): number | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return null;
  const code = currency.toUpperCase();
  if (!exponentFor(code).ok) return null;
  const factor = 10 ** (STRIPE_EXTRA_DIGITS[code] ?? 0);
  return value % factor === 0 ? value / factor : null;
}

function amountMismatch(what: string, value: unknown, currency: string): PspFailure {
  return {
    kind: 'invalid_request',
    retryable: false,
    message: `Stripe answered ${what} ${String(value)} that is not an exact ${currency.toUpperCase()} amount`,
  };
}

// ---- requests ------------------------------------------------------------------------------------

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

/** POST /v1/checkout/sessions parameters (CONTRACTS.md §1.3): one line item, our ids in metadata and on the PaymentIntent. */
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

// ---- responses -----------------------------------------------------------------------------------

export type StripeCharge = {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded: number;
  refunded?: boolean;
  currency: string;
  status?: 'succeeded' | 'pending' | 'failed';
  payment_intent?: string | null;
  metadata?: Record<string, string> | null;
};

export type StripeSessionIntent = Omit<StripePaymentIntent, 'latest_charge'> & { latest_charge?: string | StripeCharge | null };

export type StripeCheckoutSession = {
  id: string;
  object: 'checkout.session';
  status: 'open' | 'complete' | 'expired' | null;
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  amount_total: number | null;
  currency: string | null;
  url: string | null;
  expires_at: number;
  client_reference_id?: string | null;
  metadata?: Record<string, string> | null;
  payment_intent?: string | StripeSessionIntent | null;
  payment_link?: string | { id: string } | null;
};

export type StripeCheckoutRefund = StripeRefund & {
  currency?: string;
  payment_intent?: string | null;
  metadata?: Record<string, string> | null;
};

/** PaymentIntent → common status (CONTRACTS.md §1.4 PI rows); exhaustive. */
export function paymentIntentCheckoutStatus(intent: Pick<StripePaymentIntent, 'status' | 'last_payment_error'>): CheckoutStatus {
  const status = intent.status;
  switch (status) {
    case 'requires_payment_method':
      return intent.last_payment_error ? 'failed' : 'open';
    case 'requires_confirmation':
    case 'requires_action':
      return 'open';
    case 'processing':
    case 'requires_capture':
      return 'processing';
    case 'succeeded':
      return 'succeeded';
    case 'canceled':
      return 'canceled';
    default: {
      const unknown: never = status;
      throw new Error(`unknown Stripe PaymentIntent status ${String(unknown)}`);
    }
  }
}

/** A succeeded payment with refunds is refunded / partially_refunded by amount (CONTRACTS.md §0.1). */
export function withRefunds(status: CheckoutStatus, captured: number, refunded: number): CheckoutStatus {
  if (status !== 'succeeded' || refunded <= 0) return status;
  return refunded >= captured ? 'refunded' : 'partially_refunded';
}

/** Session (+ its PaymentIntent when expanded) → common status, before refunds (CONTRACTS.md §1.4). */
export function checkoutSessionStatus(
  session: Pick<StripeCheckoutSession, 'status' | 'payment_status'>,
  intent: StripeSessionIntent | null,
): CheckoutStatus {
  const status = session.status;
  switch (status) {
    case 'expired':
      return 'expired';
    case null:
    case 'open':
      // A PaymentIntent behind an open session reflects attempts (a declined one is failed but still retryable).
      return intent ? paymentIntentCheckoutStatus(intent) : 'open';
    case 'complete':
      if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') return 'succeeded';
      // Delayed methods: complete + unpaid until checkout.session.async_payment_succeeded/failed.
      return intent && intent.status !== 'succeeded' ? paymentIntentCheckoutStatus(intent) : 'processing';
    default: {
      const unknown: never = status;
      throw new Error(`unknown Stripe Checkout Session status ${String(unknown)}`);
    }
  }
}

export function expandedIntent(session: StripeCheckoutSession): StripeSessionIntent | null {
  return session.payment_intent && typeof session.payment_intent === 'object' ? session.payment_intent : null;
}

export function intentId(session: StripeCheckoutSession): string | null {
  const intent = session.payment_intent;
  if (!intent) return null;
  return typeof intent === 'string' ? intent : intent.id;
}

/** A session retrieved with expand payment_intent and payment_intent.latest_charge → the common snapshot. */
export function checkoutSnapshot(session: StripeCheckoutSession, fallbackCurrency: string): PspResult<CheckoutSnapshot> {
  const currency = session.currency ?? fallbackCurrency;
  const intent = expandedIntent(session);
  const latest = intent?.latest_charge;
  const charge = latest && typeof latest === 'object' ? latest : null;
  const base = checkoutSessionStatus(session, intent);
  let paidWire = 0;
  if (base === 'succeeded') {
    if (charge && charge.status !== 'failed') paidWire = charge.amount;
    else if (intent?.status === 'succeeded') paidWire = intent.amount_received ?? intent.amount;
    else paidWire = session.amount_total ?? 0;
  }
  const refundedWire = base === 'succeeded' && charge ? charge.amount_refunded : 0;
  const amountPaid = fromStripeAmount(paidWire, currency);
  if (amountPaid === null) return { ok: false, failure: amountMismatch('amount', paidWire, currency) };
  const amountRefunded = fromStripeAmount(refundedWire, currency);
  if (amountRefunded === null) return { ok: false, failure: amountMismatch('amount_refunded', refundedWire, currency) };
  const status = withRefunds(base, amountPaid, amountRefunded);
  return { ok: true, value: { status, paymentReference: intentId(session), amountPaid, amountRefunded } };
}

/** A charge's refund state: refunded when fully refunded, partially_refunded in between (CONTRACTS.md §1.4 charge rows). */
export function chargeCheckoutStatus(charge: Pick<StripeCharge, 'amount' | 'amount_refunded' | 'refunded'>): CheckoutStatus {
  if (charge.refunded || charge.amount_refunded >= charge.amount) return 'refunded';
  return charge.amount_refunded > 0 ? 'partially_refunded' : 'succeeded';
}

/** Refund status (CONTRACTS.md §1.4 refund rows): pending/requires_action → pending; failed/canceled → failed. */
export function refundCheckoutStatus(refund: Pick<StripeRefund, 'status'>): CheckoutRefundResult['status'] {
  const status = refund.status;
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'pending':
    case 'requires_action':
    case null:
      return 'pending';
    default: {
      const unknown: never = status;
      throw new Error(`unknown Stripe refund status ${String(unknown)}`);
    }
  }
}

export function checkoutRefundResult(refund: StripeCheckoutRefund, fallbackCurrency: string): PspResult<CheckoutRefundResult> {
  const currency = refund.currency ?? fallbackCurrency;
  const amount = fromStripeAmount(refund.amount, currency);
  if (amount === null) return { ok: false, failure: amountMismatch('refund amount', refund.amount, currency) };
  return { ok: true, value: { reference: refund.id, status: refundCheckoutStatus(refund), amount } };
}

// ---- errors --------------------------------------------------------------------------------------

const SECRETS = [/\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9*]+/g, /\bwhsec_[A-Za-z0-9_]+/g];

/** Stripe's own messages mask keys ("sk_test_****1234"); anything key-shaped is removed all the same. */
export function redactStripeSecrets(message: string): string {
  return SECRETS.reduce((text, pattern) => text.replace(pattern, '[redacted]'), message);
}

/** An error thrown by the stripe package → PspFailure; the SDK's timeout is its own kind here. */
export function checkoutErrorToFailure(err: unknown): PspFailure {
  const e = (err ?? {}) as StripeErrorLike & { detail?: { code?: string } };
  if (e.type === 'StripeConnectionError' && (e.detail?.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? ''))) {
    return { kind: 'timeout', retryable: true, message: redactStripeSecrets(e.message ?? 'no answer from Stripe in time') };
  }
  const failure = errorToFailure(e);
  return { ...failure, message: redactStripeSecrets(failure.message) };
}
