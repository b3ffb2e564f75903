import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../lib/errors';
import { createRouter } from '../lib/router';
import { stripeEventToPspEvent, verifyStripeWebhook, WebhookSignatureError } from '../psp/stripe/webhook';
import { errorResponses } from '../schemas/common';
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

export const webhookRoutes = createRouter().openapi(stripeRoute, async (c) => {
  const raw = await c.req.text();
  let event: Awaited<ReturnType<typeof verifyStripeWebhook>>;
  try {
    event = await verifyStripeWebhook(raw, c.req.header('stripe-signature'), c.env.STRIPE_WEBHOOK_SECRET);
  } catch (err) {
    if (err instanceof WebhookSignatureError) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 400, 'Webhook signature verification failed');
    throw err;
  }
  const status = await dispatchPspEvent(c.env, stripeEventToPspEvent(event));
  return c.json({ received: true as const, status }, 200);
});
