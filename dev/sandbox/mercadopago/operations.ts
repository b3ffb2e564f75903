import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../types.ts';
import {
  badRequest,
  fromHundredths,
  hasAtMostTwoDecimals,
  MERCADOPAGO_CLIENT_ID,
  MERCADOPAGO_COLLECTOR_ID,
  type MercadoPagoState,
  mpDate,
  notFound,
  numericId,
  type Obj,
  type Payment,
  toHundredths,
} from './objects.ts';
import { emitPaymentNotification } from './webhooks.ts';

/** Preferences, payments and refunds. Validation failures are 400 with MercadoPago's error body. */
export type Op = { ctx: SandboxContext; state: MercadoPagoState; body: Obj };
export type Result = { status: number; body: unknown };

function optionalText(body: Obj, field: string, where = field): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest('invalid_parameter', `${where} must be a string`);
  return value;
}

function isUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function validItems(value: unknown): { items: Obj[]; totalHundredths: number; currency: string } {
  if (!Array.isArray(value) || value.length === 0) throw badRequest('invalid_items', 'items needed');
  let total = 0;
  let currency: string | undefined;
  const items = value.map((raw, i) => {
    if (!raw || typeof raw !== 'object') throw badRequest('invalid_items', `items[${i}] must be an object`);
    const item = raw as Obj;
    if (typeof item.title !== 'string' || !item.title) throw badRequest('invalid_title', `items[${i}].title needed`);
    if (!Number.isInteger(item.quantity) || item.quantity < 1) throw badRequest('invalid_quantity', `items[${i}].quantity invalid`);
    if (item.unit_price === undefined || item.unit_price === null) throw badRequest('invalid_unit_price', `items[${i}].unit_price needed`);
    if (typeof item.unit_price !== 'number' || item.unit_price <= 0 || !hasAtMostTwoDecimals(item.unit_price)) {
      throw badRequest('invalid_unit_price', `items[${i}].unit_price invalid`);
    }
    const itemCurrency = item.currency_id ?? 'ARS';
    if (typeof itemCurrency !== 'string' || !/^[A-Z]{3}$/.test(itemCurrency))
      throw badRequest('invalid_currency_id', `items[${i}].currency_id invalid`);
    if (currency && currency !== itemCurrency) throw badRequest('invalid_currency_id', 'all items must have the same currency_id');
    currency = itemCurrency;
    total += toHundredths(item.unit_price) * item.quantity;
    return {
      id: item.id ?? '',
      category_id: item.category_id ?? '',
      currency_id: itemCurrency,
      description: item.description ?? '',
      title: item.title,
      quantity: item.quantity,
      unit_price: item.unit_price,
    };
  });
  return { items, totalHundredths: total, currency: currency! };
}

