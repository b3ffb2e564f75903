import type { z } from 'zod';
import { currencyExponent, decimalToMinor, minorToDecimalString } from '../../domain/money';
import type { CheckoutInput, CheckoutRefundResult, CheckoutSnapshot, CheckoutStatus } from '../checkout';
import type { PspFailure, PspResult } from '../types';
import { invalidRequest as invalid, readAnswer, unexpectedResponse } from '../types';
import { TilopayConsultAnswer, type TilopayConsultRow, TilopayErrorBody, TilopayModificationAnswer } from './wire';

export type { TilopayConsultRow } from './wire';

/**
 * Tilopay wire formats (no OpenAPI: Tilopay's Postman collection and community code). Amounts are
 * strings in major units with exactly two decimals ("10.50"; CRC too; zero-decimal currencies as "500.00").
 * Much of the API is **unconfirmed**; each assumption is named where it is made.
 */
export type TilopayPaymentRequest = {
  redirect: string;
  key: string;
  amount: string;
  currency: string;
  orderNumber: string;
  capture: '1' | '0';
  subscription: '1' | '0';
  billToFirstName: string;
  billToLastName: string;
  billToAddress: string;
  billToAddress2: string;
  billToCity: string;
  billToState: string;
  billToZipPostCode: string;
  billToCountry: string;
  billToTelephone: string;
  billToEmail: string;
  platform: string;
  returnData: string;
  hashVersion: 'V2';
};

export type TilopayConsultRequest = { key: string; orderNumber: string; merchantId: '' };
export type TilopayModificationRequest = { orderNumber: string; type: '2'; amount: string; key: string; hashVersion: 'V2' };

/** The billTo* fields Tilopay's docs call required; we have no customer address, so '' unless metadata carries one. */
export const TILOPAY_BILL_TO_FIELDS = [
  'billToFirstName',
  'billToLastName',
  'billToAddress',
  'billToAddress2',
  'billToCity',
  'billToState',
  'billToZipPostCode',
  'billToCountry',
  'billToTelephone',
] as const;

/** Currencies with ISO exponent 0 or 2 fit Tilopay's two-decimal strings; three-decimal ones do not. */
function exponentOf(currency: string): number | null {
  const exp = currencyExponent(currency);
  return exp.ok && (exp.value === 0 || exp.value === 2) ? exp.value : null;
}

export function toTilopayAmount(amount: number, currency: string): PspResult<string> {
  const exp = exponentOf(currency);
  if (exp === null) return invalid('unsupported_currency', `Tilopay amounts have two decimals; ${currency} cannot be sent`);
  if (!Number.isSafeInteger(amount) || amount <= 0) return invalid('invalid_amount', 'amount must be a positive integer of minor units');
  return { ok: true, value: exp === 0 ? `${minorToDecimalString(amount, 0)}.00` : minorToDecimalString(amount, 2) };
}

/** A Tilopay amount as hundredths of the major unit, whatever the currency ("1,234.50" → 123450); null when not exact. */
export function tilopayHundredths(value: string | number | undefined): number | null {
  return value === undefined || value === '' ? null : decimalToMinor(value, 2);
}

/** A Tilopay amount ("10.50", "1,234.50", 10.5) → minor units of `currency`; null when not exact. */
export function fromTilopayAmount(value: string | number | undefined, currency: string): number | null {
  const exp = exponentOf(currency);
  if (exp === null || value === undefined || value === '') return null;
  const cents = decimalToMinor(value, 2);
  if (cents === null) return null;
  if (exp === 2) return cents;
  return cents % 100 === 0 ? cents / 100 : null;
}

