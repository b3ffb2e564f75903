import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../lib/errors';
import { createRouter } from '../lib/router';
import { errorResponses } from '../schemas/common';
import { receiveSquareWebhook, receiveStripeWebhook } from '../services/psp-webhooks';

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

export const webhookRoutes = createRouter()
  .openapi(stripeRoute, async (c) => {
    const status = await receiveStripeWebhook(
      c.env,
      { body: await c.req.text(), signature: c.req.header('stripe-signature'), secret: c.env.STRIPE_WEBHOOK_SECRET },
      c.var.logger,
    );
    return c.json({ received: true as const, status }, 200);
  })
  .openapi(squareRoute, async (c) => {
    const key = c.env.SQUARE_WEBHOOK_SIGNATURE_KEY;
    const url = c.env.SQUARE_WEBHOOK_NOTIFICATION_URL;
    // 503, not 400: Square retries, so nothing is lost while the secret is being set.
    if (!key || !url) throw new AppError('WEBHOOK_NOT_CONFIGURED', 'Square webhooks are not configured');
    const status = await receiveSquareWebhook(
      c.env,
      { body: await c.req.text(), signature: c.req.header('x-square-hmacsha256-signature'), signatureKey: key, notificationUrl: url },
      c.var.logger,
    );
    return c.json({ received: true as const, status }, 200);
  });
