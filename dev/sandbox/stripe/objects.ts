import { randomInt } from 'node:crypto';
import type { CardOutcome, TestCard } from './cards.ts';

/** Stripe API objects as the current API returns them (shapes follow the x-fixtures in shared/psp/openapi/stripe.json). */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export function randomSuffix(length = 24): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
export const stripeId = (prefix: string) => `${prefix}_${randomSuffix()}`;

export type StripeErrorBody = {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
};

export class StripeFailure extends Error {
  readonly status: number;
  readonly error: StripeErrorBody;
  constructor(status: number, error: StripeErrorBody) {
    super(error.message);
    this.status = status;
    this.error = error;
  }
}

export const invalid = (message: string, extra: Partial<StripeErrorBody> = {}) =>
  new StripeFailure(400, {
    type: 'invalid_request_error',
    message,
    ...extra,
    ...(extra.code ? { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` } : {}),
  });
export const missing = (kind: string, id: string, param?: string) =>
  new StripeFailure(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    ...(param ? { param } : {}),
  });

export type Obj = Record<string, any>;
const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

export function paymentMethodObject(id: string, card: TestCard, created: number, livemode: boolean): Obj {
  return {
    id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: NULL_ADDRESS, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date(created * 1000).getUTCFullYear() + 3,
      fingerprint: `fp${card.last4}${card.brand}`.slice(0, 16),
      funding: card.funding,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created,
    customer: null,
    livemode,
    metadata: {},
    type: 'card',
  };
}

export function paymentIntentObject(
  id: string,
  params: {
    amount: number;
    currency: string;
    description: string | null;
    metadata: Record<string, string>;
    automatic: Obj | null;
    types: string[];
    created: number;
    livemode: boolean;
    captureMethod?: 'automatic' | 'automatic_async' | 'manual';
  },
): Obj {
  return {
    id,
    object: 'payment_intent',
    amount: params.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: params.automatic,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: params.captureMethod ?? 'automatic',
    client_secret: `${id}_secret_${randomSuffix(25)}`,
    confirmation_method: 'automatic',
    created: params.created,
    currency: params.currency,
    customer: null,
    description: params.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: params.livemode,
    metadata: params.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: params.types,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}

export function chargeObject(pi: Obj, pm: Obj, outcome: CardOutcome, created: number): Obj {
  const paid = outcome.kind !== 'decline';
  const id = stripeId('ch');
  return {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: paid ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: paid ? stripeId('txn') : null,
    billing_details: pm.billing_details,
    calculated_statement_descriptor: 'EDGEPAY SANDBOX',
    captured: paid,
    created,
    currency: pi.currency,
    customer: null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: outcome.kind === 'decline' ? outcome.code : null,
    failure_message: outcome.kind === 'decline' ? outcome.message : null,
    fraud_details: {},
    livemode: pi.livemode,
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome:
      outcome.kind === 'decline'
        ? {
            network_status: 'declined_by_network',
            reason: outcome.decline_code,
            risk_level: 'normal',
            seller_message: 'The bank did not return any further details with this decline.',
            type: 'issuer_declined',
          }
        : {
            network_status: 'approved_by_network',
            reason: null,
            risk_level: 'normal',
            seller_message: 'Payment complete.',
            type: 'authorized',
          },
    paid,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: {
      card: {
        amount_authorized: paid ? pi.amount : null,
        brand: pm.card.brand,
        checks: pm.card.checks,
        country: pm.card.country,
        exp_month: pm.card.exp_month,
        exp_year: pm.card.exp_year,
        fingerprint: pm.card.fingerprint,
        funding: pm.card.funding,
        last4: pm.card.last4,
        network: pm.card.brand,
        three_d_secure:
          outcome.kind === 'authenticate' ? { authentication_flow: 'challenge', result: 'authenticated', version: '2.2.0' } : null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: paid ? 'succeeded' : 'failed',
    transfer_data: null,
    // The PaymentIntent's group: the transfers that pay this charge out share it.
    transfer_group: pi.transfer_group ?? null,
  };
}

export function refundObject(charge: Obj, amount: number, reason: string | null, metadata: Record<string, string>, created: number): Obj {
  return {
    id: stripeId('re'),
    object: 'refund',
    amount,
    balance_transaction: stripeId('txn'),
    charge: charge.id,
    created,
    currency: charge.currency,
    destination_details: {
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata,
    payment_intent: charge.payment_intent,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
/** `$12.50`-style amounts for error messages. */
export function formatAmount(amount: number, currency: string): string {
  const major = ZERO_DECIMAL.has(currency) ? String(amount) : (amount / 100).toFixed(2);
  return currency === 'usd' ? `$${major}` : `${major} ${currency.toUpperCase()}`;
}
