import type { SandboxContext } from '../types.ts';
import { formatMoney, type Money, type Obj, PAYPAL_SANDBOX_MERCHANT } from './objects.ts';

/** The PayPal emulator's objects in memory and their JSON representations (order, capture, refund). */
export type Unit = {
  reference_id: string;
  amount: Money;
  payee: Obj;
  description?: string;
  custom_id?: string;
  invoice_id?: string;
  soft_descriptor?: string;
};
export type Order = {
  id: string;
  status: 'CREATED' | 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED' | 'VOIDED';
  createTime: string;
  updateTime: string;
  unit: Unit;
  paymentSource: boolean;
  payer: Obj | null;
  captureId: string | null;
  /** payment_source.paypal.experience_context: where the approval page sends the payer. */
  returnUrl?: string;
  cancelUrl?: string;
};
export type Capture = {
  id: string;
  orderId: string;
  status: 'COMPLETED' | 'PENDING' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'FAILED';
  amount: Money;
  customId?: string;
  invoiceId?: string;
  createTime: string;
  updateTime: string;
  refundIds: string[];
};
export type Refund = {
  id: string;
  captureId: string;
  status: 'COMPLETED' | 'PENDING' | 'FAILED' | 'CANCELLED';
  amount: Money;
  invoiceId?: string;
  customId?: string;
  noteToPayer?: string;
  createTime: string;
  updateTime: string;
};
export type PaypalState = { orders: Map<string, Order>; captures: Map<string, Capture>; refunds: Map<string, Refund> };
export const emptyState = (): PaypalState => ({ orders: new Map(), captures: new Map(), refunds: new Map() });

const api = (ctx: SandboxContext) => `${ctx.sandboxUrl}/paypal`;
export const iso = (ctx: SandboxContext) => `${new Date(ctx.now()).toISOString().slice(0, 19)}Z`;
const link = (href: string, rel: string, method = 'GET') => ({ href, rel, method });
const fee = (m: Money): Money => ({ currency: m.currency, minor: Math.floor((m.minor * 349) / 10_000) });

function orderLinks(order: Order, ctx: SandboxContext) {
  const self = `${api(ctx)}/v2/checkout/orders/${order.id}`;
  const payer = `${api(ctx)}/checkoutnow?token=${order.id}`;
  switch (order.status) {
    case 'CREATED':
      return [link(self, 'self'), link(payer, 'approve'), link(self, 'update', 'PATCH'), link(`${self}/capture`, 'capture', 'POST')];
    case 'PAYER_ACTION_REQUIRED':
      return [link(self, 'self'), link(payer, 'payer-action')];
    case 'APPROVED':
      return [link(self, 'self'), link(self, 'update', 'PATCH'), link(`${self}/capture`, 'capture', 'POST')];
    default:
      return [link(self, 'self')];
  }
}

export function captureView(c: Capture, ctx: SandboxContext, full = false): Obj {
  const self = `${api(ctx)}/v2/payments/captures/${c.id}`;
  const paid = c.status !== 'PENDING' && c.status !== 'DECLINED' && c.status !== 'FAILED';
  return {
    id: c.id,
    status: c.status,
    ...(c.status === 'PENDING' ? { status_details: { reason: 'PENDING_REVIEW' } } : {}),
    amount: formatMoney(c.amount),
    final_capture: true,
    seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
    ...(paid
      ? {
          seller_receivable_breakdown: {
            gross_amount: formatMoney(c.amount),
            paypal_fee: formatMoney(fee(c.amount)),
            net_amount: formatMoney({ currency: c.amount.currency, minor: c.amount.minor - fee(c.amount).minor }),
          },
        }
      : {}),
    ...(c.customId ? { custom_id: c.customId } : {}),
    ...(c.invoiceId ? { invoice_id: c.invoiceId } : {}),
    links: [link(self, 'self'), link(`${self}/refund`, 'refund', 'POST'), link(`${api(ctx)}/v2/checkout/orders/${c.orderId}`, 'up')],
    create_time: c.createTime,
    update_time: c.updateTime,
    ...(full ? { supplementary_data: { related_ids: { order_id: c.orderId } }, payee: { ...PAYPAL_SANDBOX_MERCHANT } } : {}),
  };
}

export function refundView(state: PaypalState, r: Refund, ctx: SandboxContext): Obj {
  const capture = state.captures.get(r.captureId) as Capture;
  const refunded = capture.refundIds
    .map((id) => state.refunds.get(id) as Refund)
    .filter((x) => x.status === 'COMPLETED')
    .reduce((n, x) => n + x.amount.minor, 0);
  return {
    id: r.id,
    status: r.status,
    ...(r.status === 'PENDING' ? { status_details: { reason: 'ECHECK' } } : {}),
    amount: formatMoney(r.amount),
    ...(r.invoiceId ? { invoice_id: r.invoiceId } : {}),
    ...(r.customId ? { custom_id: r.customId } : {}),
    ...(r.noteToPayer ? { note_to_payer: r.noteToPayer } : {}),
    seller_payable_breakdown: {
      gross_amount: formatMoney(r.amount),
      paypal_fee: formatMoney(fee(r.amount)),
      net_amount: formatMoney({ currency: r.amount.currency, minor: r.amount.minor - fee(r.amount).minor }),
      total_refunded_amount: formatMoney({ currency: r.amount.currency, minor: refunded }),
    },
    links: [link(`${api(ctx)}/v2/payments/refunds/${r.id}`, 'self'), link(`${api(ctx)}/v2/payments/captures/${r.captureId}`, 'up')],
    create_time: r.createTime,
    update_time: r.updateTime,
  };
}

export function orderView(state: PaypalState, order: Order, ctx: SandboxContext, representation = true): Obj {
  const source = order.payer
    ? {
        paypal: {
          email_address: order.payer.email_address,
          account_id: order.payer.payer_id,
          account_status: 'VERIFIED',
          name: order.payer.name,
          address: order.payer.address,
        },
      }
    : order.paymentSource
      ? { paypal: {} }
      : undefined;
  if (!representation)
    return { id: order.id, status: order.status, ...(source ? { payment_source: source } : {}), links: orderLinks(order, ctx) };
  const capture = order.captureId ? state.captures.get(order.captureId) : undefined;
  const refunds = capture?.refundIds.map((id) => refundView(state, state.refunds.get(id) as Refund, ctx)) ?? [];
  const { amount, ...unit } = order.unit;
  return {
    id: order.id,
    intent: 'CAPTURE',
    status: order.status,
    ...(source ? { payment_source: source } : {}),
    purchase_units: [
      {
        ...unit,
        amount: formatMoney(amount),
        ...(capture ? { payments: { captures: [captureView(capture, ctx)], ...(refunds.length ? { refunds } : {}) } } : {}),
      },
    ],
    ...(order.payer ? { payer: order.payer } : {}),
    create_time: order.createTime,
    update_time: order.updateTime,
    links: orderLinks(order, ctx),
  };
}
