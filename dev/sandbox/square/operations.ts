import type { SandboxContext } from '../types.ts';
import {
  badRequest,
  declineError,
  linkId,
  type Money,
  NONCES,
  notFound,
  type Obj,
  orderId,
  paymentId,
  paymentObject,
  quickPayOrder,
  random,
  refundId,
  refundObject,
  SQUARE_LOCATION_ID,
  SquareFailure,
} from './objects.ts';
import { emitSquareEvent } from './webhooks.ts';

/** Payments, refunds and quick-pay payment links. Amounts are integer minor units; currencies upper case. */
export type LinkEntry = { link: Obj; order: Obj; price: Money; paymentId: string | null };
export type SquareState = { payments: Map<string, Obj>; refunds: Map<string, Obj>; links: Map<string, LinkEntry> };
export const emptyState = (): SquareState => ({ payments: new Map(), refunds: new Map(), links: new Map() });

export type Op = { ctx: SandboxContext; state: SquareState; body: Obj };
export type Result = { status: number; body: unknown };

function text(body: Obj, field: string, max: number, required = false): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw badRequest('MISSING_REQUIRED_PARAMETER', `Field must be set`, field);
    return undefined;
  }
  if (typeof value !== 'string') throw badRequest('EXPECTED_STRING', `Expected a string value`, field);
  if (value.length > max) throw badRequest('VALUE_TOO_LONG', `Field must not be greater than ${max} length`, field);
  return value;
}

function money(value: unknown, field: string): Money {
  if (value === undefined || value === null) throw badRequest('MISSING_REQUIRED_PARAMETER', 'Field must be set', field);
  if (typeof value !== 'object') throw badRequest('EXPECTED_OBJECT', 'Expected an object', field);
  const { amount, currency } = value as Obj;
  if (!Number.isSafeInteger(amount)) throw badRequest('EXPECTED_INTEGER', 'Expected an integer value', `${field}.amount`);
  if (amount <= 0) throw badRequest('VALUE_TOO_LOW', 'Must be greater than 0', `${field}.amount`);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    throw badRequest('INVALID_ENUM_VALUE', 'Expected an ISO 4217 currency code such as USD', `${field}.currency`);
  }
  return { amount, currency };
}

export function createPayment(op: Op): Result {
  const { body, ctx, state } = op;
  const sourceId = text(body, 'source_id', 500, true)!;
  text(body, 'idempotency_key', 45, true);
  const amount = money(body.amount_money, 'amount_money');
  const autocomplete = body.autocomplete ?? true;
  if (typeof autocomplete !== 'boolean') throw badRequest('EXPECTED_BOOLEAN', 'Expected a boolean value', 'autocomplete');
  const nonce = Object.hasOwn(NONCES, sourceId) ? NONCES[sourceId] : undefined;
  if (!nonce) throw badRequest('INVALID_CARD_DATA', 'Invalid source.', 'source_id');
  const payment = paymentObject({
    id: paymentId(),
    now: ctx.now(),
    amount,
    nonce,
    status: nonce.decline ? 'FAILED' : autocomplete ? 'COMPLETED' : 'APPROVED',
    locationId: text(body, 'location_id', 50) ?? SQUARE_LOCATION_ID,
    orderId: text(body, 'order_id', 192) ?? orderId(),
    referenceId: text(body, 'reference_id', 40),
    note: text(body, 'note', 500),
    buyerEmail: text(body, 'buyer_email_address', 255),
  });
  state.payments.set(payment.id, payment);
  emitSquareEvent(ctx, 'payment.created', payment);
  if (nonce.decline) {
    throw new SquareFailure(400, [declineError(nonce.decline.code)], { extra: { payment: structuredClone(payment) }, stored: true });
  }
  return { status: 200, body: { payment } };
}

export function getPayment(op: Op, id: string): Result {
  const payment = op.state.payments.get(id);
  if (!payment) throw notFound(`Could not find payment with id=${id}.`);
  return { status: 200, body: { payment } };
}

export function refundPayment(op: Op): Result {
  const { body, ctx, state } = op;
  text(body, 'idempotency_key', 45, true);
  const amount = money(body.amount_money, 'amount_money');
  const id = text(body, 'payment_id', 192, true)!;
  const reason = text(body, 'reason', 192);
  const payment = state.payments.get(id);
  if (!payment) throw notFound(`Could not find payment with id=${id}.`, 'payment_id');
  if (amount.currency !== payment.total_money.currency) {
    throw badRequest(
      'CURRENCY_MISMATCH',
      `The refund currency ${amount.currency} does not match the payment currency.`,
      'amount_money.currency',
    );
  }
  if (payment.status === 'APPROVED') {
    throw badRequest('REFUND_ERROR_PAYMENT_NEEDS_COMPLETION', 'The payment must be completed before it can be refunded.', 'payment_id');
  }
  if (payment.status !== 'COMPLETED')
    throw badRequest('PAYMENT_NOT_REFUNDABLE', `The payment is ${payment.status} and cannot be refunded.`);
  const refunds = (payment.refund_ids ?? []).map((r: string) => state.refunds.get(r)).filter(Boolean) as Obj[];
  const taken = refunds.filter((r) => r.status !== 'REJECTED' && r.status !== 'FAILED').reduce((n, r) => n + r.amount_money.amount, 0);
  if (amount.amount > payment.total_money.amount - taken) {
    throw new SquareFailure(400, [
      {
        category: 'REFUND_ERROR',
        code: 'REFUND_AMOUNT_INVALID',
        detail: `The requested refund amount exceeds the amount available to refund (${payment.total_money.amount - taken}).`,
        field: 'amount_money.amount',
      },
    ]);
  }
  const status = ctx.setting('refunds') === 'pending' ? 'PENDING' : 'COMPLETED';
  const refund = refundObject(payment, refundId(payment.id), amount, reason, status, ctx.now());
  state.refunds.set(refund.id, refund);
  payment.refund_ids = [...(payment.refund_ids ?? []), refund.id];
  updatePaymentTotals(op, payment);
  emitSquareEvent(ctx, 'refund.created', refund);
  emitSquareEvent(ctx, 'payment.updated', payment);
  return { status: 200, body: { refund } };
}

