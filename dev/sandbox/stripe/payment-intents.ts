import { authorize, lapseIfDue } from './captures.ts';
import { openDispute } from './disputes.ts';
import { chargeObject, invalid, missing, type Obj, paymentIntentObject, StripeFailure, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optBoolean, optEnum, optObject, optString, optStringArray, requiredPositiveInt } from './params.ts';
import { type Call, findOwned, type IntentEntry, type PaymentMethodEntry, type Result, resolvePaymentMethod } from './state.ts';
import { emitStripeEvent } from './webhooks.ts';

/**
 * PaymentIntents: create (optionally confirming), confirm, retrieve, cancel. capture_method automatic (the
 * default) and automatic_async charge at confirmation; manual authorizes and waits for a capture (captures.ts).
 */
const CREATE_PARAMS = [
  'amount',
  'currency',
  'payment_method',
  'confirm',
  'metadata',
  'description',
  'capture_method',
  'return_url',
  'payment_method_types',
  'allowed_payment_method_types',
  'excluded_payment_method_types',
  'automatic_payment_methods',
  'receipt_email',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
  'expand',
];
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
const MAX_AMOUNT = 99_999_999;

export function createPaymentIntent(call: Call): Result {
  const { params } = call;
  onlyParams(params, CREATE_PARAMS);
  const amount = requiredPositiveInt(params, 'amount');
  if (amount > MAX_AMOUNT) throw invalid('Amount must be no more than 99999999', { code: 'amount_too_large', param: 'amount' });
  const currency = optString(params, 'currency');
  if (currency === undefined) throw invalid('Missing required param: currency.', { code: 'parameter_missing', param: 'currency' });
  if (!/^[a-z]{3}$/.test(currency))
    throw invalid(`Invalid currency: ${currency}. Use a lowercase ISO code such as usd.`, { param: 'currency' });
  const captureMethod = optEnum(params, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const) ?? 'automatic';
  // stripe-node 23 (API 2026-10-28) names the request list allowed_payment_method_types; older versions payment_method_types.
  const listed = params.payment_method_types !== undefined ? 'payment_method_types' : 'allowed_payment_method_types';
  const types = optStringArray(params, listed);
  const automatic = optObject(params, 'automatic_payment_methods');
  if (types && automatic) {
    throw invalid(`You may only specify one of these parameters: automatic_payment_methods, ${listed}.`, {
      code: 'parameters_exclusive',
      param: 'automatic_payment_methods',
    });
  }
  let automaticSetting: Obj | null = null;
  if (automatic) {
    onlyParams(automatic, ['enabled', 'allow_redirects'], 'automatic_payment_methods');
    const enabled = optBoolean(automatic, 'enabled');
    if (enabled === undefined) {
      throw invalid('Missing required param: automatic_payment_methods[enabled].', {
        code: 'parameter_missing',
        param: 'automatic_payment_methods[enabled]',
      });
    }
    const redirects = optEnum(automatic, 'allow_redirects', ['always', 'never'] as const);
    automaticSetting = { ...(redirects ? { allow_redirects: redirects } : {}), enabled };
  } else if (!types) automaticSetting = { enabled: true };
  const confirm = optBoolean(params, 'confirm') ?? false;
  const returnUrl = optString(params, 'return_url', 2048) ?? null;
  if (returnUrl && !confirm) throw invalid('The parameter return_url can only be passed when confirm is true.', { param: 'return_url' });
  const pmId = optString(params, 'payment_method');
  const paymentMethod = pmId ? resolvePaymentMethod(call, pmId) : null;
  if (confirm) {
    if (!paymentMethod) throw noPaymentMethod(null);
    requireReturnUrl(automaticSetting, returnUrl);
  }

  const id = stripeId('pi');
  const object = paymentIntentObject(id, {
    amount,
    currency,
    description: optString(params, 'description', 1000) ?? null,
    metadata: metadataParam(params),
    automatic: automaticSetting,
    types: types ?? ['card'],
    created: call.now,
    livemode: call.livemode,
    captureMethod,
  });
  object.receipt_email = optString(params, 'receipt_email') ?? null;
  object.statement_descriptor = optString(params, 'statement_descriptor', 22) ?? null;
  object.statement_descriptor_suffix = optString(params, 'statement_descriptor_suffix', 22) ?? null;
  object.transfer_group = optString(params, 'transfer_group') ?? null;
  if (paymentMethod) {
    object.payment_method = paymentMethod.id;
    object.status = 'requires_confirmation';
  }
  const entry: IntentEntry = { owner: call.owner, object, paymentMethod, returnUrl, apiVersion: call.origin.apiVersion };
  call.state.intents.set(id, entry);
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.created', object);
  if (confirm && paymentMethod) return runConfirmation(call, entry, paymentMethod, returnUrl);
  return { status: 200, body: object };
}

export function confirmPaymentIntent(call: Call, id: string): Result {
  const { params } = call;
  onlyParams(params, ['payment_method', 'return_url', 'expand', 'receipt_email', 'excluded_payment_method_types']);
  const entry = intent(call, id);
  const pmId = optString(params, 'payment_method');
  const returnUrl = optString(params, 'return_url', 2048) ?? entry.returnUrl;
  const pi = entry.object;
  if (!CONFIRMABLE.includes(pi.status)) {
    throw invalid(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      { code: 'payment_intent_unexpected_state', payment_intent: structuredClone(pi) },
    );
  }
  const paymentMethod = pmId ? resolvePaymentMethod(call, pmId) : entry.paymentMethod;
  if (!paymentMethod) throw noPaymentMethod(pi);
  requireReturnUrl(pi.automatic_payment_methods, returnUrl);
  return runConfirmation(call, entry, paymentMethod, returnUrl);
}

