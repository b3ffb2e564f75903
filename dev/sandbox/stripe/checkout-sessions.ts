import { lineItemsList, lineItemsParam, linesTotal } from './catalog.ts';
import type { FormObject } from './form.ts';
import { invalid, missing, type Obj, paymentIntentObject, randomSuffix, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optEnum, optObject, optString, optStringArray } from './params.ts';
import { succeed } from './payment-intents.ts';
import {
  type Call,
  findOwned,
  type IntentData,
  type IntentEntry,
  type LineEntry,
  type Result,
  resolvePaymentMethod,
  type SessionEntry,
} from './state.ts';
import { emitStripeEvent } from './webhooks.ts';

/**
 * Checkout Sessions in payment mode: create, retrieve (expand payment_intent,
 * payment_intent.latest_charge, line_items, payment_link), expire. The PaymentIntent is created when the
 * customer pays (current API; `payment_intent` is null while the session is open). An open session past
 * `expires_at` expires on the next look (checkout.session.expired). The setting `checkout` decides how the
 * sandbox's customer pays: 'card' (default) pays at once; 'delayed' / 'delayed_failure' leave the session
 * complete + unpaid with a processing PaymentIntent until a second complete() settles it as succeeded / failed.
 */
const MIN_EXPIRY_S = 30 * 60;
const MAX_EXPIRY_S = 24 * 60 * 60;
const MAX_TOTAL = 99_999_999;

const CREATE_PARAMS = [
  'mode',
  'line_items',
  'success_url',
  'cancel_url',
  'expires_at',
  'client_reference_id',
  'metadata',
  'payment_intent_data',
  'customer_email',
  'customer',
  'currency',
  'locale',
  'payment_method_types',
  'submit_type',
  'billing_address_collection',
  'ui_mode',
  'expand',
];
const INTENT_DATA_PARAMS = [
  'metadata',
  'description',
  'transfer_data',
  'application_fee_amount',
  'capture_method',
  'receipt_email',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'on_behalf_of',
  'transfer_group',
  'setup_future_usage',
];

function sessionId(livemode: boolean): string {
  return `cs_${livemode ? 'live' : 'test'}_${randomSuffix(58)}`;
}

function expiresAtParam(params: FormObject, now: number): number {
  const raw = params.expires_at;
  if (raw === undefined || raw === '') return now + MAX_EXPIRY_S;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw))
    throw invalid('Invalid integer', { code: 'parameter_invalid_integer', param: 'expires_at' });
  const at = Number(raw);
  if (at < now + MIN_EXPIRY_S) {
    throw invalid('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', { param: 'expires_at' });
  }
  if (at > now + MAX_EXPIRY_S) {
    throw invalid('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', { param: 'expires_at' });
  }
  return at;
}

function intentDataParam(params: FormObject): IntentData {
  const data = optObject(params, 'payment_intent_data');
  if (!data) return { metadata: {}, description: null, transferDestination: null };
  onlyParams(data, INTENT_DATA_PARAMS, 'payment_intent_data');
  const capture = optEnum(data, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const);
  if (capture === 'manual')
    throw invalid('The sandbox emulates capture_method=automatic only.', { param: 'payment_intent_data[capture_method]' });
  let transferDestination: string | null = null;
  const transfer = optObject(data, 'transfer_data');
  if (transfer) {
    onlyParams(transfer, ['destination', 'amount'], 'payment_intent_data[transfer_data]');
    const destination = optString(transfer, 'destination');
    if (!destination) {
      throw invalid('Missing required param: payment_intent_data[transfer_data][destination].', {
        code: 'parameter_missing',
        param: 'payment_intent_data[transfer_data][destination]',
      });
    }
    if (!/^acct_[A-Za-z0-9]+$/.test(destination)) {
      throw invalid(`No such destination: '${destination}'`, {
        code: 'resource_missing',
        param: 'payment_intent_data[transfer_data][destination]',
      });
    }
    transferDestination = destination;
  }
  return {
    metadata: metadataParam(data),
    description: optString(data, 'description', 1000) ?? null,
    transferDestination,
  };
}

