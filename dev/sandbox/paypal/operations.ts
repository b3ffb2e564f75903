import type { SandboxContext } from '../types.ts';
import {
  formatMoney,
  invalidRequest,
  money,
  notFound,
  type Obj,
  object,
  PAYPAL_SANDBOX_MERCHANT,
  paypalId,
  text,
  URI,
  unprocessable,
} from './objects.ts';
import { type Capture, captureView, iso, type Order, orderView, type PaypalState, type Refund, refundView, type Unit } from './state.ts';
import type { PaypalSigner } from './webhooks.ts';

/**
 * Orders v2 (create, get, capture) and Payments v2 (get capture, refund, get refund), CAPTURE intent with one
 * purchase unit. Order statuses: CREATED (no payment_source) or PAYER_ACTION_REQUIRED (payment_source.paypal)
 * → APPROVED (the sandbox's payer, /__sandbox/complete) → COMPLETED (captured). Settings: `captures`
 * completed | pending | declined, `refunds` completed | pending.
 */
export type Op = { ctx: SandboxContext; state: PaypalState; signer: PaypalSigner; body: Obj; representation: boolean };
export type Result = { status: number; body: Obj; resource?: { kind: 'order' | 'refund'; id: string } };

const notSupported = (field: string, what: string) =>
  invalidRequest('NOT_SUPPORTED', `This field is not currently supported. (${what})`, field);

/** Validates payment_source; returns where the payer goes after approving or cancelling (experience_context). */
function experience(source: Obj | undefined): { returnUrl?: string; cancelUrl?: string } {
  if (!source) return {};
  for (const key of Object.keys(source))
    if (key !== 'paypal') throw notSupported(`/payment_source/${key}`, 'the sandbox emulates PayPal wallet orders');
  const paypal = object(source, 'paypal', '/payment_source/paypal', true) as Obj;
  const ec = object(paypal, 'experience_context', '/payment_source/paypal/experience_context');
  if (!ec) return {};
  const at = (k: string) => `/payment_source/paypal/experience_context/${k}`;
  text(ec, 'brand_name', at('brand_name'), { max: 127 });
  text(ec, 'locale', at('locale'), { min: 2, max: 10, pattern: /^[a-z]{2}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$/ });
  text(ec, 'shipping_preference', at('shipping_preference'), { max: 24, values: ['GET_FROM_FILE', 'NO_SHIPPING', 'SET_PROVIDED_ADDRESS'] });
  text(ec, 'landing_page', at('landing_page'), { max: 13, values: ['LOGIN', 'GUEST_CHECKOUT', 'NO_PREFERENCE'] });
  text(ec, 'user_action', at('user_action'), { max: 8, values: ['CONTINUE', 'PAY_NOW'] });
  text(ec, 'payment_method_preference', at('payment_method_preference'), {
    max: 255,
    values: ['UNRESTRICTED', 'IMMEDIATE_PAYMENT_REQUIRED'],
  });
  const returnUrl = text(ec, 'return_url', at('return_url'), { max: 4000, pattern: URI });
  const cancelUrl = text(ec, 'cancel_url', at('cancel_url'), { max: 4000, pattern: URI });
  return { ...(returnUrl ? { returnUrl } : {}), ...(cancelUrl ? { cancelUrl } : {}) };
}

export function createOrder(op: Op): Result {
  const { body, ctx, state } = op;
  const intent = text(body, 'intent', '/intent', { max: 255, required: true, values: ['CAPTURE', 'AUTHORIZE'] });
  if (intent === 'AUTHORIZE') throw notSupported('/intent', 'the sandbox emulates intent CAPTURE');
  const units = body.purchase_units;
  if (units === undefined || units === null)
    throw invalidRequest('MISSING_REQUIRED_PARAMETER', 'A required parameter is missing.', '/purchase_units');
  if (!Array.isArray(units))
    throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', '/purchase_units');
  if (units.length < 1)
    throw invalidRequest('INVALID_ARRAY_MIN_ITEMS', 'The number of items in an array parameter is too small.', '/purchase_units');
  if (units.length > 10)
    throw invalidRequest('INVALID_ARRAY_MAX_ITEMS', 'The number of items in an array parameter is too large.', '/purchase_units');
  if (units.length > 1) throw notSupported('/purchase_units/1', 'the sandbox emulates one purchase unit');
  const u = units[0];
  if (!u || typeof u !== 'object' || Array.isArray(u))
    throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', '/purchase_units/0');
  const at = (k: string) => `/purchase_units/0/${k}`;
  const payee = object(u, 'payee', at('payee'));
  const merchantId = payee
    ? text(payee, 'merchant_id', at('payee/merchant_id'), { min: 13, max: 13, pattern: /^[2-9A-HJ-NP-Z]{13}$/ })
    : undefined;
  const payeeEmail = payee ? text(payee, 'email_address', at('payee/email_address'), { min: 3, max: 254, pattern: /@/ }) : undefined;
  const unit: Unit = {
    reference_id: text(u, 'reference_id', at('reference_id'), { max: 256 }) ?? 'default',
    amount: money(u.amount, at('amount'), 'orders'),
    payee:
      merchantId || payeeEmail
        ? { ...(payeeEmail ? { email_address: payeeEmail } : {}), ...(merchantId ? { merchant_id: merchantId } : {}) }
        : { ...PAYPAL_SANDBOX_MERCHANT },
  };
  for (const [key, max] of [
    ['description', 127],
    ['custom_id', 127],
    ['invoice_id', 127],
    ['soft_descriptor', 22],
  ] as const) {
    const value = text(u, key, at(key), { max });
    if (value !== undefined) unit[key] = value;
  }
  const source = object(body, 'payment_source', '/payment_source');
  const urls = experience(source);
  const now = iso(ctx);
  const order: Order = {
    id: paypalId(),
    status: source ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
    createTime: now,
    updateTime: now,
    unit,
    paymentSource: !!source,
    payer: null,
    captureId: null,
    ...urls,
  };
  state.orders.set(order.id, order);
  return { status: 201, body: orderView(state, order, ctx, op.representation), resource: { kind: 'order', id: order.id } };
}