export function createPreference(op: Op): Result {
  const { body, ctx, state } = op;
  const { items, totalHundredths, currency } = validItems(body.items);
  const backUrls = body.back_urls ?? {};
  if (typeof backUrls !== 'object' || Array.isArray(backUrls)) throw badRequest('invalid_back_urls', 'back_urls must be an object');
  for (const key of ['success', 'pending', 'failure']) optionalText(backUrls, key, `back_urls.${key}`);
  const autoReturn = optionalText(body, 'auto_return');
  if (autoReturn !== undefined && autoReturn !== 'approved' && autoReturn !== 'all')
    throw badRequest('invalid_auto_return', 'auto_return invalid');
  if (autoReturn && !backUrls.success) throw badRequest('invalid_auto_return', 'auto_return invalid. back_url.success must be defined');
  const notificationUrl = optionalText(body, 'notification_url');
  if (notificationUrl !== undefined && !isUrl(notificationUrl)) throw badRequest('invalid_notification_url', 'notification_url invalid');
  const externalReference = optionalText(body, 'external_reference');
  if (externalReference && externalReference.length > 256) throw badRequest('invalid_external_reference', 'external_reference too long');
  if (body.expires !== undefined && typeof body.expires !== 'boolean') throw badRequest('invalid_expires', 'expires must be a boolean');
  let expiresAt: number | null = null;
  for (const field of ['expiration_date_from', 'expiration_date_to']) {
    const value = optionalText(body, field);
    if (value === undefined) continue;
    const parsed = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(parsed)) throw badRequest('invalid_date', `${field} must be a valid date and format (yyyy-MM-dd'T'HH:mm:ss.SSSZ)`);
    if (field === 'expiration_date_to' && body.expires) expiresAt = parsed;
  }
  if (body.metadata !== undefined && (typeof body.metadata !== 'object' || body.metadata === null || Array.isArray(body.metadata))) {
    throw badRequest('invalid_metadata', 'metadata must be an object');
  }
  const id = `${MERCADOPAGO_COLLECTOR_ID}-${randomUUID()}`;
  const pref: Obj = {
    ...structuredClone(body),
    id,
    items,
    back_urls: { success: backUrls.success ?? '', pending: backUrls.pending ?? '', failure: backUrls.failure ?? '' },
    auto_return: autoReturn ?? '',
    external_reference: externalReference ?? '',
    notification_url: notificationUrl ?? null,
    expires: body.expires ?? false,
    expiration_date_from: body.expiration_date_from ?? null,
    expiration_date_to: body.expiration_date_to ?? null,
    metadata: body.metadata ?? {},
    payer: { email: body.payer?.email ?? '', name: '', surname: '' },
    collector_id: MERCADOPAGO_COLLECTOR_ID,
    client_id: MERCADOPAGO_CLIENT_ID,
    date_created: mpDate(ctx.now()),
    operation_type: 'regular_payment',
    marketplace: 'NONE',
    init_point: `${ctx.sandboxUrl}/mercadopago/checkout/v1/redirect?pref_id=${id}`,
    sandbox_init_point: `${ctx.sandboxUrl}/mercadopago/sandbox/checkout/v1/redirect?pref_id=${id}`,
  };
  state.preferences.set(id, { body: pref, totalHundredths, currency, expiresAt, paymentId: null });
  return { status: 201, body: pref };
}

export function getPreference(op: Op, id: string): Result {
  const pref = op.state.preferences.get(id);
  if (!pref) throw notFound(`Preference ${id} not found`);
  return { status: 200, body: pref.body };
}

function payment(op: Op, id: string): Payment {
  const p = op.state.payments.get(id);
  if (!p) throw notFound('Payment not found', 2000);
  return p;
}

export function getPayment(op: Op, id: string): Result {
  return { status: 200, body: payment(op, id).body };
}

/** The payer pays a preference: a numeric payment with the preference's amount, reference and metadata. */
export function payPreference(op: Op, prefId: string): boolean | null {
  const { ctx, state } = op;
  const pref = state.preferences.get(prefId);
  if (!pref) return null;
  if (pref.paymentId || (pref.expiresAt !== null && ctx.now() >= pref.expiresAt)) return false;
  const outcome = ctx.setting('payment') ?? 'approved';
  const detail = outcome === 'approved' ? 'accredited' : outcome === 'rejected' ? 'cc_rejected_other_reason' : 'pending_waiting_payment';
  const now = mpDate(ctx.now());
  const id = String(numericId());
  const amount = fromHundredths(pref.totalHundredths);
  const body: Obj = {
    id: Number(id),
    date_created: now,
    date_approved: outcome === 'approved' ? now : null,
    date_last_updated: now,
    operation_type: 'regular_payment',
    payment_method_id: 'visa',
    payment_type_id: 'credit_card',
    status: outcome,
    status_detail: detail,
    currency_id: pref.currency,
    description: pref.body.items[0]?.title ?? '',
    live_mode: false,
    collector_id: MERCADOPAGO_COLLECTOR_ID,
    payer: { email: pref.body.payer?.email || 'test_user_123@testuser.com', type: 'guest' },
    metadata: structuredClone(pref.body.metadata ?? {}),
    external_reference: pref.body.external_reference || null,
    transaction_amount: amount,
    transaction_amount_refunded: 0,
    transaction_details: { net_received_amount: amount, total_paid_amount: amount, installment_amount: amount },
    installments: 1,
    captured: true,
    binary_mode: false,
    refunds: [],
  };
  pref.paymentId = id;
  state.payments.set(id, {
    body,
    totalHundredths: pref.totalHundredths,
    refundedHundredths: 0,
    pendingHundredths: 0,
    notificationUrl: pref.body.notification_url,
  });
  emitPaymentNotification(ctx, id, 'payment.created', pref.body.notification_url);
  return true;
}

