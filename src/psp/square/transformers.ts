import type { z } from 'zod';
import { currencyExponent } from '../../domain/money';
import type { CheckoutInput, CheckoutRefundResult, CheckoutSnapshot, CheckoutStatus } from '../checkout';
import { type PspChargeOutcome, type PspFailure, type PspRefundOutcome, type PspResult, readAnswer } from '../types';
import { SquareErrorBody, type SquareMoney, type SquarePayment, type SquareRefund } from './wire';

/**
 * Wire formats of Square quick-pay payment links: link and refund requests, payment and
 * refund → common model, Money, error bodies. Square Money is the smallest denomination of the currency,
 * which is the ISO 4217 minor unit for every currency we support (JPY whole yen, USD cents).
 */
export const SQUARE_VERSION = '2025-08-20';

const invalid = (message: string): PspFailure => ({ kind: 'invalid_request', retryable: false, message });

/** Our minor units → Square Money (same units; the currency must be one we know the exponent of). */
export function toSquareMoney(amount: number, currency: string): PspResult<SquareMoney> {
  const code = currency.toUpperCase();
  if (!currencyExponent(code).ok) return { ok: false, failure: invalid(`unsupported currency ${currency}`) };
  if (!Number.isSafeInteger(amount) || amount <= 0)
    return { ok: false, failure: invalid(`amount must be a positive integer, got ${amount}`) };
  return { ok: true, value: { amount, currency: code } };
}

/** Square Money → our minor units; null when it is missing, not an integer, or in another currency (a mismatch). */
export function fromSquareMoney(money: SquareMoney | null | undefined, currency: string): number | null {
  if (!money || money.currency !== currency.toUpperCase()) return null;
  return Number.isSafeInteger(money.amount) && money.amount >= 0 ? money.amount : null;
}

// ---- our session id in Square objects ------------------------------------------------------------

const NOTE_PREFIX = 'edgepay:';
const NOTE_PATTERN = /(?:^|\s)edgepay:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9_-]{1,128}))?(?:$|\s)/;

/** payment_note of the link, copied by Square to the Payment's `note`: how payment.updated routes back. */
export function sessionNote(sessionId: string): string {
  return `${NOTE_PREFIX}${sessionId}`;
}

/** A refund's `reason` names session and refund, so refund.* notifications route back too. */
export function refundReason(sessionId: string, refundId: string): string {
  const full = `${NOTE_PREFIX}${sessionId}:${refundId}`;
  return full.length <= 192 && NOTE_PATTERN.test(full) ? full : sessionNote(sessionId);
}

export function parseEdgepayNote(text: string | null | undefined): { sessionId: string; refundId: string | null } | null {
  const match = text ? NOTE_PATTERN.exec(text) : null;
  return match ? { sessionId: match[1] as string, refundId: match[2] ?? null } : null;
}

// ---- requests ------------------------------------------------------------------------------------

export type SquareCreatePaymentLinkRequest = {
  idempotency_key: string;
  quick_pay: { name: string; price_money: SquareMoney; location_id: string };
  checkout_options: { redirect_url: string };
  pre_populated_data?: { buyer_email: string };
  payment_note: string;
};

/** quick_pay name is 1–255 characters; longer descriptions are cut (the payer sees the first 255). */
function quickPayName(description: string): string {
  const name = description.trim() || 'Payment';
  return name.length <= 255 ? name : name.slice(0, 255);
}

/** POST /v2/online-checkout/payment-links; the idempotency key must be ≤ 192 characters. */
export function paymentLinkRequest(input: CheckoutInput): PspResult<SquareCreatePaymentLinkRequest> {
  const price = toSquareMoney(input.amount, input.currency);
  if (!price.ok) return price;
  if (input.idempotencyKey.length < 1 || input.idempotencyKey.length > 192)
    return { ok: false, failure: invalid('idempotency key must be 1–192 characters') };
  if (input.successUrl.length > 2048) return { ok: false, failure: invalid('successUrl must be at most 2048 characters') };
  return {
    ok: true,
    value: {
      idempotency_key: input.idempotencyKey,
      quick_pay: { name: quickPayName(input.description), price_money: price.value, location_id: input.merchantAccount },
      checkout_options: { redirect_url: input.successUrl },
      ...(input.customerEmail && input.customerEmail.length <= 256 ? { pre_populated_data: { buyer_email: input.customerEmail } } : {}),
      payment_note: sessionNote(input.sessionId),
    },
  };
}

export type SquareRefundPaymentRequest = { idempotency_key: string; amount_money: SquareMoney; payment_id: string; reason: string };

/** POST /v2/refunds; `idempotencyKey` is already the ≤ 45-character key RefundPayment takes. */
export function refundRequest(input: {
  idempotencyKey: string;
  paymentId: string;
  amount: number;
  currency: string;
  sessionId: string;
  refundId: string;
}): PspResult<SquareRefundPaymentRequest> {
  const money = toSquareMoney(input.amount, input.currency);
  if (!money.ok) return money;
  return {
    ok: true,
    value: {
      idempotency_key: input.idempotencyKey,
      amount_money: money.value,
      payment_id: input.paymentId,
      reason: refundReason(input.sessionId, input.refundId),
    },
  };
}