/** A new open session; `from` names the Payment Link it was made from, if any. */
export function openSession(
  call: Call,
  input: {
    lines: LineEntry[];
    intentData: IntentData;
    metadata: Record<string, string>;
    successUrl: string | null;
    cancelUrl: string | null;
    expiresAt: number;
    clientReferenceId: string | null;
    customerEmail: string | null;
    paymentLink: string | null;
    paymentMethodTypes: string[];
  },
): SessionEntry {
  const id = sessionId(call.livemode);
  const total = linesTotal(input.lines);
  const object: Obj = {
    id,
    object: 'checkout.session',
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null,
    consent: null,
    consent_collection: null,
    created: call.now,
    currency: input.lines[0]?.price.currency ?? null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: input.customerEmail,
    expires_at: input.expiresAt,
    invoice: null,
    invoice_creation: null,
    livemode: call.livemode,
    locale: null,
    metadata: input.metadata,
    mode: 'payment',
    payment_intent: null,
    payment_link: input.paymentLink,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: input.paymentMethodTypes,
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: `${call.ctx.sandboxUrl}/stripe/checkout/${id}`,
  };
  const entry: SessionEntry = {
    owner: call.owner,
    object,
    apiVersion: call.origin.apiVersion,
    lines: input.lines,
    intentData: input.intentData,
  };
  call.state.sessions.set(id, entry);
  return entry;
}

export function createCheckoutSession(call: Call): Result {
  const { params } = call;
  onlyParams(params, CREATE_PARAMS);
  const mode = optEnum(params, 'mode', ['payment', 'setup', 'subscription'] as const);
  if (!mode) throw invalid('Missing required param: mode.', { code: 'parameter_missing', param: 'mode' });
  if (mode !== 'payment') throw invalid('The sandbox emulates Checkout Sessions in payment mode only.', { param: 'mode' });
  const uiMode = optEnum(params, 'ui_mode', ['hosted', 'embedded', 'hosted_page'] as const);
  if (uiMode === 'embedded') throw invalid('The sandbox emulates hosted Checkout Sessions only.', { param: 'ui_mode' });
  const successUrl = optString(params, 'success_url', 5000);
  if (!successUrl) throw invalid('Missing required param: success_url.', { code: 'parameter_missing', param: 'success_url' });
  const lines = lineItemsParam(call, { inlinePrices: true, max: 100 });
  const total = linesTotal(lines);
  if (total <= 0) throw invalid('The Checkout Session total must be greater than zero in payment mode.', { param: 'line_items' });
  if (total > MAX_TOTAL) throw invalid(`Amount must be no more than ${MAX_TOTAL}`, { code: 'amount_too_large', param: 'line_items' });
  const entry = openSession(call, {
    lines,
    intentData: intentDataParam(params),
    metadata: metadataParam(params),
    successUrl,
    cancelUrl: optString(params, 'cancel_url', 5000) ?? null,
    expiresAt: expiresAtParam(params, call.now),
    clientReferenceId: optString(params, 'client_reference_id', 200) ?? null,
    customerEmail: optString(params, 'customer_email', 800) ?? null,
    paymentLink: null,
    paymentMethodTypes: optStringArray(params, 'payment_method_types') ?? ['card'],
  });
  return { status: 200, body: expanded(call, entry) };
}

export function retrieveCheckoutSession(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = session(call, id);
  expireIfDue(call, entry);
  return { status: 200, body: expanded(call, entry) };
}

export function expireCheckoutSession(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = session(call, id);
  expireIfDue(call, entry);
  const status = entry.object.status;
  if (status !== 'open') {
    throw invalid(`This Checkout Session is ${status}. Only Checkout Sessions with a status in ["open"] can be expired.`, {
      param: 'session',
    });
  }
  expire(call, entry);
  return { status: 200, body: expanded(call, entry) };
}

function session(call: Call, id: string): SessionEntry {
  const entry = findOwned(call.state.sessions, id, call.owner);
  if (!entry) throw missing('checkout.session', id);
  return entry;
}

function expire(call: Call, entry: SessionEntry) {
  Object.assign(entry.object, { status: 'expired', url: null });
  emitStripeEvent(call.ctx, call.origin, 'checkout.session.expired', entry.object);
}

/** Stripe expires open sessions at expires_at; the sandbox does it when the session is next looked at. */
export function expireIfDue(call: Call, entry: SessionEntry) {
  if (entry.object.status === 'open' && call.now >= entry.object.expires_at) expire(call, entry);
}

