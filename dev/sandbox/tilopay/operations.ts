import { randomBytes, randomInt } from 'node:crypto';
import { SANDBOX_DEFAULTS, type SandboxContext } from '../types.ts';
import { orderHash } from './hash.ts';

/**
 * Tilopay hosted payments in memory: an order per (integration key, orderNumber), each with the payment attempts
 * the sandbox's payer made. Amounts are kept in hundredths (Tilopay sends every currency with two decimals).
 */
export type Obj = Record<string, any>;

export type Attempt = {
  tpt: string;
  code: string;
  description: string;
  auth: string;
  date: string;
  refunds: Array<{ tpt: string; hundredths: number }>;
};
export type Order = {
  key: string;
  orderNumber: string;
  hundredths: number;
  currency: string;
  redirect: string;
  email: string;
  returnData: string | null;
  hashVersion: 'V1' | 'V2';
  attempts: Attempt[];
  /** The hex part of the hosted page's URL (/tilopay/checkout/<page>?order=…). */
  page: string;
};
export type TilopayState = { orders: Map<string, Order> };
export const emptyState = (): TilopayState => ({ orders: new Map() });

/** A failed call: HTTP status with `{ type, message }` (the consult's `type` field, as a string; **unconfirmed** error shape). */
export class TilopayFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
export const errorBody = (status: number, message: string) => ({ type: String(status), message });
const bad = (message: string) => new TilopayFailure(400, message);

/** Integration keys look like 0000-0000-0000-0000-0000; the sandbox accepts any key of that shape. */
export const TILOPAY_KEY_FORMAT = /^[A-Za-z0-9]{4}(?:-[A-Za-z0-9]{4}){4}$/;
const AMOUNT = /^\d{1,13}\.\d{2}$/;
const ORDER_NUMBER = /^[A-Za-z0-9_-]{1,64}$/;

export const apiUser = (ctx: SandboxContext) => ctx.secrets.tilopayApiUser ?? SANDBOX_DEFAULTS.tilopayApiUser;
export const apiPassword = (ctx: SandboxContext) => ctx.secrets.tilopayApiPassword ?? SANDBOX_DEFAULTS.tilopayApiPassword;

function field(body: Obj, name: string, required = true): string {
  const v = body[name];
  if (v === undefined || v === null || v === '') {
    if (required) throw bad(`The ${name} field is required.`);
    return '';
  }
  if (typeof v !== 'string') throw bad(`The ${name} must be a string.`);
  return v;
}

function key(body: Obj): string {
  const k = field(body, 'key');
  if (!TILOPAY_KEY_FORMAT.test(k)) throw bad(`The key ${k} is not a valid integration key.`);
  return k;
}

const hundredthsOf = (amount: string) => Number(amount.replace('.', ''));
const fmt = (hundredths: number) => `${Math.floor(hundredths / 100)}.${(hundredths % 100).toString().padStart(2, '0')}`;
const ymdhms = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const tptId = () => String(randomInt(100_000, 9_999_999));

export function processPayment(ctx: SandboxContext, state: TilopayState, body: Obj) {
  const k = key(body);
  const redirect = field(body, 'redirect');
  if (!/^https?:\/\/\S+$/.test(redirect)) throw bad('The redirect must be a valid URL.');
  const amount = field(body, 'amount');
  if (!AMOUNT.test(amount) || hundredthsOf(amount) <= 0) throw bad('The amount must be a number with two decimals greater than 0.');
  const currency = field(body, 'currency');
  if (!/^[A-Z]{3}$/.test(currency)) throw bad('The currency must be an ISO 4217 code.');
  const orderNumber = field(body, 'orderNumber');
  if (!ORDER_NUMBER.test(orderNumber)) throw bad('The orderNumber may only contain letters and numbers.');
  for (const [name, values] of [
    ['capture', ['0', '1']],
    ['subscription', ['0', '1']],
  ] as const) {
    if (!(values as readonly string[]).includes(field(body, name))) throw bad(`The selected ${name} is invalid.`);
  }
  const email = field(body, 'billToEmail');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw bad('The billToEmail must be a valid email address.');
  const hashVersion = field(body, 'hashVersion', false) || 'V1';
  if (hashVersion !== 'V1' && hashVersion !== 'V2') throw bad('The selected hashVersion is invalid.');
  const id = `${k}|${orderNumber}`;
  // Order numbers are single use (reuse reported to fail — **unconfirmed**).
  if (state.orders.has(id)) throw bad('The orderNumber has already been taken.');
  const page = randomBytes(12).toString('hex');
  state.orders.set(id, {
    key: k,
    orderNumber,
    hundredths: hundredthsOf(amount),
    currency,
    redirect,
    email,
    returnData: field(body, 'returnData', false) || null,
    hashVersion,
    attempts: [],
    page,
  });
  return { url: `${ctx.sandboxUrl}/tilopay/checkout/${page}?order=${encodeURIComponent(orderNumber)}` };
}

