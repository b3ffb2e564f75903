import type { z } from 'zod';
import { currencyExponent, decimalToMinor, minorToDecimalString } from '../../domain/money';
import type { CheckoutInput, CheckoutRefundResult, CheckoutSnapshot, CheckoutStatus } from '../checkout';
import type { PspResult } from '../types';
import { invalidRequest as invalid, readAnswer, unexpectedResponse } from '../types';
import {
  type PaypalCapture,
  type PaypalCaptureStatus,
  PaypalErrorBody,
  type PaypalMoney,
  type PaypalOrder,
  type PaypalPurchaseUnit,
  type PaypalRefund,
  type PaypalRefundStatus,
} from './wire';

/**
 * PayPal Orders v2 / Payments v2 wire formats (OpenAPI extract in dev/sandbox/openapi/paypal-orders.json): request
 * building, status mapping and amount conversion. Amounts on the wire are `{ currency_code, value }` with
 * `value` a decimal string in major units.
 */
export type {
  PaypalCapture,
  PaypalCaptureStatus,
  PaypalLink,
  PaypalMoney,
  PaypalOrder,
  PaypalOrderStatus,
  PaypalPurchaseUnit,
  PaypalRefund,
  PaypalRefundStatus,
} from './wire';

/** The subset of `order_request` we send (schema checked against the extract: lengths, enums, patterns). */
export type PaypalOrderRequest = {
  intent: 'CAPTURE';
  purchase_units: Array<{
    reference_id: string;
    custom_id: string;
    description?: string;
    amount: PaypalMoney;
    payee?: { merchant_id: string };
  }>;
  payment_source: {
    paypal: {
      experience_context: {
        return_url: string;
        cancel_url: string;
        user_action: 'PAY_NOW';
        shipping_preference: 'NO_SHIPPING';
      };
    };
  };
};

export type PaypalRefundRequest = { amount: PaypalMoney; custom_id: string; invoice_id?: string };

/** The payer has 3 hours to approve an order (Orders spec, `links`); PayPal has no EXPIRED status (so the sandbox never sends one either). */
export const PAYPAL_APPROVAL_WINDOW_MS = 3 * 60 * 60 * 1000;
/** `PayPal-Request-Id`: 1–108 characters in the Orders spec. */
export const PAYPAL_REQUEST_ID_MAX = 108;
/** purchase_unit description, custom_id and invoice_id (Orders and Payments specs). */
const TEXT_MAX = 127;
/** `payee.merchant_id` (`account_id` in the extract). */
const MERCHANT_ID = /^[2-9A-HJ-NP-Z]{13}$/;
/** PayPal Currency Codes: HUF, JPY and TWD "do not support decimals"; JPY already has ISO exponent 0. */
const PAYPAL_EXPONENT_OVERRIDES: Readonly<Record<string, number>> = { HUF: 0, TWD: 0 };

type Exponents = { iso: number; wire: number };

function exponents(currency: string): Exponents | null {
  const iso = currencyExponent(currency);
  if (!iso.ok) return null;
  return { iso: iso.value, wire: PAYPAL_EXPONENT_OVERRIDES[currency] ?? iso.value };
}

/** Minor units (ISO exponent) → PayPal money. HUF/TWD amounts must be whole units, or the amount is refused. */
export function toPaypalMoney(amount: number, currency: string): PspResult<PaypalMoney> {
  const exp = exponents(currency);
  if (!exp) return invalid('unsupported_currency', `currency ${currency} is not supported`);
  if (!Number.isSafeInteger(amount) || amount <= 0) return invalid('invalid_amount', 'amount must be a positive integer of minor units');
  const factor = 10 ** (exp.iso - exp.wire);
  if (amount % factor !== 0) {
    return invalid('amount_not_representable', `PayPal takes whole ${currency} units; ${amount} minor units are not a whole amount`);
  }
  return { ok: true, value: { currency_code: currency, value: minorToDecimalString(amount / factor, exp.wire) } };
}

/** PayPal money → minor units (ISO exponent), exactly; null when it is not a valid amount of that currency. */
export function fromPaypalMoney(money: PaypalMoney | undefined): { amount: number; currency: string } | null {
  if (!money || typeof money.value !== 'string' || typeof money.currency_code !== 'string') return null;
  const exp = exponents(money.currency_code);
  if (!exp) return null;
  const wire = decimalToMinor(money.value, exp.wire);
  if (wire === null) return null;
  const amount = wire * 10 ** (exp.iso - exp.wire);
  return Number.isSafeInteger(amount) ? { amount, currency: money.currency_code } : null;
}

/** Truncates to `max` code points (JSON Schema maxLength counts code points); '' stays ''. */
function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length > max ? points.slice(0, max).join('') : text;
}

