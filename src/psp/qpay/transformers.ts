import type { z } from 'zod';
import { decimalToMinor } from '../../domain/money';
import type { CheckoutInput, CheckoutSnapshot, CheckoutStatus, CreatedCheckout } from '../checkout';
import { invalidRequest, type PspResult, readAnswer, unexpectedResponse } from '../types';
import {
  type QpayCheckRequest,
  QpayErrorBody,
  QpayInvoice,
  QpayInvoiceCreated,
  type QpayInvoiceRequest,
  QpayPaymentCheck,
  type QpayPaymentStatus,
} from './wire';

export type { QpayPaymentStatus } from './wire';

/**
 * QPay requests built from the common model, and its answers (schemas in wire.ts) mapped back. Our amounts
 * are MNT minor units (ISO exponent 2), QPay's whole tugrik, so 1 tugrik = 100 minor.
 */
export const QPAY_CURRENCY = 'MNT';
const MNT_EXPONENT = 2;
const MINOR_PER_TUGRIK = 100;

export type QpayInvoiceSummary = { invoiceId: string; senderInvoiceNo: string | null; status: string; amount: number };

/** An answer we cannot read: not retryable (the same request gets the same answer), reported with its code. */
const unexpected = (what: string) => unexpectedResponse(`QPay answered an unexpected ${what}`);

/** `value` read with `schema`; another shape is an unexpected response naming where it differs, never a throw. */
export function readQpay<S extends z.ZodType>(schema: S, value: unknown, what: string): PspResult<z.output<S>> {
  return readAnswer(schema, value, (at) => `QPay answered an unexpected ${what}${at}`);
}

/** MNT minor units → whole tugrik; null when the amount has a sub-tugrik part QPay cannot take. */
export function toWholeTugrik(amountMinor: number): number | null {
  if (!Number.isSafeInteger(amountMinor) || amountMinor % MINOR_PER_TUGRIK !== 0) return null;
  return amountMinor / MINOR_PER_TUGRIK;
}

/** A QPay amount (tugrik, "10.00" or 10) → MNT minor units exactly; null for anything else. */
export function qpayAmountToMinor(value: unknown): number | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  return decimalToMinor(value, MNT_EXPONENT);
}

/**
 * `expiry_date` is sent as ISO 8601 in UTC (`2026-09-15T08:16:01.273Z`): the format GET /v2/invoice
 * returns it in (qpay-go's real response capture). qpay-go's comment says `YYYY-MM-DD HH:mm:ss` without a
 * zone; which one the create call prefers is unconfirmed, and the ISO form is at least unambiguous.
 */
export function toQpayExpiryDate(expiresAtMs: number): string {
  return new Date(expiresAtMs).toISOString();
}