/** A Square answer read with its wire schema: another shape is an unexpected response (not retryable), not a crash. */
export function readSquare<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `Square answered a ${what} we cannot read${at}`);
}

// ---- responses -----------------------------------------------------------------------------------

/** Payment status → common status before refunds; exhaustive. */
export function squarePaymentCheckoutStatus(status: SquarePayment['status']): CheckoutStatus {
  switch (status) {
    case 'APPROVED':
    case 'PENDING':
      return 'processing';
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELED':
      return 'canceled';
    default: {
      const unknown: never = status;
      throw new Error(`unknown Square payment status ${String(unknown)}`);
    }
  }
}

/** refunded_money vs total_money decides refunded / partially_refunded of a completed payment. */
export function withRefunds(status: CheckoutStatus, total: number, refunded: number): CheckoutStatus {
  if (status !== 'succeeded' || refunded <= 0) return status;
  return refunded >= total ? 'refunded' : 'partially_refunded';
}

/** A Payment → the common view: captured amount total_money once COMPLETED; refunded amount refunded_money. */
export function paymentView(
  payment: SquarePayment,
  currency: string,
): PspResult<{ status: CheckoutStatus; total: number; refunded: number; snapshot: CheckoutSnapshot }> {
  const total = fromSquareMoney(payment.total_money ?? payment.amount_money, currency);
  if (total === null)
    return { ok: false, failure: invalid(`Square payment ${payment.id} is not an exact ${currency.toUpperCase()} amount`) };
  const refunded = payment.refunded_money ? fromSquareMoney(payment.refunded_money, currency) : 0;
  if (refunded === null) return { ok: false, failure: invalid(`Square payment ${payment.id} has refunded_money in another currency`) };
  const base = squarePaymentCheckoutStatus(payment.status);
  const status = withRefunds(base, total, refunded);
  const paid = base === 'succeeded' ? total : 0;
  return {
    ok: true,
    value: { status, total, refunded, snapshot: { status, paymentReference: payment.id, amountPaid: paid, amountRefunded: refunded } },
  };
}

/** A link nobody has paid (as far as the link itself tells): open. */
export function openLinkSnapshot(): CheckoutSnapshot {
  return { status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 };
}

/** Refund status: PENDING → pending, COMPLETED → succeeded, REJECTED/FAILED → failed. */
export function squareRefundCheckoutStatus(status: SquareRefund['status']): CheckoutRefundResult['status'] {
  switch (status) {
    case 'PENDING':
      return 'pending';
    case 'COMPLETED':
      return 'succeeded';
    case 'REJECTED':
    case 'FAILED':
      return 'failed';
    default: {
      const unknown: never = status;
      throw new Error(`unknown Square refund status ${String(unknown)}`);
    }
  }
}

export function refundResult(refund: SquareRefund, currency: string): PspResult<CheckoutRefundResult> {
  const amount = fromSquareMoney(refund.amount_money, currency);
  if (amount === null)
    return { ok: false, failure: invalid(`Square refund ${refund.id} is not an exact ${currency.toUpperCase()} amount`) };
  return { ok: true, value: { reference: refund.id, status: squareRefundCheckoutStatus(refund.status), amount } };
}

/** `{ errors: [{ category, code, detail, field }] }` → code and a short message (Square never echoes the token). */
export function describeSquareError(status: number, body: unknown): { code?: string; message?: string } {
  const parsed = SquareErrorBody.safeParse(body);
  const first = parsed.success ? parsed.data.errors?.[0] : undefined;
  if (!first) return { message: `Square answered ${status}` };
  const detail = first.detail ?? first.code ?? `Square answered ${status}`;
  return { code: first.code, message: first.field ? `${detail} (${first.field})` : detail };
}

// ---- ticket payments ----------------------------------------------------------------------------

/** Exhaustive over Square's payment statuses. */
export function squarePaymentToOutcome(payment: SquarePayment): PspChargeOutcome {
  const status = payment.status;
  switch (status) {
    case 'COMPLETED':
      return {
        status: 'succeeded',
        reference: payment.id,
        chargeReference: null,
        amountReceived: (payment.total_money ?? payment.amount_money)?.amount ?? 0,
      };
    case 'APPROVED':
    case 'PENDING':
      return { status: 'processing', reference: payment.id };
    case 'FAILED':
      return { status: 'declined', reference: payment.id, declineCode: 'failed', message: 'The payment failed' };
    case 'CANCELED':
      return { status: 'canceled', reference: payment.id };
    default: {
      const unknown: never = status;
      throw new Error(`unknown Square payment status ${String(unknown)}`);
    }
  }
}

export function squareRefundToOutcome(refund: SquareRefund): PspRefundOutcome {
  const status = refund.status;
  switch (status) {
    case 'COMPLETED':
      return { status: 'succeeded', reference: refund.id, amount: refund.amount_money.amount };
    case 'PENDING':
      return { status: 'pending', reference: refund.id, amount: refund.amount_money.amount };
    case 'REJECTED':
    case 'FAILED':
      return { status: 'failed', reference: refund.id, amount: refund.amount_money.amount };
    default: {
      const unknown: never = status;
      throw new Error(`unknown Square refund status ${String(unknown)}`);
    }
  }
}