export function buildPaypalOrderRequest(input: CheckoutInput): PspResult<PaypalOrderRequest> {
  const amount = toPaypalMoney(input.amount, input.currency);
  if (!amount.ok) return amount;
  if (input.sessionId.length < 1 || input.sessionId.length > TEXT_MAX)
    return invalid('invalid_session_id', 'session id must be 1–127 characters');
  const description = clip(input.description.trim(), TEXT_MAX);
  return {
    ok: true,
    value: {
      intent: 'CAPTURE',
      purchase_units: [
        {
          // Our session id twice: reference_id is echoed on the order, custom_id also on captures and in webhooks.
          reference_id: input.sessionId,
          custom_id: input.sessionId,
          ...(description ? { description } : {}),
          amount: amount.value,
          // Only a PayPal merchant id can name the payee; anything else leaves the API caller's account as payee.
          ...(MERCHANT_ID.test(input.merchantAccount) ? { payee: { merchant_id: input.merchantAccount } } : {}),
        },
      ],
      // PayPal has no metadata field on orders: input.metadata is not sent.
      payment_source: {
        paypal: {
          experience_context: {
            return_url: input.successUrl,
            cancel_url: input.cancelUrl,
            user_action: 'PAY_NOW',
            shipping_preference: 'NO_SHIPPING',
          },
        },
      },
    },
  };
}

/**
 * invoice_id = `${sessionId}:${refundId}`: PayPal refuses an invoice id used before by any refund of the account
 * (422 DUPLICATE_INVOICE_ID) and our refund ids are unique only within a session. Omitted when longer than 127.
 */
export function paypalRefundInvoiceId(sessionId: string, refundId: string): string | null {
  const invoiceId = `${sessionId}:${refundId}`;
  return refundId && Array.from(invoiceId).length <= TEXT_MAX ? invoiceId : null;
}

/** Our refund id from a refund's invoice_id (null for a refund made elsewhere, e.g. in the PayPal dashboard). */
export function parsePaypalInvoiceId(invoiceId: string | undefined): string | null {
  const colon = invoiceId?.indexOf(':') ?? -1;
  return invoiceId && colon > 0 && colon < invoiceId.length - 1 ? invoiceId.slice(colon + 1) : null;
}

export function buildPaypalRefundRequest(input: {
  sessionId: string;
  refundId: string;
  refundAmount: number;
  currency: string;
}): PspResult<PaypalRefundRequest> {
  const amount = toPaypalMoney(input.refundAmount, input.currency);
  if (!amount.ok) return amount;
  const invoiceId = paypalRefundInvoiceId(input.sessionId, input.refundId);
  return {
    ok: true,
    value: { amount: amount.value, custom_id: clip(input.sessionId, TEXT_MAX), ...(invoiceId ? { invoice_id: invoiceId } : {}) },
  };
}

/** The URL the payer approves at: `payer-action` with payment_source.paypal, `approve` without. */
export function paypalPayerUrl(order: PaypalOrder): string | null {
  const links = order.links ?? [];
  return (links.find((l) => l.rel === 'payer-action') ?? links.find((l) => l.rel === 'approve'))?.href ?? null;
}

/** A refund's capture id, from its `up` link (…/v2/payments/captures/{id}). */
export function paypalRefundCaptureId(refund: Pick<PaypalRefund, 'links'>): string | null {
  const up = refund.links?.find((l) => l.rel === 'up')?.href;
  const match = up ? /\/captures\/([^/?#]+)/.exec(up) : null;
  return match ? decodeURIComponent(match[1] as string) : null;
}

/** A PayPal answer through its wire schema: another shape is an unexpected response (not retryable), never a crash. */
export function readPaypal<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `PayPal ${what} answered a body we cannot read${at}`);
}

/** refunded / partially_refunded / succeeded from amounts , never from the capture status alone. */
export function statusFromRefunds(paid: number, refunded: number): CheckoutStatus {
  if (refunded <= 0) return 'succeeded';
  return refunded >= paid ? 'refunded' : 'partially_refunded';
}

/** Capture status → paid / processing / failed; null for a status the spec does not list. */
function captureStatusToCommon(status: PaypalCaptureStatus): 'paid' | 'processing' | 'failed' | null {
  switch (status) {
    case 'COMPLETED':
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return 'paid';
    case 'PENDING':
      return 'processing';
    case 'DECLINED':
    case 'FAILED':
      return 'failed';
    default: {
      // Exhaustive over the spec's statuses; a status PayPal adds later is reported by the caller.
      const _unlisted: never = status;
      return null;
    }
  }
}

/** Sum of the order's COMPLETED refunds (pending ones are not money returned yet). */
function refundedAmount(unit: PaypalPurchaseUnit, capture: PaypalCapture, paid: number, currency: string): PspResult<number> {
  const refunds = unit.payments?.refunds;
  if (!refunds) {
    // No refund list on the order: REFUNDED means all of it; PARTIALLY_REFUNDED without amounts cannot be summed (0 reported).
    return { ok: true, value: capture.status === 'REFUNDED' ? paid : 0 };
  }
  let total = 0;
  for (const refund of refunds) {
    if (refund.status !== 'COMPLETED') continue;
    const money = fromPaypalMoney(refund.amount);
    if (!money || money.currency !== currency) return unexpectedResponse(`PayPal refund ${refund.id} has an unreadable amount`);
    total += money.amount;
  }
  return { ok: true, value: total };
}