export function toQpayInvoiceRequest(input: CheckoutInput, invoiceCode: string): PspResult<QpayInvoiceRequest> {
  if (input.currency !== QPAY_CURRENCY) return invalidRequest('currency_unsupported', 'QPay invoices are in MNT only');
  const amount = toWholeTugrik(input.amount);
  if (amount === null || amount <= 0) {
    return invalidRequest('amount_not_whole_mnt', 'QPay takes whole tugrik: the amount must be a positive multiple of 100 minor units');
  }
  return {
    ok: true,
    value: {
      invoice_code: invoiceCode,
      // Our session id (35 chars, within QPay's 45) routes the invoice back; QPay does not enforce its uniqueness.
      sender_invoice_no: input.sessionId,
      invoice_receiver_code: 'terminal',
      invoice_description: input.description,
      amount,
      callback_url: input.notificationUrl,
      enable_expiry: true,
      expiry_date: toQpayExpiryDate(input.expiresAt),
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep link as flat strings (name, description, logo, link): what the API passes on as it is. */
function stringFields(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function fromQpayInvoiceCreated(body: unknown, input: CheckoutInput): PspResult<CreatedCheckout> {
  const parsed = readQpay(QpayInvoiceCreated, body, 'invoice creation body');
  if (!parsed.ok) return parsed;
  const created = parsed.value;
  return {
    ok: true,
    value: {
      reference: created.invoice_id,
      checkoutUrl: created.qPay_shortUrl,
      expiresAt: input.expiresAt,
      details: {
        invoice_id: created.invoice_id,
        qr_text: created.qr_text ?? null,
        qr_image: created.qr_image ?? null,
        short_url: created.qPay_shortUrl,
        urls: (created.urls ?? []).filter(isObject).map(stringFields),
      },
    },
  };
}

export function toQpayCheckRequest(invoiceId: string): QpayCheckRequest {
  return { object_type: 'INVOICE', object_id: invoiceId, offset: { page_number: 1, page_limit: 100 } };
}

/** One row's status in the common set; exhaustive over the statuses QPay documents. */
export function qpayRowStatus(status: QpayPaymentStatus): CheckoutStatus {
  switch (status) {
    case 'NEW':
    case 'PENDING':
      return 'processing';
    case 'PAID':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'REFUNDED':
      return 'refunded';
    default: {
      const unknown: never = status;
      throw new Error(`unknown QPay payment status ${String(unknown)}`);
    }
  }
}

/**
 * The session as POST /v2/payment/check shows it; `null` when there are no rows (the invoice itself then
 * says open, canceled or expired). Amounts come from the rows: captured = PAID + REFUNDED rows, refunded =
 * REFUNDED rows, so refunded/partially_refunded follow from amounts. `paid_amount` (absent → the PAID rows'
 * sum) must reach the invoice amount for `succeeded`; a PAID row below it reads as `processing`.
 */
export function snapshotFromPaymentCheck(body: unknown, invoiceAmountMinor: number): PspResult<CheckoutSnapshot | null> {
  const parsed = readQpay(QpayPaymentCheck, body, 'payment check body');
  if (!parsed.ok) return parsed;
  const check = parsed.value;
  let captured = 0;
  let refunded = 0;
  let paidRows = 0;
  let paymentReference: string | null = null;
  let pending = false;
  let failed = false;
  for (const row of check.rows) {
    const amount = qpayAmountToMinor(row.payment_amount);
    if (amount === null || amount < 0) return unexpected('payment amount');
    if (row.payment_currency !== undefined && row.payment_currency !== QPAY_CURRENCY) return unexpected('payment currency');
    const status = qpayRowStatus(row.payment_status);
    const id = row.payment_id === undefined || row.payment_id === null ? null : String(row.payment_id);
    if (status === 'succeeded' || status === 'refunded') {
      captured += amount;
      paymentReference ??= id;
      if (status === 'succeeded') paidRows += amount;
      else refunded += amount;
    } else if (status === 'processing') pending = true;
    else failed = true;
  }
  if (refunded > 0) {
    return {
      ok: true,
      value: {
        status: refunded >= captured ? 'refunded' : 'partially_refunded',
        paymentReference,
        amountPaid: captured,
        amountRefunded: refunded,
      },
    };
  }
  if (captured > 0) {
    const reported = check.paid_amount === undefined || check.paid_amount === null ? paidRows : qpayAmountToMinor(check.paid_amount);
    if (reported === null) return unexpected('paid_amount');
    const status: CheckoutStatus = reported >= invoiceAmountMinor ? 'succeeded' : 'processing';
    return { ok: true, value: { status, paymentReference, amountPaid: captured, amountRefunded: 0 } };
  }
  if (pending) return { ok: true, value: { status: 'processing', paymentReference: null, amountPaid: 0, amountRefunded: 0 } };
  if (failed) return { ok: true, value: { status: 'failed', paymentReference: null, amountPaid: 0, amountRefunded: 0 } };
  return { ok: true, value: null };
}

function parseInvoice(body: unknown): PspResult<QpayInvoice & { amountMinor: number }> {
  const parsed = readQpay(QpayInvoice, body, 'invoice body');
  if (!parsed.ok) return parsed;
  const invoice = parsed.value;
  const amountMinor = qpayAmountToMinor(invoice.total_amount ?? invoice.gross_amount);
  if (amountMinor === null) return unexpected('invoice amount');
  return { ok: true, value: { ...invoice, amountMinor } };
}

/**
 * An unpaid invoice's status (no payment rows): CANCELED/CANCELLED → canceled; `enable_expiry` with a past
 * `expiry_date` → expired (without enable_expiry the date is not enforced); otherwise open. A CLOSED
 * invoice without any payment row is no longer payable: read as expired (unconfirmed; QPay does not
 * document when it closes an unpaid invoice).
 */
export function snapshotFromInvoice(body: unknown, nowMs: number): PspResult<CheckoutSnapshot> {
  const parsed = parseInvoice(body);
  if (!parsed.ok) return parsed;
  const invoice = parsed.value;
  const unpaid = (status: CheckoutStatus): PspResult<CheckoutSnapshot> => ({
    ok: true,
    value: { status, paymentReference: null, amountPaid: 0, amountRefunded: 0 },
  });
  const status = invoice.invoice_status.toUpperCase();
  if (status === 'CANCELED' || status === 'CANCELLED') return unpaid('canceled');
  if (status === 'CLOSED') return unpaid('expired');
  if (invoice.enable_expiry === true && invoice.expiry_date !== undefined) {
    const expiry = Date.parse(invoice.expiry_date);
    if (Number.isNaN(expiry)) return unexpected('expiry_date');
    if (expiry <= nowMs) return unpaid('expired');
  }
  return unpaid('open');
}

export function toInvoiceSummary(body: unknown): PspResult<QpayInvoiceSummary> {
  const parsed = parseInvoice(body);
  if (!parsed.ok) return parsed;
  const invoice = parsed.value;
  return {
    ok: true,
    value: {
      invoiceId: invoice.invoice_id,
      senderInvoiceNo: invoice.sender_invoice_no ?? null,
      status: invoice.invoice_status,
      amount: invoice.amountMinor,
    },
  };
}

/** QPay's error body `{ error | error_code, message }` → code and a short message with anything token-like removed. */
export function describeQpayError(status: number, body: unknown): { code?: string; message?: string } {
  const parsed = QpayErrorBody.safeParse(body);
  if (!parsed.success) return { message: `QPay answered ${status}` };
  const error = parsed.data;
  const rawCode = error.error_code ?? error.error;
  const code = rawCode && /^[A-Z0-9_]{1,64}$/.test(rawCode) ? rawCode : undefined;
  const text = error.message === undefined ? '' : redact(error.message).slice(0, 200);
  return {
    ...(code ? { code } : {}),
    message: `QPay answered ${status}${code ? ` ${code}` : ''}${text && text !== code ? `: ${text}` : ''}`,
  };
}

function redact(text: string): string {
  return text.replace(/(Bearer|Basic)\s+\S+/gi, '$1 [redacted]').replace(/[A-Za-z0-9._~+/=-]{32,}/g, '[redacted]');
}