function updateTotals(p: Payment, now: number) {
  const b = p.body;
  b.transaction_amount_refunded = fromHundredths(p.refundedHundredths);
  if (p.refundedHundredths >= p.totalHundredths) {
    b.status = 'refunded';
    b.status_detail = 'refunded';
  } else if (p.refundedHundredths > 0) b.status_detail = 'partially_refunded';
  b.date_last_updated = mpDate(now);
}

/** POST /v1/payments/{id}/refunds: `amount` (major units) or, without it, the whole remaining amount. */
export function refundPayment(op: Op, paymentId: string): Result {
  const { ctx, state, body } = op;
  const p = payment(op, paymentId);
  if (p.body.status !== 'approved') throw badRequest('invalid_payment_status', `Payment in status ${p.body.status} cannot be refunded`);
  const available = p.totalHundredths - p.refundedHundredths - p.pendingHundredths;
  let hundredths = available;
  if (body.amount !== undefined && body.amount !== null) {
    if (typeof body.amount !== 'number' || body.amount <= 0 || !hasAtMostTwoDecimals(body.amount))
      throw badRequest('invalid_amount', 'amount invalid');
    hundredths = toHundredths(body.amount);
  }
  if (hundredths > available || hundredths <= 0)
    throw badRequest('invalid_refund_amount', `Invalid refund amount: ${fromHundredths(available)} available`);
  const status = ctx.setting('refunds') ?? 'approved';
  const refund: Obj = {
    id: numericId(),
    payment_id: p.body.id,
    amount: fromHundredths(hundredths),
    metadata: {},
    source: { id: String(MERCADOPAGO_COLLECTOR_ID), name: 'Edgepay Sandbox Seller', type: 'collector' },
    date_created: mpDate(ctx.now()),
    unique_sequence_number: null,
    refund_mode: 'standard',
    adjustment_amount: 0,
    status,
    reason: null,
    amount_refunded_to_payer: fromHundredths(hundredths),
  };
  state.refunds.set(String(refund.id), { body: refund, paymentId });
  if (status !== 'rejected') p.body.refunds.push(refund);
  if (status === 'approved') p.refundedHundredths += hundredths;
  if (status === 'in_process') p.pendingHundredths += hundredths;
  updateTotals(p, ctx.now());
  emitPaymentNotification(ctx, paymentId, 'payment.updated', p.notificationUrl);
  return { status: 201, body: refund };
}

export function getRefund(op: Op, paymentId: string, refundId: string): Result {
  const refund = op.state.refunds.get(refundId);
  if (!refund || refund.paymentId !== paymentId) throw notFound(`Refund ${refundId} not found`);
  return { status: 200, body: refund.body };
}

/** An in_process refund is approved: the payment's refunded amount and status follow, and the app is notified. */
export function approveRefund(op: Op, refundId: string): boolean | null {
  const refund = op.state.refunds.get(refundId);
  if (!refund) return null;
  if (refund.body.status !== 'in_process') return false;
  const p = op.state.payments.get(refund.paymentId)!;
  const hundredths = toHundredths(refund.body.amount);
  refund.body.status = 'approved';
  p.pendingHundredths -= hundredths;
  p.refundedHundredths += hundredths;
  updateTotals(p, op.ctx.now());
  emitPaymentNotification(op.ctx, refund.paymentId, 'payment.updated', p.notificationUrl);
  return true;
}
