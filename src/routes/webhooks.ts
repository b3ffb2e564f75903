import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { AppError, ServiceUnavailableError } from '../lib/errors';
import { createRouter } from '../lib/router';
import type { InboundNotification } from '../psp/checkout';
import { checkoutAdapter } from '../psp/checkout-registry';
import { squareEventToPspEvent, verifySquareWebhook } from '../psp/square/webhook';
import { stripeEventToPspEvent, verifyStripeWebhook, WebhookSignatureError } from '../psp/stripe/webhook';
import { errorResponses } from '../schemas/common';
import { dispatchCheckoutNotifications, verifyCheckoutNotification } from '../services/checkout-webhooks';
import { applyRecoveryStripeEvent } from '../services/recovery-webhooks';
import { dispatchPspEvent } from '../services/webhooks';

const WebhookAck = z.object({ received: z.literal(true), status: z.string() }).openapi('WebhookAck');

const stripeRoute = createRoute({
  method: 'post',
  path: '/api/v1/webhooks/stripe',
  tags: ['Webhooks'],
  summary: 'Stripe events (Stripe-Signature over the raw body, 300 s tolerance)',
  description: 'Deduplicated by event id; applied in causal order by the transaction’s object; unknown transactions are kept as unmatched.',
  request: { headers: z.object({ 'stripe-signature': z.string().optional() }) },
  responses: { 200: { description: 'Accepted', content: { 'application/json': { schema: WebhookAck } } }, ...errorResponses(400, 413) },
});

const squareRoute = createRoute({
  method: 'post',
  path: '/api/v1/webhooks/square',
  tags: ['Webhooks'],
  summary: 'Square events (x-square-hmacsha256-signature over notification URL + raw body)',
  description: 'Same flow as Stripe: deduplicated by event_id, applied in causal order, unknown transactions kept as unmatched.',
  request: { headers: z.object({ 'x-square-hmacsha256-signature': z.string().optional() }) },
  responses: {
    200: { description: 'Accepted', content: { 'application/json': { schema: WebhookAck } } },
    ...errorResponses(400, 413, 503),
  },
});

/**
 * Stripe and Square notify one endpoint per account: events of hosted checkout sessions (they carry our
 * session id) go to the session's object; everything else is a ticket payment's.
 */
async function checkoutEvent(c: Context<AppEnv>, provider: 'stripe' | 'square', raw: string): Promise<string | null> {
  const adapter = checkoutAdapter(c.env, c.var.config, provider);
  if (!adapter) return null;
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  const inbound: InboundNotification = { method: 'POST', url: c.req.url, headers, rawBody: raw };
  const notifications = await verifyCheckoutNotification(adapter, inbound, c.var.logger);
  if (notifications.length === 0) return null;
  const { results } = await dispatchCheckoutNotifications(c.env, notifications);
  return results.join(',');
}

function invalidSignature(err: unknown): never {
  if (err instanceof WebhookSignatureError) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 400, 'Webhook signature verification failed');
  throw err;
}

export const webhookRoutes = createRouter()
  .openapi(stripeRoute, async (c) => {
    const raw = await c.req.text();
    const checkout = await checkoutEvent(c, 'stripe', raw);
    let event: Awaited<ReturnType<typeof verifyStripeWebhook>>;
    try {
      event = await verifyStripeWebhook(raw, c.req.header('stripe-signature'), c.env.STRIPE_WEBHOOK_SECRET);
    } catch (err) {
      invalidSignature(err);
    }
    // One Stripe endpoint per account: recovery transactions (seed 002) learn of their payments here too.
    const recovery = await applyRecoveryStripeEvent(c.env, event);
    const handled = [checkout, recovery === 'ignored' ? null : `recovery:${recovery}`].filter((s): s is string => s !== null);
    if (handled.length > 0) return c.json({ received: true as const, status: handled.join(',') }, 200);
    const status = await dispatchPspEvent(c.env, stripeEventToPspEvent(event));
    return c.json({ received: true as const, status }, 200);
  })
  .openapi(squareRoute, async (c) => {
    const key = c.env.SQUARE_WEBHOOK_SIGNATURE_KEY;
    const url = c.env.SQUARE_WEBHOOK_NOTIFICATION_URL;
    // 503, not 400: Square retries, so nothing is lost while the secret is being set.
    if (!key || !url) throw new ServiceUnavailableError('WEBHOOK_NOT_CONFIGURED', 'Square webhooks are not configured');
    const raw = await c.req.text();
    const checkout = await checkoutEvent(c, 'square', raw);
    if (checkout !== null) return c.json({ received: true as const, status: checkout }, 200);
    let event: ReturnType<typeof squareEventToPspEvent>;
    try {
      await verifySquareWebhook(raw, c.req.header('x-square-hmacsha256-signature'), key, url);
      event = squareEventToPspEvent(raw);
    } catch (err) {
      invalidSignature(err);
    }
    return c.json({ received: true as const, status: await dispatchPspEvent(c.env, event) }, 200);
  });
