import Stripe from 'stripe';
import { z } from 'zod';
import { MAX_EVENT_ID_LENGTH, MAX_EVENT_TYPE_LENGTH, WebhookPayloadError } from '../checkout';
import type { PspEvent } from '../types';
import {
  isStripePaymentIntentStatus,
  isStripeRefundStatus,
  paymentIntentToOutcome,
  refundToOutcome,
  type StripePaymentIntent,
  type StripeRefund,
} from './transformers';

const cryptoProvider = Stripe.createSubtleCryptoProvider();
// Only the webhook helpers are used; no API key is needed for them.
const stripe = new Stripe('sk_test_webhooks_only', { httpClient: Stripe.createFetchHttpClient() });

export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** A verified Stripe event as the webhook code reads it. */
export type StripeEventLike = { id: string; type: string; created: number; data: { object: Record<string, unknown> } };

/**
 * Verifies `Stripe-Signature` over the raw body (HMAC-SHA256, 300 s tolerance) before anything is parsed, then
 * reads the event (readStripeEvent): an authentic body that is not a well-formed event is a WebhookPayloadError.
 */
export async function verifyStripeWebhook(rawBody: string, signature: string | undefined, secret: string): Promise<StripeEventLike> {
  if (!signature) throw new WebhookSignatureError('Missing Stripe-Signature header');
  const signatures = stripe.webhooks.signature;
  if (!signatures) throw new Error('the stripe package has no signature helper');
  try {
    await signatures.verifyHeaderAsync(rawBody, signature, secret, STRIPE_WEBHOOK_TOLERANCE_SECONDS, cryptoProvider);
  } catch (err) {
    throw new WebhookSignatureError(err instanceof Error ? err.message : 'Invalid signature');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new WebhookPayloadError('Stripe event body is not JSON');
  }
  return readStripeEvent(parsed);
}

// ---- the event's shape ---------------------------------------------------------------------------
// Only what the three owners (checkout sessions, recovery, ticket payments) read is checked; other fields
// pass through untouched. Lengths follow Stripe's documented limits (ids are short, metadata values ≤ 500).

const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);
const Code = z.string().max(255);
const Minor = z.number().int().nonnegative();
const Currency = z.string().min(1).max(16);
/** An id, or the expanded object with its id. */
const IdOrObject = z.union([Id, z.looseObject({ id: Id })]).nullish();
const Metadata = z.record(z.string(), z.string().max(500)).nullish();

const OBJECT_SCHEMAS = {
  payment_intent: z.looseObject({
    id: Id,
    amount: Minor,
    amount_received: Minor.nullish(),
    currency: Currency,
    status: Code,
    latest_charge: IdOrObject,
    last_payment_error: z.looseObject({ code: Code.nullish(), decline_code: Code.nullish(), message: z.string().nullish() }).nullish(),
    next_action: z.looseObject({ type: Code, redirect_to_url: z.looseObject({ url: z.string().max(2048).nullish() }).nullish() }).nullish(),
    customer: IdOrObject,
    metadata: Metadata,
  }),
  refund: z.looseObject({
    id: Id,
    amount: Minor,
    status: Code.nullish(),
    currency: Currency.optional(),
    payment_intent: Id.nullish(),
    metadata: Metadata,
  }),
  charge: z.looseObject({
    id: Id,
    amount: Minor,
    amount_refunded: Minor,
    refunded: z.boolean().optional(),
    currency: Currency,
    payment_intent: Id.nullish(),
    metadata: Metadata,
  }),
  'checkout.session': z.looseObject({
    id: Id,
    payment_status: Code,
    amount_total: Minor.nullish(),
    currency: Currency.nullish(),
    client_reference_id: z.string().max(200).nullish(),
    payment_intent: IdOrObject,
    payment_link: IdOrObject,
    customer: IdOrObject,
    metadata: Metadata,
  }),
} as const;
type StripeObjectKind = keyof typeof OBJECT_SCHEMAS;

/** The object an event type carries, for the types some owner reads; other types are acknowledged and ignored. */
function objectKindOf(type: string): StripeObjectKind | null {
  if (type.startsWith('payment_intent.')) return 'payment_intent';
  if (type.startsWith('refund.')) return 'refund';
  if (type === 'charge.refunded') return 'charge';
  if (type.startsWith('checkout.session.')) return 'checkout.session';
  return null;
}