function row(order: Order, a: Attempt): Obj {
  const refunded = a.refunds.reduce((n, r) => n + r.hundredths, 0);
  return {
    orderNumber: order.orderNumber,
    tpt: a.tpt,
    amount: fmt(order.hundredths),
    currency: order.currency,
    code: a.code,
    description: a.description,
    auth: a.auth,
    email: order.email,
    environment: 'Test',
    date: a.date,
    refunded: fmt(refunded),
  };
}

export function consult(state: TilopayState, body: Obj) {
  const k = key(body);
  const orderNumber = field(body, 'orderNumber');
  const order = state.orders.get(`${k}|${orderNumber}`);
  return { type: '200', response: order ? order.attempts.map((a) => row(order, a)) : [] };
}

export function processModification(state: TilopayState, body: Obj) {
  const k = key(body);
  const orderNumber = field(body, 'orderNumber');
  const type = field(body, 'type');
  // "2" is the refund in the Postman example; capture/reversal codes are **unconfirmed** and not emulated.
  if (type !== '2') throw bad('The sandbox emulates modification type 2 (refund) only.');
  const amount = field(body, 'amount');
  if (!AMOUNT.test(amount) || hundredthsOf(amount) <= 0) throw bad('The amount must be a number with two decimals greater than 0.');
  const order = state.orders.get(`${k}|${orderNumber}`);
  const approved = order?.attempts.find((a) => a.code === '1');
  if (!order || !approved) throw bad('The transaction was not found or is not approved.');
  const refunded = approved.refunds.reduce((n, r) => n + r.hundredths, 0);
  const requested = hundredthsOf(amount);
  if (requested > order.hundredths - refunded) throw bad('The amount exceeds the amount available to refund.');
  const refund = { tpt: tptId(), hundredths: requested };
  approved.refunds.push(refund);
  return {
    type: '200',
    response: '1',
    description: 'Refund applied',
    orderNumber,
    tpt: refund.tpt,
    amount: fmt(requested),
    currency: order.currency,
    refunded: fmt(refunded + requested),
  };
}

const OUTCOMES = {
  approved: { code: '1', description: 'Approved' },
  declined: { code: '2', description: 'Declined by the issuer' },
  pending: { code: 'Pending', description: 'SINPE Movil payment pending' },
  canceled: { code: '8', description: 'Cancelled by the customer' },
} as const;

/**
 * The sandbox's payer on the hosted page (setting `outcome`, default approved). Redirects the browser (GET) to the
 * order's `redirect` with the result and the OrderHash. A pending (SINPE) attempt is settled as approved without a
 * redirect — one-off payments have no server webhook; the app learns it from /consult. Null for an unknown order.
 */
export function complete(ctx: SandboxContext, state: TilopayState, orderNumber: string): boolean | null {
  const order = [...state.orders.values()].find((o) => o.orderNumber === orderNumber);
  if (!order) return null;
  if (order.attempts.some((a) => a.code === '1')) return false;
  const pending = order.attempts.find((a) => a.code === 'Pending');
  if (pending) {
    Object.assign(pending, OUTCOMES.approved, { auth: String(randomInt(100_000, 999_999)) });
    return false;
  }
  const outcome = OUTCOMES[(ctx.setting('outcome') ?? 'approved') as keyof typeof OUTCOMES];
  const attempt: Attempt = {
    tpt: tptId(),
    ...outcome,
    auth: outcome.code === '1' ? String(randomInt(100_000, 999_999)) : '',
    date: ymdhms(ctx.now()),
    refunds: [],
  };
  order.attempts.push(attempt);
  const hash = orderHash({
    version: order.hashVersion,
    apiKey: order.key,
    apiUser: apiUser(ctx),
    apiPassword: apiPassword(ctx),
    tpt: attempt.tpt,
    orderNumber: order.orderNumber,
    hundredths: order.hundredths,
    currency: order.currency,
    code: attempt.code,
    auth: attempt.auth,
    email: order.email,
  });
  const url = new URL(order.redirect);
  const query: Record<string, string> = {
    code: attempt.code,
    description: attempt.description,
    auth: attempt.auth,
    order: order.orderNumber,
    tpt: attempt.tpt,
    'tilopay-transaction': attempt.tpt,
    crd: '',
    OrderHash: hash,
    ...(order.returnData ? { returnData: order.returnData } : {}),
    selected_method: 'card',
    brand: 'visa',
    'last-digits': '4242',
  };
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  ctx.emitWebhook({
    provider: 'tilopay',
    method: 'GET',
    type: 'redirect',
    eventId: `tilopay:${order.orderNumber}:${attempt.tpt}:${attempt.code}`,
    url: url.toString(),
    headers: {},
    body: '',
    viaBrowser: true,
  });
  return true;
}
