import { lineItemsList, lineItemsParam } from './catalog.ts';
import { openSession, paySession } from './checkout-sessions.ts';
import type { FormObject } from './form.ts';
import { invalid, missing, type Obj, randomSuffix, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optEnum, optObject, optString, optStringArray } from './params.ts';
import { type Call, findOwned, type IntentData, type LinkEntry, type Result, type SessionEntry } from './state.ts';

/**
 * Payment Links: `line_items[i][price]` + quantity (API 2023-08-16; current API versions
 * also take inline `price_data`, accepted here too), `metadata` (copied to every Checkout Session the link
 * creates), `payment_intent_data[metadata|description]` (current API; copied to the PaymentIntent),
 * `after_completion`, `transfer_data[destination]`. Links do not expire. Each sandbox complete() of a
 * link is one customer paying it: a new Checkout Session with `payment_link` set, paid at once.
 */
const CREATE_PARAMS = [
  'line_items',
  'metadata',
  'after_completion',
  'payment_intent_data',
  'transfer_data',
  'on_behalf_of',
  'application_fee_amount',
  'currency',
  'customer_creation',
  'payment_method_types',
  'billing_address_collection',
  'submit_type',
  'allow_promotion_codes',
  'expand',
];

function afterCompletionParam(params: FormObject): Obj {
  const value = optObject(params, 'after_completion');
  if (!value) return { hosted_confirmation: { custom_message: null }, type: 'hosted_confirmation' };
  onlyParams(value, ['type', 'redirect', 'hosted_confirmation'], 'after_completion');
  const type = optEnum(value, 'type', ['hosted_confirmation', 'redirect'] as const);
  if (!type)
    throw invalid('Missing required param: after_completion[type].', { code: 'parameter_missing', param: 'after_completion[type]' });
  if (type === 'redirect') {
    const redirect = optObject(value, 'redirect');
    const url = redirect ? optString(redirect, 'url', 2048) : undefined;
    if (!url)
      throw invalid('Missing required param: after_completion[redirect][url].', {
        code: 'parameter_missing',
        param: 'after_completion[redirect][url]',
      });
    return { redirect: { url }, type };
  }
  const hosted = optObject(value, 'hosted_confirmation');
  return { hosted_confirmation: { custom_message: hosted ? (optString(hosted, 'custom_message', 500) ?? null) : null }, type };
}

function intentDataParam(params: FormObject): IntentData {
  const data = optObject(params, 'payment_intent_data');
  let transferDestination: string | null = null;
  const transfer = optObject(params, 'transfer_data');
  if (transfer) {
    onlyParams(transfer, ['destination', 'amount'], 'transfer_data');
    const destination = optString(transfer, 'destination');
    if (!destination || !/^acct_[A-Za-z0-9]+$/.test(destination)) {
      throw invalid(`No such destination: '${destination ?? ''}'`, { code: 'resource_missing', param: 'transfer_data[destination]' });
    }
    transferDestination = destination;
  }
  if (!data) return { metadata: {}, description: null, transferDestination };
  onlyParams(
    data,
    [
      'capture_method',
      'setup_future_usage',
      'metadata',
      'description',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'transfer_group',
    ],
    'payment_intent_data',
  );
  const capture = optEnum(data, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const);
  if (capture === 'manual')
    throw invalid('The sandbox emulates capture_method=automatic only.', { param: 'payment_intent_data[capture_method]' });
  return { metadata: metadataParam(data), description: optString(data, 'description', 1000) ?? null, transferDestination };
}

export function createPaymentLink(call: Call): Result {
  const { params } = call;
  onlyParams(params, CREATE_PARAMS);
  const lines = lineItemsParam(call, { inlinePrices: true, max: 20 });
  const intentData = intentDataParam(params);
  const id = stripeId('plink');
  const object: Obj = {
    id,
    object: 'payment_link',
    active: true,
    after_completion: afterCompletionParam(params),
    allow_promotion_codes: false,
    application: null,
    application_fee_amount: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null },
    billing_address_collection: 'auto',
    consent_collection: null,
    currency: lines[0]?.price.currency,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer_creation: 'if_required',
    inactive_message: null,
    invoice_creation: null,
    livemode: call.livemode,
    metadata: metadataParam(params),
    on_behalf_of: null,
    payment_intent_data: {
      capture_method: null,
      description: intentData.description,
      metadata: intentData.metadata,
      setup_future_usage: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      transfer_group: null,
    },
    payment_method_collection: 'always',
    payment_method_types: optStringArray(params, 'payment_method_types') ?? null,
    phone_number_collection: { enabled: false },
    restrictions: null,
    shipping_address_collection: null,
    shipping_options: [],
    submit_type: 'auto',
    subscription_data: null,
    tax_id_collection: { enabled: false, required: 'never' },
    transfer_data: intentData.transferDestination ? { amount: null, destination: intentData.transferDestination } : null,
    url: `${call.ctx.sandboxUrl}/stripe/buy/${call.livemode ? '' : 'test_'}${randomSuffix(14)}`,
  };
  const entry: LinkEntry = { owner: call.owner, object, apiVersion: call.origin.apiVersion, lines, intentData };
  call.state.links.set(id, entry);
  if ((optStringArray(params, 'expand') ?? []).includes('line_items')) {
    return { status: 200, body: { ...object, line_items: lineItemsList(lines, `/v1/payment_links/${id}/line_items`) } };
  }
  return { status: 200, body: object };
}

export function retrievePaymentLink(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = findOwned(call.state.links, id, call.owner);
  if (!entry) throw missing('payment_link', id);
  return { status: 200, body: entry.object };
}

/**
 * A customer pays the link: a new Checkout Session made from it, paid (or processing, per the `checkout` setting).
 * Returns that session and whether it was paid, or 'inactive'.
 */
export function payLink(call: Call, entry: LinkEntry): { session: SessionEntry; paid: boolean } | 'inactive' {
  const link = entry.object;
  if (!link.active) return 'inactive';
  const session = openSession(call, {
    lines: entry.lines,
    intentData: entry.intentData,
    metadata: { ...link.metadata },
    successUrl: link.after_completion.type === 'redirect' ? link.after_completion.redirect.url : null,
    cancelUrl: null,
    expiresAt: call.now + 24 * 60 * 60,
    clientReferenceId: null,
    customerEmail: null,
    paymentLink: link.id,
    paymentMethodTypes: link.payment_method_types ?? ['card'],
  });
  return { session, paid: paySession(call, session) === true };
}
