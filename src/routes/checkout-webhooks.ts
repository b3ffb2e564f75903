import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { CheckoutProvider } from '../domain/checkout';
import type { AppEnv } from '../env';
import { CHECKOUT_SESSION_ID } from '../lib/ids';
import { createRouter } from '../lib/router';
import { checkoutStub } from '../lib/stubs';
import { errorResponses } from '../schemas/common';
import {
  bodySummary,
  dispatchCheckoutNotifications,
  inboundFrom,
  requireCheckoutAdapter,
  sessionOwnership,
  verifyCheckoutNotification,
} from '../services/checkout-webhooks';

const Ack = z.object({ received: z.literal(true), results: z.array(z.string()) }).openapi('CheckoutWebhookAck');

function webhookRoute(method: 'get' | 'post', provider: CheckoutProvider, summary: string, ack: 'json' | 'text' | 'redirect') {
  return createRoute({
    method,
    path: `/v1/webhooks/${provider}`,
    tags: ['Webhooks'],
    summary,
    responses: {
      ...(ack === 'json'
        ? { 200: { description: 'Accepted', content: { 'application/json': { schema: Ack } } } }
        : ack === 'text'
          ? { 200: { description: 'Accepted (the literal the provider expects)', content: { 'text/plain': { schema: z.string() } } } }
          : {
              303: { description: 'Verified; the payer is sent to the merchant’s success or cancel URL' },
              200: { description: 'Verified (no return URL known)', content: { 'application/json': { schema: Ack } } },
            }),
      ...errorResponses(400, 413, 503),
    },
  });
}

/**
 * PayPal's events are a few KB; its endpoint is unauthenticated until PayPal has verified the event, so a larger
 * body is refused (413) before anything else.
 */
const MAX_BODY_BYTES: Partial<Record<CheckoutProvider, number>> = { paypal: 32 * 1024 };

/** Verify → deduplicate → apply in the session's object, for one provider. */
async function receive(c: Context<AppEnv>, provider: CheckoutProvider) {
  const adapter = requireCheckoutAdapter(c.env, c.var.config, provider);
  const inbound = await inboundFrom(c.req.raw, MAX_BODY_BYTES[provider]);
  const notifications = await verifyCheckoutNotification(adapter, inbound, c.var.logger, sessionOwnership(c.env, provider));
  return dispatchCheckoutNotifications(c.env, notifications, await bodySummary(inbound.rawBody));
}

export const checkoutWebhookRoutes = createRouter()
  .openapi(webhookRoute('post', 'adyen', 'Adyen standard notifications (HMAC per item); answered [accepted]', 'text'), async (c) => {
    await receive(c, 'adyen');
    return c.text('[accepted]', 200);
  })
  .openapi(
    webhookRoute('post', 'mercadopago', 'MercadoPago notifications (x-signature), confirmed by reading the payment', 'json'),
    async (c) => {
      const { results } = await receive(c, 'mercadopago');
      return c.json({ received: true as const, results }, 200);
    },
  )
  .openapi(
    webhookRoute(
      'post',
      'paypal',
      'PayPal webhooks (at most 32 KB), verified with verify-webhook-signature when they name a session of ours',
      'json',
    ),
    async (c) => {
      const { results } = await receive(c, 'paypal');
      return c.json({ received: true as const, results }, 200);
    },
  )
  .openapi(
    webhookRoute(
      'get',
      'tilopay',
      'Tilopay’s redirect after payment: confirmed with /consult (and OrderHash), then the payer goes on to the merchant',
      'redirect',
    ),
    async (c) => {
      const { results, notifications } = await receive(c, 'tilopay');
      const sessionId = notifications[0]?.sessionId;
      const target = sessionId && CHECKOUT_SESSION_ID.test(sessionId) ? await checkoutStub(c.env, sessionId).payerReturnUrl() : null;
      if (target) return c.redirect(target, 303);
      return c.json({ received: true as const, results }, 200);
    },
  )
  .openapi(
    webhookRoute('get', 'qpay', 'QPay’s unsigned payment callback (GET); trusted only after /v2/payment/check', 'text'),
    async (c) => {
      await receive(c, 'qpay');
      return c.text('SUCCESS', 200);
    },
  )
  .openapi(
    webhookRoute('post', 'qpay', 'QPay’s unsigned payment callback (POST); trusted only after /v2/payment/check', 'text'),
    async (c) => {
      await receive(c, 'qpay');
      return c.text('SUCCESS', 200);
    },
  );