function findOrder(state: PaypalState, id: string): Order {
  const order = /^[A-Z0-9]{1,36}$/.test(id) ? state.orders.get(id) : undefined;
  if (!order) throw notFound();
  return order;
}

export function getOrder(op: Op, id: string): Result {
  return { status: 200, body: orderView(op.state, findOrder(op.state, id), op.ctx) };
}

const CAPTURE_EVENTS = {
  COMPLETED: 'PAYMENT.CAPTURE.COMPLETED',
  PENDING: 'PAYMENT.CAPTURE.PENDING',
  DECLINED: 'PAYMENT.CAPTURE.DENIED',
} as const;

function emitCapture(op: Pick<Op, 'ctx' | 'signer'>, capture: Capture) {
  const type = CAPTURE_EVENTS[capture.status as keyof typeof CAPTURE_EVENTS];
  const { value, currency_code } = formatMoney(capture.amount);
  op.signer.emit(op.ctx, {
    event_type: type,
    resource_type: 'capture',
    summary: `Payment ${capture.status.toLowerCase()} for ${value} ${currency_code}`,
    resource: captureView(capture, op.ctx, true),
  });
}

export function captureOrder(op: Op, id: string): Result {
  const { ctx, state } = op;
  const order = findOrder(state, id);
  if (op.body && typeof op.body === 'object' && op.body.payment_source !== undefined)
    throw notSupported('/payment_source', 'capture with a payment source');
  if (order.status === 'COMPLETED') {
    throw unprocessable('ORDER_ALREADY_CAPTURED', "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.");
  }
  if (order.status !== 'APPROVED') {
    throw unprocessable(
      'ORDER_NOT_APPROVED',
      "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request.",
    );
  }
  const setting = ctx.setting('captures');
  const now = iso(ctx);
  const capture: Capture = {
    id: paypalId(),
    orderId: order.id,
    status: setting === 'pending' ? 'PENDING' : setting === 'declined' ? 'DECLINED' : 'COMPLETED',
    amount: order.unit.amount,
    ...(order.unit.custom_id ? { customId: order.unit.custom_id } : {}),
    ...(order.unit.invoice_id ? { invoiceId: order.unit.invoice_id } : {}),
    createTime: now,
    updateTime: now,
    refundIds: [],
  };
  state.captures.set(capture.id, capture);
  order.captureId = capture.id;
  order.status = 'COMPLETED';
  order.updateTime = now;
  emitCapture(op, capture);
  return { status: 201, body: orderView(state, order, ctx, op.representation), resource: { kind: 'order', id: order.id } };
}

export function getCapture(op: Op, id: string): Result {
  const capture = op.state.captures.get(id);
  if (!capture) throw notFound();
  return { status: 200, body: captureView(capture, op.ctx, true) };
}

function completedRefunds(state: PaypalState, capture: Capture, statuses: readonly Refund['status'][]): number {
  return capture.refundIds
    .map((r) => state.refunds.get(r) as Refund)
    .filter((r) => statuses.includes(r.status))
    .reduce((n, r) => n + r.amount.minor, 0);
}

function settleCapture(state: PaypalState, capture: Capture, now: string) {
  const refunded = completedRefunds(state, capture, ['COMPLETED']);
  if (refunded > 0) capture.status = refunded >= capture.amount.minor ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  capture.updateTime = now;
}

function emitRefund(op: Pick<Op, 'ctx' | 'signer' | 'state'>, refund: Refund) {
  const { value, currency_code } = formatMoney(refund.amount);
  op.signer.emit(op.ctx, {
    event_type: 'PAYMENT.CAPTURE.REFUNDED',
    resource_type: 'refund',
    summary: `A ${value} ${currency_code} capture payment was refunded`,
    resource: refundView(op.state, refund, op.ctx),
  });
}

