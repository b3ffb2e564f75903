import type { z } from 'zod';
import { currencyExponent } from '../../domain/money';
import type { CheckoutRefundResult, CheckoutSnapshot, CheckoutStatus } from '../checkout';
import { type PspChargeOutcome, type PspFailure, type PspRefundOutcome, type PspResult, readAnswer } from '../types';
import {
  readStripeError,
  type StripeCharge,
  type StripeCheckoutSession,
  type StripeErrorLike,
  type StripePaymentIntent,
  type StripeRefund,
  type StripeSessionIntent,
} from './wire';

/**
 * Stripe's answers → the common model: PaymentIntents and refunds of ticket payments,
 * Checkout Sessions and their refunds, amounts, errors. The objects are read with the schemas of wire.ts.
 */

/** A response of the stripe package read with its wire schema: another shape is an unexpected response, not a crash. */
export function readStripe<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `Stripe answered a ${what} we cannot read${at}`);
}

/** Stripe minor units equal ours for every currency Stripe lists as non zero-decimal; currency codes are lower case on the wire. */
export function toStripeCurrency(currency: string): string {
  return currency.toLowerCase();
}

export function chargeId(intent: StripePaymentIntent): string | null {
  const charge = intent.latest_charge;
  if (!charge) return null;
  return typeof charge === 'string' ? charge : charge.id;
}

/** PaymentIntent → common outcome; exhaustive over Stripe's statuses. */
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
  return {
    status: 'declined',
    reference: err.paymentIntentId ?? null,
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

/** Our minor units → Stripe's integer amount. Three-decimal currencies must end in 0 on Stripe. */
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

// ---- responses -----------------------------------------------------------------------------------

/** PaymentIntent → common status; exhaustive. */
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

/** A succeeded payment with refunds is refunded / partially_refunded by amount. */
export function withRefunds(status: CheckoutStatus, captured: number, refunded: number): CheckoutStatus {
  if (status !== 'succeeded' || refunded <= 0) return status;
  return refunded >= captured ? 'refunded' : 'partially_refunded';
}

/** Session (+ its PaymentIntent when expanded) → common status, before refunds. */
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

export function intentId(session: { payment_intent?: string | { id: string } | null }): string | null {
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

/** A charge's refund state: refunded when fully refunded, partially_refunded in between. */
export function chargeCheckoutStatus(charge: Pick<StripeCharge, 'amount' | 'amount_refunded' | 'refunded'>): CheckoutStatus {
  if (charge.refunded || charge.amount_refunded >= charge.amount) return 'refunded';
  return charge.amount_refunded > 0 ? 'partially_refunded' : 'succeeded';
}

/** Refund status: pending/requires_action → pending; failed/canceled → failed. */
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

export function checkoutRefundResult(refund: StripeRefund, fallbackCurrency: string): PspResult<CheckoutRefundResult> {
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
  const e = readStripeError(err);
  if (e.type === 'StripeConnectionError' && (e.detailCode === 'ETIMEDOUT' || /timeout/i.test(e.message ?? ''))) {
    return { kind: 'timeout', retryable: true, message: redactStripeSecrets(e.message ?? 'no answer from Stripe in time') };
  }
  const failure = errorToFailure(e);
  return { ...failure, message: redactStripeSecrets(failure.message) };
}
