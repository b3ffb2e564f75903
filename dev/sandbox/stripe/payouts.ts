import { missing, type Obj, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optEnum, optString, requiredCurrency, requiredPositiveInt } from './params.ts';
import { type Call, findOwned, type Result, type VersionedEntry } from './state.ts';
import { emitStripeEvent } from './webhooks.ts';

/**
 * Payouts (POST /v1/payouts, GET /v1/payouts/:id): from the balance of the caller — a connected account under
 * Stripe-Account, else the platform — to its default external account. A payout is created `pending`
 * (payout.created) and settles on sandbox complete(po_…): `paid` (payout.updated, payout.paid), or, with the
 * setting payouts=failed, `failed` as a closed bank account fails it (payout.updated, payout.failed). Balances
 * are not kept, so a payout never fails for want of funds (Stripe: balance_insufficient at creation).
 */
const DAY_S = 86_400;
const CREATE_PARAMS = [
  'amount',
  'currency',
  'description',
  'destination',
  'metadata',
  'method',
  'source_type',
  'statement_descriptor',
  'expand',
];

/** A standard payout is dated the next business day (midnight UTC, as Stripe dates arrivals); an instant one now. */
function arrivalDate(now: number, method: 'standard' | 'instant'): number {
  if (method === 'instant') return now;
  let day = Math.floor(now / DAY_S) * DAY_S + DAY_S;
  while ([0, 6].includes(new Date(day * 1000).getUTCDay())) day += DAY_S;
  return day;
}

/** The caller's default external account: the same ba_… for all its payouts, as on Stripe. */
function defaultBankAccount(call: Call): string {
  let id = call.state.bankAccounts.get(call.owner);
  if (!id) {
    id = stripeId('ba');
    call.state.bankAccounts.set(call.owner, id);
  }
  return id;
}

export function createPayout(call: Call): Result {
  const { params } = call;
  onlyParams(params, CREATE_PARAMS);
  const amount = requiredPositiveInt(params, 'amount');
  const currency = requiredCurrency(params);
  const method = optEnum(params, 'method', ['standard', 'instant'] as const) ?? 'standard';
  const sourceType = optEnum(params, 'source_type', ['bank_account', 'card', 'fpx'] as const) ?? 'card';
  const destination = optString(params, 'destination') ?? defaultBankAccount(call);
  const object: Obj = {
    id: stripeId('po'),
    object: 'payout',
    amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: arrivalDate(call.now, method),
    automatic: false,
    balance_transaction: stripeId('txn'),
    created: call.now,
    currency,
    description: optString(params, 'description') ?? null,
    destination,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: call.livemode,
    metadata: metadataParam(params),
    method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'not_applicable',
    reversed_by: null,
    source_type: sourceType,
    statement_descriptor: optString(params, 'statement_descriptor', 22) ?? null,
    status: 'pending',
    trace_id: { status: 'pending', value: null },
    type: destination.startsWith('card_') ? 'card' : 'bank_account',
  };
  call.state.payouts.set(object.id, { owner: call.owner, object, apiVersion: call.origin.apiVersion });
  emitStripeEvent(call.ctx, call.origin, 'payout.created', object);
  return { status: 200, body: object };
}

export function retrievePayout(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = findOwned(call.state.payouts, id, call.owner);
  if (!entry) throw missing('payout', id, 'payout');
  return { status: 200, body: entry.object };
}

/**
 * A pending payout reaches the bank: paid, or failed (setting payouts=failed) with the failure Stripe reports
 * for a closed account and a balance transaction that returns the funds. False when it is no longer pending.
 */
export function settlePayout(call: Call, entry: VersionedEntry): boolean {
  const payout = entry.object;
  if (payout.status !== 'pending') return false;
  const trace = { status: 'unsupported', value: null };
  if (call.ctx.setting('payouts') === 'failed') {
    const previous = { failure_balance_transaction: null, failure_code: null, failure_message: null, status: 'pending' };
    Object.assign(payout, {
      status: 'failed',
      failure_balance_transaction: stripeId('txn'),
      failure_code: 'account_closed',
      failure_message: 'The bank account has been closed.',
      trace_id: trace,
    });
    emitStripeEvent(call.ctx, call.origin, 'payout.updated', payout, previous);
    emitStripeEvent(call.ctx, call.origin, 'payout.failed', payout);
    return true;
  }
  Object.assign(payout, { status: 'paid', trace_id: trace });
  emitStripeEvent(call.ctx, call.origin, 'payout.updated', payout, { status: 'pending' });
  emitStripeEvent(call.ctx, call.origin, 'payout.paid', payout);
  return true;
}