export function refundCapture(op: Op, captureId: string): Result {
  const { body, ctx, state } = op;
  const capture = state.captures.get(captureId);
  if (!capture) throw notFound();
  const amount = body.amount === undefined ? undefined : money(body.amount, '/amount', 'payments');
  const invoiceId = text(body, 'invoice_id', '/invoice_id', { max: 127 });
  const customId = text(body, 'custom_id', '/custom_id', { max: 127 });
  const noteToPayer = text(body, 'note_to_payer', '/note_to_payer', { max: 255 });
  if (capture.status === 'PENDING') {
    throw unprocessable(
      'PENDING_CAPTURE',
      'Cannot initiate a refund as the capture is pending. Capture is typically pending when the payer has funded the transaction by using an e-check or bank account.',
    );
  }
  if (capture.status === 'REFUNDED') throw unprocessable('CAPTURE_FULLY_REFUNDED', 'The capture has already been fully refunded');
  if (capture.status === 'DECLINED' || capture.status === 'FAILED')
    throw unprocessable('REFUND_NOT_ALLOWED', 'Capture cannot be refunded.');
  if (amount && amount.currency !== capture.amount.currency) {
    throw unprocessable('REFUND_CAPTURE_CURRENCY_MISMATCH', 'Refund must be in the same currency as the capture', '/amount/currency_code');
  }
  const remaining = capture.amount.minor - completedRefunds(state, capture, ['COMPLETED', 'PENDING']);
  const requested = amount?.minor ?? remaining;
  if (requested > remaining || remaining <= 0) {
    throw unprocessable(
      'REFUND_AMOUNT_EXCEEDED',
      'The refund amount must be less than or equal to the capture amount that has not yet been refunded. Verify the refund amount and try the request again.',
      '/amount/value',
    );
  }
  if (invoiceId && [...state.refunds.values()].some((r) => r.invoiceId === invoiceId)) {
    throw unprocessable('DUPLICATE_INVOICE_ID', 'Invoice ID was previously used to refund a capture.', '/invoice_id');
  }
  const now = iso(ctx);
  const refund: Refund = {
    id: paypalId(),
    captureId,
    status: ctx.setting('refunds') === 'pending' ? 'PENDING' : 'COMPLETED',
    amount: { currency: capture.amount.currency, minor: requested },
    ...(invoiceId ? { invoiceId } : {}),
    ...(customId ? { customId } : {}),
    ...(noteToPayer ? { noteToPayer } : {}),
    createTime: now,
    updateTime: now,
  };
  state.refunds.set(refund.id, refund);
  capture.refundIds.push(refund.id);
  settleCapture(state, capture, now);
  if (refund.status === 'COMPLETED') emitRefund(op, refund);
  const view = refundView(state, refund, ctx);
  return {
    status: 201,
    body: op.representation ? view : { id: view.id, status: view.status, links: view.links },
    resource: { kind: 'refund', id: refund.id },
  };
}

export function getRefund(op: Op, id: string): Result {
  const refund = op.state.refunds.get(id);
  if (!refund) throw notFound();
  return { status: 200, body: refundView(op.state, refund, op.ctx) };
}

/**
 * The sandbox's payer and back office: approves an order (emits CHECKOUT.ORDER.APPROVED), completes a PENDING
 * capture (PAYMENT.CAPTURE.COMPLETED) or a PENDING refund (PAYMENT.CAPTURE.REFUNDED). False when there is
 * nothing to do; null for an unknown id.
 */
export function complete(op: Pick<Op, 'ctx' | 'signer' | 'state'>, id: string): boolean | null {
  const { ctx, state } = op;
  const now = iso(ctx);
  const order = state.orders.get(id);
  if (order) {
    if (order.status !== 'CREATED' && order.status !== 'PAYER_ACTION_REQUIRED') return false;
    const payerId = paypalId(13).replace(/[01IO]/g, '7');
    order.payer = {
      name: { given_name: 'Sandbox', surname: 'Buyer' },
      email_address: 'buyer@personal.example.com',
      payer_id: payerId,
      address: { country_code: 'US' },
    };
    order.status = 'APPROVED';
    order.updateTime = now;
    op.signer.emit(ctx, {
      event_type: 'CHECKOUT.ORDER.APPROVED',
      resource_type: 'checkout-order',
      summary: 'An order has been approved by buyer',
      resource: orderView(state, order, ctx),
    });
    return true;
  }
  const capture = state.captures.get(id);
  if (capture) {
    if (capture.status !== 'PENDING') return false;
    capture.status = 'COMPLETED';
    capture.updateTime = now;
    emitCapture(op, capture);
    return true;
  }
  const refund = state.refunds.get(id);
  if (refund) {
    if (refund.status !== 'PENDING') return false;
    refund.status = 'COMPLETED';
    refund.updateTime = now;
    settleCapture(state, state.captures.get(refund.captureId) as Capture, now);
    emitRefund(op, refund);
    return true;
  }
  return null;
}
