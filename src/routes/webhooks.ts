import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { errorResponses } from '../schemas/common';
import { receivePspWebhook, receiveStripeWebhook, webhookNotConfigured } from '../services/psp-webhooks';

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
    return c.json(await receiveStripeWebhook(c.env, c.get('config'), c.req.raw, c.get('logger')), 200);
  })
  .openapi(squareRoute, async (c) => {
    const { results } = await receivePspWebhook(
      c.env,
      c.get('config'),
      'square',
      c.req.raw,
      c.get('logger'),
      webhookNotConfigured('Square'),
    );
    return c.json({ received: true as const, status: results.join(',') }, 200);
  });
