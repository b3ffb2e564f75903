import type { z } from 'zod';
import { currencyExponent, decimalToMinor, minorToDecimalString } from '../../domain/money';
import type { CheckoutInput, CheckoutRefundResult, CheckoutSnapshot, CheckoutStatus, CreatedCheckout } from '../checkout';
import type { PspResult } from '../types';
import { invalidRequest as invalid, readAnswer, unexpectedResponse } from '../types';
import {
  MercadoPagoErrorBody,
  MercadoPagoErrorCause,
  MercadoPagoPayment,
  type MercadoPagoPaymentStatus,
  MercadoPagoPreference,
  type MercadoPagoPreferenceRequest,
  MercadoPagoRefund,
  type MercadoPagoRefundStatus,
} from './wire';

/**
 * A 2xx body read with its schema; another shape is an unexpected response (not retryable: asking again
 * replays the same answer), named by the first field that does not fit.
 */
export function readMercadoPago<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `MercadoPago answered a ${what} we cannot read${at}`);
}

/**
 * Whole-unit-only currencies at MercadoPago: **unconfirmed**. CLP has no decimals in ISO
 * anyway; COP is taken as whole pesos only (the documented-most-likely rule), so a COP amount with cents is
 * refused rather than sent and rejected or rounded.
 */
export const MERCADOPAGO_WHOLE_UNIT_CURRENCIES: ReadonlySet<string> = new Set(['CLP', 'COP']);

function exponentOf(currency: string): number | null {
  const result = currencyExponent(currency);
  return result.ok && currency === currency.toUpperCase() ? result.value : null;
}

/**
 * Minor units → the JSON number of major units MercadoPago expects (1050 USD → 10.5), built from the exact
 * decimal string. Null when the currency is unsupported, the amount has cents a whole-unit currency cannot
 * take, or the number would not read back to exactly the same amount.
 */
export function toMercadoPagoNumber(amount: number, currency: string): number | null {
  const exponent = exponentOf(currency);
  if (exponent === null || !Number.isSafeInteger(amount)) return null;
  if (MERCADOPAGO_WHOLE_UNIT_CURRENCIES.has(currency) && amount % 10 ** exponent !== 0) return null;
  const value = Number(minorToDecimalString(amount, exponent));
  return decimalToMinor(value, exponent) === amount ? value : null;
}

/** A MercadoPago number back to minor units, exactly (10.505 USD is a mismatch, not 1051). */
export function fromMercadoPagoNumber(value: unknown, currency: string): number | null {
  const exponent = exponentOf(currency);
  if (exponent === null || typeof value !== 'number') return null;
  return decimalToMinor(value, exponent);
}

/** ISO 8601 with an explicit offset, as MercadoPago documents expiration dates (2026-02-01T12:00:00.000+00:00). */
export function mercadoPagoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+00:00');
}

/** POST /checkout/preferences: one item for the whole amount; our sessionId is item id and external_reference. */
export function buildPreferenceRequest(input: CheckoutInput): PspResult<MercadoPagoPreferenceRequest> {
  const unitPrice = toMercadoPagoNumber(input.amount, input.currency);
  if (unitPrice === null) return invalid('unsupported_amount', `MercadoPago cannot take ${input.amount} minor units of ${input.currency}`);
  return {
    ok: true,
    value: {
      items: [{ id: input.sessionId, title: input.description, quantity: 1, unit_price: unitPrice, currency_id: input.currency }],
      back_urls: { success: input.successUrl, failure: input.cancelUrl, pending: input.successUrl },
      auto_return: 'approved',
      external_reference: input.sessionId,
      notification_url: input.notificationUrl,
      expires: true,
      expiration_date_to: mercadoPagoDate(input.expiresAt),
      metadata: { ...input.metadata },
      ...(input.customerEmail ? { payer: { email: input.customerEmail } } : {}),
    },
  };
}

/** Test credentials (`TEST-…`) pay on sandbox_init_point; live ones on init_point. */
export function preferenceToCreated(body: unknown, expiresAt: number, testCredentials: boolean): PspResult<CreatedCheckout> {
  const read = readMercadoPago(MercadoPagoPreference, body, 'preference');
  if (!read.ok) return read;
  const p = read.value;
  const url = testCredentials ? (p.sandbox_init_point ?? p.init_point) : p.init_point;
  if (!url) return unexpectedResponse('MercadoPago preference without init_point');
  return { ok: true, value: { reference: p.id, checkoutUrl: url, expiresAt, details: {} } };
}

