import { invalid, missing, type Obj, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optEnum, optString, requiredCurrency, requiredPositiveInt } from './params.ts';
import { type Call, findOwned, type Result } from './state.ts';
import { emitStripeEvent } from './webhooks.ts';

/**
 * Transfers (POST /v1/transfers, GET /v1/transfers/:id): from the platform's balance to a connected account
 * (`destination` acct_…), or, made under Stripe-Account, from that connected account to the platform (an
 * account debit, `destination` the platform's own id, which the sandbox does not know: any acct_… is taken).
 * `source_transaction` names a charge of the caller's whose funds pay the transfer; `transfer_group` ties it to
 * the charges of the same group. transfer.created goes out on the caller's account. Balances are not kept.
 * Setting transfers=failed refuses every transfer the way Stripe refuses one to an account that cannot receive
 * transfers (its `transfers` capability inactive): 400 insufficient_capabilities_for_transfer.
 */
const CREATE_PARAMS = [
  'amount',
  'currency',
  'destination',
  'description',
  'metadata',
  'source_transaction',
  'source_type',
  'transfer_group',
  'expand',
];

export function createTransfer(call: Call): Result {
  const { params } = call;
  onlyParams(params, CREATE_PARAMS);
  const amount = requiredPositiveInt(params, 'amount');
  const currency = requiredCurrency(params);
  const destination = optString(params, 'destination');
  if (!destination) throw invalid('Missing required param: destination.', { code: 'parameter_missing', param: 'destination' });
  if (!/^acct_[A-Za-z0-9]+$/.test(destination)) {
    throw invalid(`No such destination: '${destination}'`, { code: 'resource_missing', param: 'destination' });
  }
  const sourceId = optString(params, 'source_transaction');
  if (sourceId) {
    const source = findOwned(call.state.charges, sourceId, call.owner);
    if (!source) throw invalid(`No such charge: '${sourceId}'`, { code: 'resource_missing', param: 'source_transaction' });
    if (source.object.currency !== currency) {
      throw invalid(
        `The currency of source_transaction's balance transaction (${source.object.currency}) must be the same as the transfer currency (${currency}).`,
        { param: 'source_transaction' },
      );
    }
  }
  const sourceType = optEnum(params, 'source_type', ['bank_account', 'card', 'fpx'] as const) ?? 'card';
  const metadata = metadataParam(params);
  if (call.ctx.setting('transfers') === 'failed') {
    throw invalid(
      'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      { code: 'insufficient_capabilities_for_transfer', param: 'destination' },
    );
  }
  const id = stripeId('tr');
  const object: Obj = {
    id,
    object: 'transfer',
    amount,
    amount_reversed: 0,
    balance_transaction: stripeId('txn'),
    created: call.now,
    currency,
    description: optString(params, 'description') ?? null,
    destination,
    // The payment the destination account receives (py_…).
    destination_payment: stripeId('py'),
    livemode: call.livemode,
    metadata,
    reversals: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/transfers/${id}/reversals` },
    reversed: false,
    source_transaction: sourceId ?? null,
    source_type: sourceType,
    transfer_group: optString(params, 'transfer_group') ?? null,
  };
  call.state.transfers.set(id, { owner: call.owner, object });
  emitStripeEvent(call.ctx, call.origin, 'transfer.created', object);
  return { status: 200, body: object };
}

export function retrieveTransfer(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = findOwned(call.state.transfers, id, call.owner);
  if (!entry) throw missing('transfer', id, 'id');
  return { status: 200, body: entry.object };
}
