import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { SandboxContext } from '../types.ts';
import type { Grant } from './auth.ts';
import { QpayFailure } from './errors.ts';
import { emvQrText, qrPngBase64 } from './qr.ts';

/**
 * QPay v2 invoices and payments, kept in memory per merchant (client id).
 * Decisions where QPay is unconfirmed:
 * - `invoice_status` after payment is `CLOSED` (qpay-go lists OPEN, CLOSED, CANCELLED); after cancel it is
 *   `CANCELED` (single L, as observed). Expiry does not change the status: `enable_expiry` with a past
 *   `expiry_date` only makes the invoice unpayable, and clients read it from those two fields.
 * - Not found answers 422 (`NOT_FOUND_ERROR` in QPay's status table) with INVOICE_NOTFOUND / PAYMENT_NOTFOUND.
 * - Refund and card cancel answer 200 `{}` and turn the row into `REFUNDED` (qpay-go's status list has no
 *   cancelled value). Both are allowed on any PAID payment.
 * - `expiry_date` is accepted as ISO 8601 or as `YYYY-MM-DD HH:mm:ss`, read in Ulaanbaatar time (UTC+8).
 */
export const QPAY_TEST_INVOICE_CODE = 'TEST_INVOICE';
const MAX_CODE = 45;
const MAX_DESCRIPTION = 255;
const DEFAULT_EXPIRY_MS = 24 * 3600 * 1000;

export type QpayInvoiceStatus = 'OPEN' | 'CANCELED' | 'CLOSED';
export type QpayRowStatus = 'PAID' | 'REFUNDED';

export type Invoice = {
  invoice_id: string;
  clientId: string;
  invoice_code: string;
  sender_invoice_no: string;
  invoice_receiver_code: string;
  invoice_description: string;
  /** Whole tugrik. */
  amount: number;
  callback_url: string;
  enable_expiry: boolean;
  expiry_date: string;
  status: QpayInvoiceStatus;
  qr_text: string;
  payments: string[];
  /** The last part of qPay_shortUrl (/qpay/s/<code>), the page a payer opens to pay. */
  shortCode: string;
};

export type Payment = {
  payment_id: string;
  invoice_id: string;
  clientId: string;
  status: QpayRowStatus;
  amount: number;
  wallet: string;
  date: string;
  note: string | null;
};

export type QpayState = { invoices: Map<string, Invoice>; payments: Map<string, Payment> };
export const emptyQpayState = (): QpayState => ({ invoices: new Map(), payments: new Map() });

export type Op = { ctx: SandboxContext; state: QpayState; grant: Grant; body: unknown };
export type Result = { status: number; body: unknown };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string) => new QpayFailure(400, 'VALIDATION_ERROR', message);
/** Tugrik as QPay's string amounts show them ("10000.00"). */
const money = (tugrik: number) => tugrik.toFixed(2);

function requiredText(body: Obj, field: string, max: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${field} is required`);
  if (value.length > max) throw invalid(`${field} must be at most ${max} characters`);
  return value;
}

/** ISO 8601 with a zone, or `YYYY-MM-DD HH:mm:ss` in Ulaanbaatar time; null when neither. */
export function parseQpayDate(text: string): number | null {
  const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text);
  if (local) return Date.parse(`${local[1]}T${local[2]}+08:00`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

const expiryMs = (invoice: Invoice) => parseQpayDate(invoice.expiry_date) ?? Number.POSITIVE_INFINITY;
export const isExpired = (invoice: Invoice, now: number) => invoice.enable_expiry && expiryMs(invoice) <= now;

function deeplinks(ctx: SandboxContext, qrText: string) {
  const apps: Array<[name: string, description: string, scheme: string]> = [
    ['qPay wallet', 'qPay хэтэвч', 'qpaywallet'],
    ['Khan bank', 'Хаан банк', 'khanbank'],
    ['State bank', 'Төрийн банк', 'statebank'],
    ['Xac bank', 'Хас банк', 'xacbank'],
    ['Trade and Development bank', 'TDB online', 'tdbbank'],
    ['Social Pay', 'Голомт банк', 'socialpay-payment'],
    ['Most money', 'МОСТ мони', 'most'],
  ];
  return apps.map(([name, description, scheme]) => ({
    name,
    description,
    logo: `${ctx.sandboxUrl}/qpay/logos/${scheme}.png`,
    link: `${scheme}://q?qPay_QRcode=${encodeURIComponent(qrText)}`,
  }));
}