/** PHP number_format($amount, 2) of an amount in hundredths: "1,234.50" (OrderHash V2 message). */
export function phpNumberFormat2(hundredths: number): string {
  const text = minorToDecimalString(hundredths, 2);
  const [whole = '0', fraction = '00'] = text.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${hundredths < 0 ? '-' : ''}${grouped}.${fraction}`;
}

/** PHP urlencode: RFC 1738 (space → "+", everything but A-Z a-z 0-9 - _ . percent-encoded). */
export function phpUrlencode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * OrderHash V2 (community code mirroring the WooCommerce plugin; **unconfirmed** by Tilopay):
 * hex HMAC-SHA256 with key `${tpt}|${apiKey}|${apiPassword}` over this query string. As in that code, the
 * amount is number_format'ed (2 decimals, "," thousands) and not percent-encoded; only the email is url-encoded.
 */
export function tilopayOrderHashMessage(p: {
  apiKey: string;
  apiUser: string;
  tpt: string;
  orderNumber: string;
  hundredths: number;
  currency: string;
  code: string;
  auth: string;
  email: string;
}): string {
  return (
    `api_Key=${p.apiKey}&api_user=${p.apiUser}&orderId=${p.tpt}&external_orden_id=${p.orderNumber}` +
    `&amount=${phpNumberFormat2(p.hundredths)}&currency=${p.currency}&responseCode=${p.code}&auth=${p.auth}&email=${phpUrlencode(p.email)}`
  );
}

export const tilopayOrderHashKey = (tpt: string, apiKey: string, apiPassword: string) => `${tpt}|${apiKey}|${apiPassword}`;

export function buildTilopayPaymentRequest(input: CheckoutInput, apiKey: string): PspResult<TilopayPaymentRequest> {
  // Tilopay requires billToEmail; without it the hosted page cannot be created.
  const email = input.customerEmail?.trim();
  if (!email) return invalid('customer_email_required', 'Tilopay needs the customer email (billToEmail)');
  if (!/^[A-Za-z0-9]+$/.test(input.sessionId)) return invalid('invalid_session_id', 'Tilopay order numbers are alphanumeric');
  const amount = toTilopayAmount(input.amount, input.currency);
  if (!amount.ok) return amount;
  const billTo = Object.fromEntries(
    TILOPAY_BILL_TO_FIELDS.map((f) => [f, typeof input.metadata[f] === 'string' ? input.metadata[f] : '']),
  ) as Record<(typeof TILOPAY_BILL_TO_FIELDS)[number], string>;
  return {
    ok: true,
    value: {
      // Our notification URL: the payer's browser comes back there by GET; we verify, then send the payer on.
      redirect: input.notificationUrl,
      key: apiKey,
      amount: amount.value,
      currency: input.currency,
      // Our session id is the order number (unique per attempt, alphanumeric): it routes the redirect back.
      orderNumber: input.sessionId,
      capture: '1',
      subscription: '0',
      ...billTo,
      billToEmail: email,
      platform: 'edgepay',
      returnData: btoa(input.sessionId),
      hashVersion: 'V2',
    },
  };
}

/** Codes: "1" approved, "Pending" (SINPE Móvil) in progress, "8" cancelled, anything else declined (**unconfirmed** table). */
export function tilopayCodeOutcome(code: string | number | undefined): 'approved' | 'pending' | 'canceled' | 'declined' {
  const c = String(code ?? '').trim();
  if (c === '1') return 'approved';
  if (c.toLowerCase() === 'pending') return 'pending';
  if (c === '8') return 'canceled';
  return 'declined';
}

export function statusFromRefunds(paid: number, refunded: number): CheckoutStatus {
  if (refunded <= 0) return 'succeeded';
  return refunded >= paid ? 'refunded' : 'partially_refunded';
}

/** One consult row → payment state. `refunded` absent means nothing refunded (the field is the sandbox's, **unconfirmed**). */
export function tilopayRowToPayment(row: TilopayConsultRow): PspResult<CheckoutSnapshot & { currency: string }> {
  const currency = typeof row.currency === 'string' ? row.currency : '';
  const paymentReference = row.tpt === undefined || row.tpt === '' ? null : String(row.tpt);
  const outcome = tilopayCodeOutcome(row.code);
  if (outcome !== 'approved') {
    const status: CheckoutStatus = outcome === 'pending' ? 'processing' : outcome === 'canceled' ? 'canceled' : 'failed';
    return { ok: true, value: { status, paymentReference, amountPaid: 0, amountRefunded: 0, currency } };
  }
  const paid = fromTilopayAmount(row.amount, currency);
  const refunded = row.refunded === undefined ? 0 : fromTilopayAmount(row.refunded, currency);
  if (paid === null || refunded === null)
    return unexpectedResponse(`Tilopay consult row for ${row.orderNumber ?? '?'} has an unreadable amount`);
  return {
    ok: true,
    value: { status: statusFromRefunds(paid, refunded), paymentReference, amountPaid: paid, amountRefunded: refunded, currency },
  };
}

/** The row that decides a session: an approved one, else one in progress, else the latest attempt. */
export function decisiveRow(rows: TilopayConsultRow[]): TilopayConsultRow | null {
  return (
    rows.find((r) => tilopayCodeOutcome(r.code) === 'approved') ??
    rows.find((r) => tilopayCodeOutcome(r.code) === 'pending') ??
    rows[rows.length - 1] ??
    null
  );
}

/**
 * Consult rows → snapshot. No rows: the payer has not paid yet (open; Tilopay documents no expiry).
 * An approved row whose amount or currency differs from the session is not our payment: failed (the table requires
 * the match for succeeded), with nothing counted as paid.
 */
export function tilopayRowsToSnapshot(
  rows: TilopayConsultRow[],
  expected: { amount: number; currency: string },
): PspResult<CheckoutSnapshot> {
  const row = decisiveRow(rows);
  if (!row) return { ok: true, value: { status: 'open', paymentReference: null, amountPaid: 0, amountRefunded: 0 } };
  const payment = tilopayRowToPayment(row);
  if (!payment.ok) return payment;
  const { currency, ...snapshot } = payment.value;
  if (tilopayCodeOutcome(row.code) === 'approved' && (currency !== expected.currency || snapshot.amountPaid !== expected.amount)) {
    return { ok: true, value: { status: 'failed', paymentReference: snapshot.paymentReference, amountPaid: 0, amountRefunded: 0 } };
  }
  return { ok: true, value: snapshot };
}

/** An answer parsed with `schema`; another shape is an unexpected response (a value, not retryable), never a crash. */
export function readTilopay<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `Tilopay answered a ${what} we cannot read${at}`);
}

/** Consult answer → its rows: [] when it has none (no attempt yet). */
export function readTilopayConsult(body: unknown): PspResult<TilopayConsultRow[]> {
  const answer = readTilopay(TilopayConsultAnswer, body, 'consult');
  return answer.ok ? { ok: true, value: answer.value.response ?? [] } : answer;
}

/** The rows of a consult answer, null when it is not one. */
export function consultRows(body: unknown): TilopayConsultRow[] | null {
  const rows = readTilopayConsult(body);
  return rows.ok ? rows.value : null;
}

/** processModification → refund result: response "1" applied (**unconfirmed** shape), anything else refused. */
export function tilopayModificationToRefund(
  body: unknown,
  fallback: { reference: string; amount: number; currency: string },
): PspResult<CheckoutRefundResult> {
  const read = readTilopay(TilopayModificationAnswer, body, 'refund');
  if (!read.ok) return read;
  const b = read.value;
  const applied = String(b.type ?? '') === '200' && String(b.response ?? '') === '1';
  const amount = b.amount === undefined ? fallback.amount : fromTilopayAmount(b.amount, fallback.currency);
  if (amount === null) return unexpectedResponse('Tilopay refund answered an unreadable amount');
  const reference = b.tpt === undefined || b.tpt === '' ? fallback.reference : String(b.tpt);
  return { ok: true, value: { reference, status: applied ? 'succeeded' : 'failed', amount } };
}

/**
 * A `type` field with an error code in a 2xx answer (the consult's `type: "200"` suggests Tilopay may report
 * errors that way — **unconfirmed**): the failure that HTTP status would have been.
 */
export function tilopayBodyFailure(body: unknown): PspFailure | null {
  const parsed = TilopayErrorBody.safeParse(body);
  if (!parsed.success) return null;
  const b = parsed.data;
  const type = Number(b.type);
  if (!Number.isInteger(type) || type < 400) return null;
  const message = `Tilopay: ${String(b.message ?? b.description ?? `type ${type}`)}`.slice(0, 300);
  const code = `tilopay_${type}`;
  if (type === 401 || type === 403) return { kind: 'authentication', retryable: false, status: type, code, message };
  if (type >= 500) return { kind: 'unavailable', retryable: true, status: type, code, message };
  return { kind: 'invalid_request', retryable: false, status: type, code, message };
}

/** Tilopay error bodies (`{ type, message }` in the sandbox; **unconfirmed**) → code and message. */
export function describeTilopayError(status: number, body: unknown): { code?: string; message?: string } {
  const parsed = TilopayErrorBody.safeParse(body);
  if (!parsed.success) return { message: `Tilopay answered ${status}` };
  const b = parsed.data;
  const text = b.message ?? b.description;
  return { code: `tilopay_${String(b.type ?? status)}`, message: `Tilopay: ${String(text ?? `answered ${status}`)}`.slice(0, 300) };
}

export { unexpectedResponse };