const Envelope = z.object({
  id: Id,
  type: z.string().min(1).max(MAX_EVENT_TYPE_LENGTH),
  created: z.number().int().nonnegative(),
  data: z.looseObject({ object: z.looseObject({ object: z.string().optional(), metadata: Metadata }) }).optional(),
});

function refused(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new WebhookPayloadError(`${what}${at}: ${issue?.message ?? 'malformed'}`);
}

/**
 * An authentic Stripe body → the event, or WebhookPayloadError when it is not an event (array or null root,
 * no id/type/created) or when a type some owner reads lacks `data.object` of its kind or has a mistyped field.
 * Events of other types need no `data` (they are only acknowledged). Statuses are not checked here: one Stripe
 * adds later is a well-formed event that the mappings ignore.
 */
export function readStripeEvent(value: unknown): StripeEventLike {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new WebhookPayloadError('Stripe event is not a JSON object');
  const envelope = Envelope.safeParse(value);
  if (!envelope.success) refused('Stripe event', envelope.error);
  const { id, type, created, data } = envelope.data;
  const kind = objectKindOf(type);
  if (kind) {
    if (!data) throw new WebhookPayloadError(`Stripe ${type} event without data.object`);
    if (data.object.object !== kind) throw new WebhookPayloadError(`Stripe ${type} event does not carry a ${kind}`);
    const object = OBJECT_SCHEMAS[kind].safeParse(data.object);
    if (!object.success) refused(`Stripe ${type} event's ${kind}`, object.error);
  }
  return { ...(value as object), id, type, created, data: { object: (data?.object ?? {}) as Record<string, unknown> } };
}

function metadataOf(object: Record<string, unknown>): Record<string, string> {
  const metadata = object.metadata;
  return metadata && typeof metadata === 'object' ? (metadata as Record<string, string>) : {};
}

const MAX_DECLINE_MESSAGE = 500;

/** Why an event maps to kind 'other': a type no owner reads, or a status Stripe added after this code. */
export function stripeIgnoredReason(event: StripeEventLike): 'unknown_status' | 'unhandled_type' {
  const object = event.data.object;
  if (object.object === 'payment_intent' && !isStripePaymentIntentStatus(object.status)) return 'unknown_status';
  if (object.object === 'refund' && !isStripeRefundStatus(object.status)) return 'unknown_status';
  if (object.object === 'checkout.session' && !['paid', 'unpaid', 'no_payment_required'].includes(String(object.payment_status)))
    return 'unknown_status';
  return 'unhandled_type';
}

/** Stripe event → common PspEvent. Payment intents and refunds carry our ids in metadata. */
export function stripeEventToPspEvent(event: StripeEventLike): PspEvent {
  const object = event.data.object;
  const metadata = metadataOf(object);
  const base = {
    provider: 'stripe' as const,
    eventId: event.id,
    type: event.type,
    transactionId: metadata.transaction_id ?? null,
    tenantId: metadata.tenant_id ?? null,
    occurredAt: event.created * 1000,
  };
  if (
    event.type.startsWith('payment_intent.') &&
    object.object === 'payment_intent' &&
    event.type !== 'payment_intent.created' &&
    isStripePaymentIntentStatus(object.status)
  ) {
    const intent = object as unknown as StripePaymentIntent;
    const outcome = paymentIntentToOutcome(intent);
    // The decline message is Stripe's prose: what is kept of it is bounded like every stored field.
    if (outcome.status === 'declined') outcome.message = outcome.message.slice(0, MAX_DECLINE_MESSAGE);
    return { ...base, kind: 'payment', reference: intent.id, outcome };
  }
  if (
    (event.type === 'refund.created' || event.type === 'refund.updated' || event.type === 'refund.failed') &&
    object.object === 'refund' &&
    isStripeRefundStatus(object.status)
  ) {
    const refund = object as unknown as StripeRefund & { payment_intent?: string | null };
    const outcome = refundToOutcome(refund);
    return {
      ...base,
      kind: 'refund',
      refundId: metadata.refund_id ?? null,
      reference: refund.id,
      paymentReference: refund.payment_intent ?? null,
      amount: refund.amount,
      status: outcome.status,
    };
  }
  return { ...base, kind: 'other' };
}
