import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';

import type { AppEnv } from '../env';
import { CHECKOUT_SESSION_ID } from '../lib/ids';
import { createRouter } from '../lib/router';
import { checkoutStub } from '../lib/stubs';
import type { WebhookRoute } from '../psp/descriptor';
import { type ProviderId, PSP_DESCRIPTORS } from '../psp/registry';
import { errorResponses } from '../schemas/common';
import { receivePspWebhook } from '../services/psp-webhooks';

const Ack = z.object({ received: z.literal(true), results: z.array(z.string()) }).openapi('CheckoutWebhookAck');

function openapiRoute(route: WebhookRoute) {
  const { ack } = route;
  return createRoute({
    method: route.method,
    path: route.path,
    tags: ['Webhooks'],
    summary: route.summary,
    responses: {
      ...(ack.kind === 'json'
        ? { 200: { description: 'Accepted', content: { 'application/json': { schema: Ack } } } }
        : ack.kind === 'text'
          ? { 200: { description: 'Accepted (the literal the provider expects)', content: { 'text/plain': { schema: z.string() } } } }
          : {
              303: { description: 'Verified; the payer is sent to the merchant’s success or cancel URL' },
              200: { description: 'Verified (no return URL known)', content: { 'application/json': { schema: Ack } } },
            }),
      ...errorResponses(400, 413, 503),
    },
  });
}

/** Verify → deduplicate → apply in the owning object (services/psp-webhooks.ts), answered the way the provider expects. */
async function receive(c: Context<AppEnv>, provider: ProviderId, ack: WebhookRoute['ack']) {
  const { results, notifications } = await receivePspWebhook(c.env, c.get('config'), provider, c.req.raw, c.get('logger'));
  if (ack.kind === 'text') return c.text(ack.body, 200);
  if (ack.kind === 'redirect') {
    // The payer's browser came back through us: send it on to the merchant's page once the payment is confirmed.
    const sessionId = notifications[0]?.sessionId;
    const target = sessionId && CHECKOUT_SESSION_ID.test(sessionId) ? await checkoutStub(c.env, sessionId).payerReturnUrl() : null;
    if (target) return c.redirect(target, 303);
  }
  return c.json({ received: true as const, results }, 200);
}

/** /v1/webhooks/<provider>: one route per entry of each provider's descriptor (webhook.routes), in registry order. */
export const checkoutWebhookRoutes = createRouter();
for (const descriptor of PSP_DESCRIPTORS) {
  for (const route of descriptor.webhook.routes) {
    checkoutWebhookRoutes.openapi(openapiRoute(route), (c) => receive(c, descriptor.id, route.ack));
  }
}
