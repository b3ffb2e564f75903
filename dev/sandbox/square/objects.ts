import { randomInt } from 'node:crypto';

/** Square objects and errors as the v2 API returns them (shapes from shared/psp/openapi/square.json). */
export const SQUARE_LOCATION_ID = 'LSBX0EDGEPAY1';
export const SQUARE_MERCHANT_ID = 'MLSBX0EDGEPAY';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const UPPER = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export function random(length: number, alphabet = BASE62): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
export const paymentId = () => random(29);
export const orderId = () => random(29);
export const linkId = () => random(16, UPPER);
export const refundId = (payment: string) => `${payment}_${random(30)}`;

export type Money = { amount: number; currency: string };
export type Obj = Record<string, any>;
export type SquareError = { category: string; code: string; detail: string; field?: string };

export class SquareFailure extends Error {
  readonly status: number;
  readonly errors: SquareError[];
  /** Extra top-level fields of the error body, e.g. the FAILED payment of a declined CreatePayment. */
  readonly extra: Obj;
  /** Validation failures are not stored for idempotent replay; failures of an executed request are. */
  readonly stored: boolean;
  constructor(status: number, errors: SquareError[], options: { extra?: Obj; stored?: boolean } = {}) {
    super(errors[0]?.detail ?? 'error');
    this.status = status;
    this.errors = errors;
    this.extra = options.extra ?? {};
    this.stored = options.stored ?? false;
  }
}

export const badRequest = (code: string, detail: string, field?: string) =>
  new SquareFailure(400, [{ category: 'INVALID_REQUEST_ERROR', code, detail, ...(field ? { field } : {}) }]);
export const notFound = (detail: string, field?: string) =>
  new SquareFailure(404, [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail, ...(field ? { field } : {}) }]);

/** Sandbox payment tokens (developer.squareup.com/docs/devtools/sandbox/payments) and their outcomes. */
export type Nonce = { brand: string; last4: string; bin: string; decline?: { code: string; cvv?: string; avs?: string } };
export const NONCES: Record<string, Nonce> = {
  'cnon:card-nonce-ok': { brand: 'VISA', last4: '5858', bin: '453275' },
  'cnon:card-nonce-declined': { brand: 'VISA', last4: '0002', bin: '400000', decline: { code: 'GENERIC_DECLINE' } },
  'cnon:card-nonce-rejected-cvv': { brand: 'VISA', last4: '5858', bin: '453275', decline: { code: 'CVV_FAILURE', cvv: 'CVV_REJECTED' } },
  'cnon:card-nonce-rejected-postalcode': {
    brand: 'VISA',
    last4: '5858',
    bin: '453275',
    decline: { code: 'ADDRESS_VERIFICATION_FAILURE', avs: 'AVS_REJECTED' },
  },
  'cnon:card-nonce-rejected-expiration': { brand: 'VISA', last4: '5858', bin: '453275', decline: { code: 'INVALID_EXPIRATION' } },
};

export function paymentObject(input: {
  id: string;
  now: number;
  amount: Money;
  nonce: Nonce;
  status: 'COMPLETED' | 'APPROVED' | 'FAILED';
  locationId: string;
  orderId: string;
  referenceId?: string;
  note?: string;
  buyerEmail?: string;
}): Obj {
  const at = new Date(input.now).toISOString();
  const { nonce, status } = input;
  const failed = status === 'FAILED';
  return {
    id: input.id,
    created_at: at,
    updated_at: at,
    amount_money: input.amount,
    total_money: input.amount,
    approved_money: failed ? { amount: 0, currency: input.amount.currency } : input.amount,
    status,
    ...(status === 'APPROVED'
      ? { delay_duration: 'PT168H', delay_action: 'CANCEL', delayed_until: new Date(input.now + 168 * 3600_000).toISOString() }
      : {}),
    source_type: 'CARD',
    card_details: {
      status: failed ? 'FAILED' : status === 'APPROVED' ? 'AUTHORIZED' : 'CAPTURED',
      card: {
        card_brand: nonce.brand,
        last_4: nonce.last4,
        exp_month: 12,
        exp_year: new Date(input.now).getUTCFullYear() + 3,
        fingerprint: `sq-1-${nonce.bin}${nonce.last4}`,
        card_type: 'CREDIT',
        prepaid_type: 'NOT_PREPAID',
        bin: nonce.bin,
      },
      entry_method: 'KEYED',
      cvv_status: nonce.decline?.cvv ?? 'CVV_ACCEPTED',
      avs_status: nonce.decline?.avs ?? 'AVS_ACCEPTED',
      statement_description: 'SQ *EDGEPAY SANDBOX',
      card_payment_timeline: failed
        ? { authorized_at: null }
        : { authorized_at: at, ...(status === 'COMPLETED' ? { captured_at: at } : {}) },
      ...(failed && nonce.decline ? { errors: [declineError(nonce.decline.code)] } : {}),
    },
    location_id: input.locationId,
    order_id: input.orderId,
    ...(input.referenceId ? { reference_id: input.referenceId } : {}),
    ...(input.note ? { note: input.note } : {}),
    ...(input.buyerEmail ? { buyer_email_address: input.buyerEmail } : {}),
    risk_evaluation: { created_at: at, risk_level: 'NORMAL' },
    ...(failed ? {} : { receipt_number: input.id.slice(0, 4), receipt_url: `https://squareupsandbox.com/receipt/preview/${input.id}` }),
    application_details: { square_product: 'ECOMMERCE_API', application_id: 'sandbox-sq0idb-edgepay' },
    version_token: random(40),
  };
}

export function declineError(code: string): SquareError {
  return { category: 'PAYMENT_METHOD_ERROR', code, detail: `Authorization error: '${code}'` };
}

export function refundObject(payment: Obj, id: string, amount: Money, reason: string | undefined, status: string, now: number): Obj {
  const at = new Date(now).toISOString();
  return {
    id,
    status,
    location_id: payment.location_id,
    unlinked: false,
    destination_type: 'CARD',
    amount_money: amount,
    payment_id: payment.id,
    order_id: payment.order_id,
    ...(reason ? { reason } : {}),
    created_at: at,
    updated_at: at,
  };
}

/** A DRAFT order for a quick_pay link with one ad hoc line item. */
export function quickPayOrder(id: string, name: string, price: Money, locationId: string, now: number): Obj {
  const at = new Date(now).toISOString();
  const zero = { amount: 0, currency: price.currency };
  return {
    id,
    location_id: locationId,
    source: { name: 'Sandbox Checkout' },
    line_items: [
      {
        uid: random(22),
        name,
        quantity: '1',
        item_type: 'CUSTOM_AMOUNT',
        base_price_money: price,
        variation_total_price_money: price,
        gross_sales_money: price,
        total_tax_money: zero,
        total_discount_money: zero,
        total_money: price,
      },
    ],
    net_amounts: { total_money: price, tax_money: zero, discount_money: zero, tip_money: zero, service_charge_money: zero },
    created_at: at,
    updated_at: at,
    state: 'DRAFT',
    version: 1,
    total_money: price,
    total_tax_money: zero,
    total_discount_money: zero,
    total_tip_money: zero,
    total_service_charge_money: zero,
    net_amount_due_money: price,
  };
}
