import { createHmac } from 'node:crypto';
import type { SandboxContext } from '../types.ts';
import { type Obj, stripeId } from './objects.ts';

/** Stripe webhook events and their `Stripe-Signature`. */
export const DEFAULT_STRIPE_WEBHOOK_SECRET = 'whsec_test';

/** `t=<unix>,v1=<hex HMAC-SHA256 of "${t}.${body}" keyed with the secret string as UTF-8, whsec_ prefix included>`. */
export function stripeSignatureHeader(body: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** Where an event came from: the API request that caused it (null ids for sandbox-driven changes). */
export type EventOrigin = { requestId: string | null; idempotencyKey: string | null; account: string | null; apiVersion: string };

export function emitStripeEvent(ctx: SandboxContext, origin: EventOrigin, type: string, object: Obj, previousAttributes?: Obj): Obj {
  const created = Math.floor(ctx.now() / 1000);
  const event: Obj = {
    id: stripeId('evt'),
    object: 'event',
    ...(origin.account ? { account: origin.account } : {}),
    api_version: origin.apiVersion,
    created,
    data: { object: structuredClone(object), ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
    livemode: Boolean(object.livemode),
    pending_webhooks: 1,
    request: { id: origin.requestId, idempotency_key: origin.idempotencyKey },
    type,
  };
  // As on Stripe, the event exists either way; the endpoint receives only the types it is registered for.
  const enabled = ctx.secrets.stripeEnabledEvents;
  if (enabled && !enabled.includes('*') && !enabled.includes(type)) return event;
  const body = JSON.stringify(event, null, 2);
  ctx.emitWebhook({
    provider: 'stripe',
    type,
    eventId: event.id,
    url: `${ctx.appUrl}/api/v1/webhooks/stripe`,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': stripeSignatureHeader(body, ctx.secrets.stripeWebhookSecret ?? DEFAULT_STRIPE_WEBHOOK_SECRET, created),
    },
    body,
  });
  return event;
}