export function createInvoice(op: Op): Result {
  const body = op.body;
  if (!isObject(body)) throw invalid('request body must be a JSON object');
  if (body.invoice_code !== QPAY_TEST_INVOICE_CODE) throw new QpayFailure(400, 'INVOICE_CODE_INVALID');
  const sender_invoice_no = requiredText(body, 'sender_invoice_no', MAX_CODE);
  const invoice_receiver_code = requiredText(body, 'invoice_receiver_code', MAX_CODE);
  const invoice_description = requiredText(body, 'invoice_description', MAX_DESCRIPTION);
  const amount = body.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new QpayFailure(400, 'INVALID_AMOUNT', 'amount must be a positive whole number of tugrik');
  }
  const callback_url = requiredText(body, 'callback_url', 2048);
  if (!URL.canParse(callback_url) || !/^https?:$/.test(new URL(callback_url).protocol))
    throw invalid('callback_url must be an http(s) URL');
  if (body.enable_expiry !== undefined && typeof body.enable_expiry !== 'boolean') throw invalid('enable_expiry must be a boolean');
  const now = op.ctx.now();
  let expiry_date = new Date(now + DEFAULT_EXPIRY_MS).toISOString();
  if (body.expiry_date !== undefined && body.expiry_date !== null) {
    const ms = typeof body.expiry_date === 'string' ? parseQpayDate(body.expiry_date) : null;
    if (ms === null) throw invalid('expiry_date must be a date (YYYY-MM-DD HH:mm:ss or ISO 8601)');
    expiry_date = new Date(ms).toISOString();
  }
  const invoice_id = randomUUID();
  const invoice: Invoice = {
    invoice_id,
    clientId: op.grant.clientId,
    invoice_code: QPAY_TEST_INVOICE_CODE,
    sender_invoice_no,
    invoice_receiver_code,
    invoice_description,
    amount,
    callback_url,
    enable_expiry: body.enable_expiry === true,
    expiry_date,
    status: 'OPEN',
    qr_text: emvQrText(invoice_id, amount),
    payments: [],
    shortCode: randomBytes(8).toString('base64url'),
  };
  op.state.invoices.set(invoice_id, invoice);
  return {
    status: 200,
    body: {
      invoice_id,
      qr_text: invoice.qr_text,
      qr_image: qrPngBase64(invoice.qr_text),
      qPay_shortUrl: `${op.ctx.sandboxUrl}/qpay/s/${invoice.shortCode}`,
      urls: deeplinks(op.ctx, invoice.qr_text),
    },
  };
}

function ownInvoice(op: Op, id: string): Invoice {
  const invoice = op.state.invoices.get(id);
  if (!invoice || invoice.clientId !== op.grant.clientId) throw new QpayFailure(422, 'INVOICE_NOTFOUND');
  return invoice;
}

function ownPayment(op: Op, id: string): Payment {
  const payment = op.state.payments.get(id);
  if (!payment || payment.clientId !== op.grant.clientId) throw new QpayFailure(422, 'PAYMENT_NOTFOUND');
  return payment;
}

/** The shape of a real GET /v2/invoice/{id} body (qpay-go's production capture): money as "10.00" and as numbers. */
export function getInvoice(op: Op, id: string): Result {
  const invoice = ownInvoice(op, id);
  return {
    status: 200,
    body: {
      invoice_id: invoice.invoice_id,
      invoice_status: invoice.status,
      sender_invoice_no: invoice.sender_invoice_no,
      sender_branch_code: null,
      sender_branch_data: null,
      sender_staff_code: null,
      sender_staff_data: null,
      sender_terminal_code: null,
      sender_terminal_data: null,
      invoice_description: invoice.invoice_description,
      invoice_due_date: null,
      enable_expiry: invoice.enable_expiry,
      expiry_date: invoice.expiry_date,
      allow_partial: false,
      minimum_amount: null,
      allow_exceed: false,
      maximum_amount: null,
      total_amount: money(invoice.amount),
      gross_amount: invoice.amount,
      tax_amount: 0,
      surcharge_amount: 0,
      discount_amount: 0,
      callback_url: invoice.callback_url,
      note: null,
      lines: [
        {
          tax_product_code: null,
          line_description: invoice.invoice_description,
          line_quantity: '1.00',
          line_unit_price: money(invoice.amount),
          note: '',
          discounts: [],
          surcharges: [],
          taxes: [],
        },
      ],
      transactions: [],
      inputs: [],
    },
  };
}

const paid = (op: Op, invoice: Invoice) => invoice.payments.some((id) => op.state.payments.get(id)?.status === 'PAID');

export function cancelInvoice(op: Op, id: string): Result {
  const invoice = ownInvoice(op, id);
  if (invoice.status === 'CANCELED') throw new QpayFailure(400, 'INVOICE_ALREADY_CANCELED');
  if (invoice.status === 'CLOSED' || paid(op, invoice)) throw new QpayFailure(400, 'INVOICE_PAID');
  invoice.status = 'CANCELED';
  return { status: 200, body: {} };
}

function row(payment: Payment) {
  return {
    payment_id: payment.payment_id,
    payment_status: payment.status,
    payment_amount: money(payment.amount),
    trx_fee: '0.00',
    payment_currency: 'MNT',
    payment_wallet: payment.wallet,
    payment_type: 'P2P',
    next_payment_date: null,
    next_payment_datetime: null,
    payment_date: payment.date,
    card_transactions: [],
    p2p_transactions: [
      {
        transaction_bank_code: '050000',
        account_bank_code: '050000',
        account_bank_name: 'Khan bank',
        account_number: '5000000000',
        status: 'SUCCESS',
        amount: money(payment.amount),
        currency: 'MNT',
        settlement_status: 'SETTLED',
      },
    ],
  };
}