/** The session with `expand[]` applied (a copy; stored objects keep ids). */
function expanded(call: Call, entry: SessionEntry): Obj {
  const paths = optStringArray(call.params, 'expand') ?? [];
  const object = structuredClone(entry.object);
  for (const path of paths) {
    if (path === 'payment_intent' || path === 'payment_intent.latest_charge') {
      if (!object.payment_intent) continue;
      const expandedIntent =
        typeof object.payment_intent === 'object'
          ? object.payment_intent
          : structuredClone(call.state.intents.get(object.payment_intent)?.object ?? null);
      if (!expandedIntent) continue;
      if (path === 'payment_intent.latest_charge' && typeof expandedIntent.latest_charge === 'string') {
        expandedIntent.latest_charge = structuredClone(
          call.state.charges.get(expandedIntent.latest_charge)?.object ?? expandedIntent.latest_charge,
        );
      }
      object.payment_intent = expandedIntent;
    } else if (path === 'line_items') {
      object.line_items = lineItemsList(entry.lines, `/v1/checkout/sessions/${entry.object.id}/line_items`);
    } else if (path === 'payment_link') {
      const link = object.payment_link ? call.state.links.get(object.payment_link) : undefined;
      if (link) object.payment_link = structuredClone(link.object);
    } else {
      throw invalid(`This property cannot be expanded (${path}).`, { param: 'expand' });
    }
  }
  return object;
}

/**
 * The customer pays an open session (sandbox complete()): a PaymentIntent with the session's
 * payment_intent_data, charged with a test card, then checkout.session.completed. With the `checkout`
 * setting 'delayed'/'delayed_failure' the payment stays processing and the session unpaid. A complete
 * + unpaid session settles on the next call: async_payment_succeeded, or async_payment_failed for
 * 'delayed_failure'. Returns false when there is nothing to do, 'expired' for an expired session.
 */
export function paySession(call: Call, entry: SessionEntry): boolean | 'expired' {
  expireIfDue(call, entry);
  const s = entry.object;
  if (s.status === 'expired') return 'expired';
  const mode = call.ctx.setting('checkout') ?? 'card';
  if (s.status === 'complete') {
    if (s.payment_status !== 'unpaid') return false;
    const intent = call.state.intents.get(s.payment_intent) as IntentEntry;
    if (intent.object.status !== 'processing') return false;
    if (mode === 'delayed_failure') {
      failDelayed(call, intent);
      emitStripeEvent(call.ctx, call.origin, 'checkout.session.async_payment_failed', s);
    } else {
      succeed(call, intent, intent.paymentMethod ?? resolvePaymentMethod(call, 'pm_card_visa'), false);
      s.payment_status = 'paid';
      emitStripeEvent(call.ctx, call.origin, 'checkout.session.async_payment_succeeded', s);
    }
    return true;
  }
  const intent = createIntent(call, entry);
  const pm = resolvePaymentMethod(call, 'pm_card_visa');
  if (mode === 'card') {
    succeed(call, intent, pm, false);
    s.payment_status = 'paid';
  } else {
    Object.assign(intent.object, { status: 'processing', payment_method: pm.id });
    intent.paymentMethod = pm;
  }
  Object.assign(s, {
    status: 'complete',
    payment_intent: intent.object.id,
    url: null,
    customer_details: {
      address: null,
      email: s.customer_email ?? 'customer@example.com',
      name: 'Sandbox Customer',
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
  });
  emitStripeEvent(call.ctx, call.origin, 'checkout.session.completed', s);
  return true;
}

function createIntent(call: Call, entry: SessionEntry): IntentEntry {
  const s = entry.object;
  const id = stripeId('pi');
  const object = paymentIntentObject(id, {
    amount: s.amount_total,
    currency: s.currency,
    description: entry.intentData.description,
    metadata: { ...entry.intentData.metadata },
    automatic: null,
    types: s.payment_method_types,
    created: call.now,
    livemode: s.livemode,
  });
  if (entry.intentData.transferDestination) object.transfer_data = { destination: entry.intentData.transferDestination };
  const intent: IntentEntry = { owner: entry.owner, object, paymentMethod: null, returnUrl: null, apiVersion: entry.apiVersion };
  call.state.intents.set(id, intent);
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.created', object);
  return intent;
}

function failDelayed(call: Call, intent: IntentEntry) {
  const error = {
    type: 'card_error',
    code: 'payment_intent_payment_attempt_failed',
    message: 'The payment failed.',
    payment_method: intent.paymentMethod?.object ?? null,
  };
  Object.assign(intent.object, { status: 'requires_payment_method', payment_method: null, last_payment_error: error });
  intent.paymentMethod = null;
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.payment_failed', intent.object);
}