export function getRefund(op: Op, id: string): Result {
  const refund = op.state.refunds.get(id);
  if (!refund) throw notFound(`Could not find PaymentRefund with id=${id}.`);
  return { status: 200, body: { refund } };
}

/** refunded_money counts COMPLETED refunds only. */
function updatePaymentTotals(op: Op, payment: Obj) {
  const completed = (payment.refund_ids as string[])
    .map((r) => op.state.refunds.get(r))
    .filter((r) => r?.status === 'COMPLETED')
    .reduce((n, r) => n + (r as Obj).amount_money.amount, 0);
  if (completed > 0) payment.refunded_money = { amount: completed, currency: payment.total_money.currency };
  payment.updated_at = new Date(op.ctx.now()).toISOString();
  payment.version_token = random(40);
}

function optionalObject(body: Obj, field: string): Obj | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('EXPECTED_OBJECT', 'Expected an object', field);
  return value as Obj;
}

export function createPaymentLink(op: Op): Result {
  const { body, ctx, state } = op;
  text(body, 'idempotency_key', 192);
  if (body.order !== undefined) throw badRequest('BAD_REQUEST', 'The sandbox emulates quick_pay payment links only.', 'order');
  const quick = body.quick_pay;
  if (!quick || typeof quick !== 'object')
    throw badRequest('MISSING_REQUIRED_PARAMETER', 'One of `quick_pay`, `order` is required.', 'quick_pay');
  const name = text(quick, 'name', 255, true)!;
  const price = money(quick.price_money, 'quick_pay.price_money');
  const locationId = text(quick, 'location_id', 50, true)!;
  const description = text(body, 'description', 4096);
  const note = text(body, 'payment_note', 500);
  const options = optionalObject(body, 'checkout_options');
  if (options) text(options, 'redirect_url', 2048);
  const prefill = optionalObject(body, 'pre_populated_data');
  if (prefill) text(prefill, 'buyer_email', 256);
  const id = linkId();
  const now = ctx.now();
  const order = quickPayOrder(orderId(), name, price, locationId, now);
  const link: Obj = {
    id,
    version: 1,
    ...(description ? { description } : {}),
    order_id: order.id,
    ...(body.checkout_options ? { checkout_options: body.checkout_options } : {}),
    ...(body.pre_populated_data ? { pre_populated_data: body.pre_populated_data } : {}),
    url: `${ctx.sandboxUrl}/__sandbox/pay/square/${id}`,
    long_url: `${ctx.sandboxUrl}/__sandbox/pay/square/${id}?order_id=${order.id}`,
    created_at: new Date(now).toISOString(),
    updated_at: new Date(now).toISOString(),
    ...(note ? { payment_note: note } : {}),
  };
  state.links.set(id, { link, order, price, paymentId: null });
  return { status: 200, body: { payment_link: link, related_resources: { orders: [order] } } };
}

export function getPaymentLink(op: Op, id: string): Result {
  const entry = op.state.links.get(id);
  if (!entry) throw notFound(`Payment link ${id} not found.`);
  return { status: 200, body: { payment_link: entry.link } };
}

/**
 * The sandbox's customer: pays a link (a COMPLETED card payment for its order), completes an APPROVED
 * payment, or settles a PENDING refund. False when there was nothing to do; null when the id is unknown.
 */
export function complete(op: Op, id: string): boolean | null {
  const { ctx, state } = op;
  const link = state.links.get(id);
  if (link) {
    if (link.paymentId) return false;
    const payment = paymentObject({
      id: paymentId(),
      now: ctx.now(),
      amount: link.price,
      nonce: NONCES['cnon:card-nonce-ok']!,
      status: 'APPROVED',
      locationId: link.order.location_id,
      orderId: link.order.id,
      note: link.link.payment_note,
    });
    link.paymentId = payment.id;
    link.order.state = 'OPEN';
    state.payments.set(payment.id, payment);
    emitSquareEvent(ctx, 'payment.created', payment);
    completePayment(op, payment);
    return true;
  }
  const payment = state.payments.get(id);
  if (payment) {
    if (payment.status !== 'APPROVED') return false;
    completePayment(op, payment);
    return true;
  }
  const refund = state.refunds.get(id);
  if (!refund) return null;
  if (refund.status !== 'PENDING') return false;
  refund.status = 'COMPLETED';
  refund.updated_at = new Date(ctx.now()).toISOString();
  const parent = state.payments.get(refund.payment_id) as Obj;
  updatePaymentTotals(op, parent);
  emitSquareEvent(ctx, 'refund.updated', refund);
  emitSquareEvent(ctx, 'payment.updated', parent);
  return true;
}

function completePayment(op: Op, payment: Obj) {
  const at = new Date(op.ctx.now()).toISOString();
  payment.status = 'COMPLETED';
  payment.card_details.status = 'CAPTURED';
  payment.card_details.card_payment_timeline.captured_at = at;
  delete payment.delay_duration;
  delete payment.delay_action;
  delete payment.delayed_until;
  payment.updated_at = at;
  payment.version_token = random(40);
  emitSquareEvent(op.ctx, 'payment.updated', payment);
}