/**
 * An order read back → the common snapshot. `expected` is what we created; an order or capture
 * for another amount or currency is an error, not a status. `nowMs` decides the emulated expiry of an unapproved order.
 */
export function paypalOrderToSnapshot(
  order: PaypalOrder,
  expected: { amount: number; currency: string },
  nowMs: number,
): PspResult<CheckoutSnapshot> {
  const unit = order.purchase_units?.[0];
  const ordered = fromPaypalMoney(unit?.amount);
  if (!unit || !ordered) return unexpectedResponse(`PayPal order ${order.id} has no readable amount`);
  if (ordered.amount !== expected.amount || ordered.currency !== expected.currency) {
    return invalid(
      'amount_mismatch',
      `PayPal order ${order.id} is for ${ordered.amount} ${ordered.currency}, expected ${expected.amount} ${expected.currency}`,
    );
  }
  const status = order.status;
  const none = { paymentReference: null, amountPaid: 0, amountRefunded: 0 };
  switch (status) {
    case 'CREATED':
    case 'SAVED':
    case 'PAYER_ACTION_REQUIRED': {
      const created = order.create_time ? Date.parse(order.create_time) : Number.NaN;
      const expired = Number.isFinite(created) && nowMs >= created + PAYPAL_APPROVAL_WINDOW_MS;
      return { ok: true, value: { status: expired ? 'expired' : 'open', ...none } };
    }
    case 'APPROVED':
      return { ok: true, value: { status: 'processing', ...none } };
    case 'VOIDED':
      return { ok: true, value: { status: 'canceled', ...none } };
    case 'COMPLETED': {
      const capture = unit.payments?.captures?.[0];
      if (!capture) return unexpectedResponse(`PayPal order ${order.id} is COMPLETED without a capture`);
      const kind = captureStatusToCommon(capture.status);
      if (kind === null) return unexpectedResponse(`unknown PayPal capture status ${String(capture.status)}`);
      if (kind !== 'paid') return { ok: true, value: { status: kind, paymentReference: capture.id, amountPaid: 0, amountRefunded: 0 } };
      const captured = fromPaypalMoney(capture.amount);
      if (!captured) return unexpectedResponse(`PayPal capture ${capture.id} has no readable amount`);
      if (captured.amount !== expected.amount || captured.currency !== expected.currency) {
        return invalid(
          'amount_mismatch',
          `PayPal capture ${capture.id} is for ${captured.amount} ${captured.currency}, expected ${expected.amount} ${expected.currency}`,
        );
      }
      const refunded = refundedAmount(unit, capture, captured.amount, captured.currency);
      if (!refunded.ok) return refunded;
      const common =
        capture.status === 'PARTIALLY_REFUNDED' && refunded.value === 0
          ? 'partially_refunded'
          : statusFromRefunds(captured.amount, refunded.value);
      return {
        ok: true,
        value: { status: common, paymentReference: capture.id, amountPaid: captured.amount, amountRefunded: refunded.value },
      };
    }
    default: {
      const unknown: never = status;
      return unexpectedResponse(`unknown PayPal order status ${String(unknown)}`);
    }
  }
}

const REFUND_STATUSES: Readonly<Record<PaypalRefundStatus, CheckoutRefundResult['status']>> = {
  COMPLETED: 'succeeded',
  PENDING: 'pending',
  FAILED: 'failed',
  CANCELLED: 'failed',
};

/** Refund status → common; null for a status the spec does not list. */
export function paypalRefundStatus(status: string): CheckoutRefundResult['status'] | null {
  return Object.hasOwn(REFUND_STATUSES, status) ? REFUND_STATUSES[status as PaypalRefundStatus] : null;
}

/** A refund → the common result; `expectedCurrency` guards against reading another currency's amount. */
export function paypalRefundToResult(refund: PaypalRefund, expectedCurrency: string): PspResult<CheckoutRefundResult> {
  const money = fromPaypalMoney(refund.amount);
  const status = paypalRefundStatus(refund.status);
  if (!money || money.currency !== expectedCurrency || !status) {
    return unexpectedResponse(`PayPal refund ${refund.id} has no readable status or ${expectedCurrency} amount`);
  }
  return { ok: true, value: { reference: refund.id, status, amount: money.amount } };
}

/** PayPal error body → code (the first detail's issue, else the error name) and a short message without request values. */
export function describePaypalError(status: number, body: unknown): { code?: string; message?: string } {
  const parsed = PaypalErrorBody.safeParse(body);
  if (!parsed.success) return { message: `PayPal answered ${status}` };
  const b = parsed.data;
  const detail = b.details?.[0];
  const code = detail?.issue ?? b.name ?? b.error;
  const text = detail?.description ?? b.message ?? b.error_description ?? `PayPal answered ${status}`;
  const where = detail?.field ? ` (${detail.field})` : '';
  return { ...(code ? { code } : {}), message: `${b.name ?? b.error ?? status}: ${text}${where}`.slice(0, 300) };
}

export { unexpectedResponse };