function positiveInt(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw invalid(`${field} must be an integer in [1, ${max}]`);
  return value;
}

/** POST /v2/payment/check: `{ count, rows }`, plus `paid_amount` (a number of tugrik) once something is PAID. */
export function checkPayment(op: Op): Result {
  const body = op.body;
  if (!isObject(body)) throw invalid('request body must be a JSON object');
  if (body.object_type !== 'INVOICE' && body.object_type !== 'QR' && body.object_type !== 'ITEM') {
    throw new QpayFailure(400, 'INVALID_OBJECT_TYPE');
  }
  const objectId = requiredText(body, 'object_id', 64);
  const offset = isObject(body.offset) ? body.offset : {};
  const page = body.offset === undefined ? 1 : positiveInt(offset.page_number, 'offset.page_number', 10_000);
  const limit = body.offset === undefined ? 100 : positiveInt(offset.page_limit, 'offset.page_limit', 100);
  // Only invoices are emulated: QR and ITEM objects have no payments here.
  if (body.object_type !== 'INVOICE') return { status: 200, body: { count: 0, rows: [] } };
  const invoice = ownInvoice(op, objectId);
  const payments = invoice.payments.map((id) => op.state.payments.get(id)).filter((p): p is Payment => p !== undefined);
  const paidAmount = payments.filter((p) => p.status === 'PAID').reduce((sum, p) => sum + p.amount, 0);
  return {
    status: 200,
    body: {
      count: payments.length,
      ...(paidAmount > 0 ? { paid_amount: paidAmount } : {}),
      rows: payments.slice((page - 1) * limit, page * limit).map(row),
    },
  };
}

export function getPayment(op: Op, id: string): Result {
  const payment = ownPayment(op, id);
  return {
    status: 200,
    body: {
      payment_id: payment.payment_id,
      payment_status: payment.status,
      payment_fee: '0.00',
      payment_amount: money(payment.amount),
      payment_currency: 'MNT',
      payment_date: payment.date,
      payment_wallet: payment.wallet,
      transaction_type: 'P2P',
      object_type: 'INVOICE',
      object_id: payment.invoice_id,
      card_transactions: [],
      p2p_transactions: row(payment).p2p_transactions,
    },
  };
}

/** DELETE /v2/payment/refund/{id} and /v2/payment/cancel/{id}, body `{ callback_url?, note? }`. */
export function returnPayment(op: Op, id: string): Result {
  const payment = ownPayment(op, id);
  const body = isObject(op.body) ? op.body : {};
  if (body.note !== undefined && body.note !== null && typeof body.note !== 'string') throw invalid('note must be a string');
  if (body.callback_url !== undefined && body.callback_url !== null && typeof body.callback_url !== 'string') {
    throw invalid('callback_url must be a string');
  }
  if (payment.status === 'REFUNDED') throw new QpayFailure(400, 'PAYMENT_ALREADY_CANCELED');
  payment.status = 'REFUNDED';
  payment.note = typeof body.note === 'string' ? body.note : null;
  return { status: 200, body: {} };
}

/** Appends `qpay_payment_id=<id>` to the callback URL, keeping its own query as given (and any fragment last). */
export function callbackUrl(url: string, paymentId: string): string {
  const hash = url.indexOf('#');
  const [base, fragment] = hash === -1 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}qpay_payment_id=${encodeURIComponent(paymentId)}${fragment}`;
}

/**
 * The customer pays invoice `invoiceId` in a bank app: a PAID P2P payment row, the invoice CLOSED, then
 * QPay's unsigned GET to the invoice's callback_url with `qpay_payment_id` appended. Null for an unknown
 * invoice; `notified: false` (409) for one that is cancelled, expired or already paid.
 */
export function completeInvoice(ctx: SandboxContext, state: QpayState, invoiceId: string): { notified: boolean; status?: number } | null {
  const invoice = state.invoices.get(invoiceId);
  if (!invoice) return null;
  const now = ctx.now();
  if (invoice.status !== 'OPEN' || isExpired(invoice, now)) return { notified: false, status: 409 };
  const payment: Payment = {
    payment_id: String(randomInt(100_000_000_000, 999_999_999_999)) + String(randomInt(100, 999)),
    invoice_id: invoice.invoice_id,
    clientId: invoice.clientId,
    status: 'PAID',
    amount: invoice.amount,
    wallet: 'qPay wallet',
    date: new Date(now).toISOString(),
    note: null,
  };
  state.payments.set(payment.payment_id, payment);
  invoice.payments.push(payment.payment_id);
  invoice.status = 'CLOSED';
  ctx.emitWebhook({
    provider: 'qpay',
    method: 'GET',
    type: 'callback',
    eventId: payment.payment_id,
    url: callbackUrl(invoice.callback_url, payment.payment_id),
    headers: { 'user-agent': 'qPay' },
    body: '',
  });
  return { notified: true };
}