/** A preference without a payment: open until expiration_date_to when `expires` is set, then expired. */
export function preferenceToSnapshot(body: unknown, now: number): PspResult<CheckoutSnapshot> {
  const read = readMercadoPago(MercadoPagoPreference, body, 'preference');
  if (!read.ok) return read;
  const p = read.value;
  const end = p.expires && p.expiration_date_to ? Date.parse(p.expiration_date_to) : Number.NaN;
  const status: CheckoutStatus = Number.isFinite(end) && now >= end ? 'expired' : 'open';
  return { ok: true, value: { status, paymentReference: null, amountPaid: 0, amountRefunded: 0 } };
}

/**
 * Exhaustive over payment statuses. refunded/partially_refunded come from the amounts
 * (status_detail "partially_refunded" is honoured when the amount is missing). charged_back maps to
 * refunded; the common model has no dispute flag yet.
 */
export function mercadoPagoStatusToCommon(
  status: MercadoPagoPaymentStatus,
  statusDetail: string | null | undefined,
  paid: number,
  refunded: number,
): CheckoutStatus {
  switch (status) {
    case 'pending':
    case 'in_process':
    case 'authorized':
    case 'in_mediation':
      return 'processing';
    case 'approved':
      if (paid > 0 && refunded >= paid) return 'refunded';
      if (refunded > 0 || statusDetail === 'partially_refunded') return 'partially_refunded';
      return 'succeeded';
    case 'rejected':
      return 'failed';
    case 'cancelled':
      // The status_detail value for an expired payment ("expired") is **unconfirmed**.
      return statusDetail === 'expired' ? 'expired' : 'canceled';
    case 'refunded':
    case 'charged_back':
      return 'refunded';
    default: {
      const unknown: never = status;
      throw new Error(`unknown MercadoPago payment status ${String(unknown)}`);
    }
  }
}

const CAPTURED: ReadonlySet<CheckoutStatus> = new Set(['succeeded', 'partially_refunded', 'refunded']);

export type MercadoPagoPaymentView = CheckoutSnapshot & { externalReference: string | null; amount: number; currency: string };

/** A payment → snapshot with exact amounts (unknown status or inexact amount → unexpected_response). */
export function paymentToView(body: unknown): PspResult<MercadoPagoPaymentView> {
  const read = readMercadoPago(MercadoPagoPayment, body, 'payment');
  if (!read.ok) return read;
  const p = read.value;
  const amount = fromMercadoPagoNumber(p.transaction_amount, p.currency_id);
  const refunded = p.transaction_amount_refunded == null ? 0 : fromMercadoPagoNumber(p.transaction_amount_refunded, p.currency_id);
  if (amount === null || refunded === null)
    return unexpectedResponse(`MercadoPago payment ${p.id} amount is not exact in ${p.currency_id}`);
  const common = mercadoPagoStatusToCommon(p.status, p.status_detail, amount, refunded);
  return {
    ok: true,
    value: {
      status: common,
      paymentReference: String(p.id),
      amountPaid: CAPTURED.has(common) ? amount : 0,
      amountRefunded: refunded,
      externalReference: p.external_reference || null,
      amount,
      currency: p.currency_id,
    },
  };
}

/** Refund status map: approved → succeeded, in_process → pending, rejected → failed. */
export function mercadoPagoRefundStatus(status: MercadoPagoRefundStatus): CheckoutRefundResult['status'] {
  switch (status) {
    case 'approved':
      return 'succeeded';
    case 'in_process':
      return 'pending';
    case 'rejected':
      return 'failed';
    default: {
      const unknown: never = status;
      throw new Error(`unknown MercadoPago refund status ${String(unknown)}`);
    }
  }
}

export function refundToResult(body: unknown, currency: string): PspResult<CheckoutRefundResult> {
  const read = readMercadoPago(MercadoPagoRefund, body, 'refund');
  if (!read.ok) return read;
  const r = read.value;
  const amount = fromMercadoPagoNumber(r.amount, currency);
  if (amount === null) return unexpectedResponse('MercadoPago refund amount is not exact');
  return { ok: true, value: { reference: String(r.id), status: mercadoPagoRefundStatus(r.status), amount } };
}

/** Error body → code (first cause's code, else `error`) and message; MercadoPago never echoes the token. */
export function describeMercadoPagoError(status: number, body: unknown): { code?: string; message?: string } {
  const parsed = MercadoPagoErrorBody.safeParse(body);
  if (!parsed.success) return { message: `MercadoPago answered ${status}` };
  const e = parsed.data;
  const first = e.cause?.[0];
  const read = first === undefined ? undefined : MercadoPagoErrorCause.safeParse(first);
  const cause = read?.success ? read.data : undefined;
  const code = cause?.code !== undefined && cause.code !== null ? String(cause.code) : e.error;
  const text = cause?.description || e.message;
  return { ...(code ? { code } : {}), message: text ? `MercadoPago: ${text}` : `MercadoPago answered ${status}` };
}

export { unexpectedResponse };