export function retrievePaymentIntent(call: Call, id: string): Result {
  onlyParams(call.params, ['expand', 'client_secret']);
  return { status: 200, body: intent(call, id).object };
}

export function cancelPaymentIntent(call: Call, id: string): Result {
  onlyParams(call.params, ['cancellation_reason', 'expand']);
  const reason = optEnum(call.params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
  const entry = intent(call, id);
  const pi = entry.object;
  if (!CANCELABLE.includes(pi.status)) {
    throw invalid(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      { code: 'payment_intent_unexpected_state', payment_intent: structuredClone(pi) },
    );
  }
  // Canceling an authorization releases what was held; the uncaptured charge itself is left as it is.
  Object.assign(pi, {
    status: 'canceled',
    canceled_at: call.now,
    cancellation_reason: reason ?? null,
    next_action: null,
    amount_capturable: 0,
  });
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.canceled', pi);
  return { status: 200, body: pi };
}

/** The customer passed 3-D Secure on the redirect page: the PaymentIntent is charged, or authorized when captured manually. */
export function completeAuthentication(call: Call, entry: IntentEntry): boolean {
  if (entry.object.status !== 'requires_action' || !entry.paymentMethod) return false;
  (entry.object.capture_method === 'manual' ? authorize : succeed)(call, entry, entry.paymentMethod, true);
  return true;
}

/**
 * The customer failed 3-D Secure on the redirect page: as on Stripe, the PaymentIntent goes back to
 * requires_payment_method with payment_intent_authentication_failure, and payment_intent.payment_failed is sent.
 */
export function failAuthentication(call: Call, entry: IntentEntry): boolean {
  const pi = entry.object;
  if (pi.status !== 'requires_action' || !entry.paymentMethod) return false;
  const error = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    payment_method: entry.paymentMethod.object,
  };
  Object.assign(pi, { status: 'requires_payment_method', payment_method: null, next_action: null, last_payment_error: error });
  entry.paymentMethod = null;
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.payment_failed', pi);
  return true;
}

function noPaymentMethod(pi: Obj | null) {
  return invalid(
    "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
    { code: 'payment_intent_unexpected_state', ...(pi ? { payment_intent: structuredClone(pi) } : {}) },
  );
}

/** The caller's PaymentIntent, after an authorization past its capture window has lapsed. */
function intent(call: Call, id: string): IntentEntry {
  const entry = findOwned(call.state.intents, id, call.owner);
  if (!entry) throw missing('payment_intent', id, 'intent');
  lapseIfDue(call, entry);
  return entry;
}

/** Stripe refuses to confirm with redirect-capable automatic payment methods unless it knows where to send the customer back. */
function requireReturnUrl(automatic: Obj | null, returnUrl: string | null) {
  if (automatic?.enabled && automatic.allow_redirects !== 'never' && !returnUrl) {
    throw invalid(
      "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
      { param: 'return_url' },
    );
  }
}

function runConfirmation(call: Call, entry: IntentEntry, pm: PaymentMethodEntry, returnUrl: string | null): Result {
  const pi = entry.object;
  entry.paymentMethod = pm;
  entry.returnUrl = returnUrl;
  const outcome = pm.card.outcome;
  if (outcome.kind === 'succeed') return (pi.capture_method === 'manual' ? authorize : succeed)(call, entry, pm, false);
  if (outcome.kind === 'authenticate') {
    Object.assign(pi, {
      status: 'requires_action',
      payment_method: pm.id,
      last_payment_error: null,
      next_action: {
        type: 'redirect_to_url',
        redirect_to_url: { url: `${call.ctx.sandboxUrl}/__sandbox/3ds/${pi.id}`, return_url: returnUrl },
      },
    });
    emitStripeEvent(call.ctx, call.origin, 'payment_intent.requires_action', pi);
    return { status: 200, body: pi };
  }
  const charge = chargeObject(pi, pm.object, outcome, call.now);
  call.state.charges.set(charge.id, { owner: entry.owner, object: charge });
  const error = {
    type: 'card_error' as const,
    code: outcome.code,
    decline_code: outcome.decline_code,
    message: outcome.message,
    charge: charge.id,
    doc_url: `https://stripe.com/docs/error-codes/${outcome.code.replace(/_/g, '-')}`,
  };
  Object.assign(pi, {
    status: 'requires_payment_method',
    payment_method: null,
    latest_charge: charge.id,
    next_action: null,
    last_payment_error: { ...error, payment_method: pm.object },
  });
  entry.paymentMethod = null;
  emitStripeEvent(call.ctx, call.origin, 'charge.failed', charge);
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.payment_failed', pi);
  throw new StripeFailure(402, { ...error, payment_intent: structuredClone(pi), payment_method: pm.object });
}

/**
 * Charges the intent's payment method: a succeeded charge, then charge.succeeded and payment_intent.succeeded;
 * a dispute test card's cardholder then disputes the charge (disputes.ts).
 */
export function succeed(call: Call, entry: IntentEntry, pm: PaymentMethodEntry, authenticated: boolean): Result {
  const pi = entry.object;
  const charge = chargeObject(pi, pm.object, authenticated ? { kind: 'authenticate' } : { kind: 'succeed' }, call.now);
  const owned = { owner: entry.owner, object: charge };
  call.state.charges.set(charge.id, owned);
  Object.assign(pi, {
    status: 'succeeded',
    amount_received: pi.amount,
    latest_charge: charge.id,
    payment_method: pm.id,
    last_payment_error: null,
    next_action: null,
  });
  emitStripeEvent(call.ctx, call.origin, 'charge.succeeded', charge);
  emitStripeEvent(call.ctx, call.origin, 'payment_intent.succeeded', pi);
  if (pm.card.dispute) openDispute(call, owned, pm.card.dispute);
  return { status: 200, body: pi };
}
