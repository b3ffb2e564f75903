import type Stripe from 'stripe';
import type { Config } from '../../env';
import type { PspAdapter } from '../adapter';
import type { PspDescriptor } from '../descriptor';
import { StripeAuthorizations } from './authorizations';
import { createStripe, StripeCheckoutAdapter, StripePayments } from './client';
import { StripeConnect } from './connect';
import { receiveStripeNotification, STRIPE_SIGNATURE_HEADER } from './webhook';

/**
 * Stripe: ticket payments, authorizations captured later and Connect money out (always: the API key is required
 * configuration), and, with the webhook secret, hosted checkout, payment links and notifications. Its webhook
 * endpoints are shared with ticket payments and recovery (POST /api/v1/webhooks/stripe and
 * /v1/payments/stripe/webhooks), so it has no /v1/webhooks route.
 */
export const descriptor = {
  id: 'stripe',
  name: 'Stripe',
  configKeys: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
  currencies: ['USD', 'EUR', 'BRL', 'CRC', 'MXN', 'ARS'],
  webhook: { signatureHeader: STRIPE_SIGNATURE_HEADER, routes: [], keepsUnmatched: true },
  capabilities: ['payments', 'authorizations', 'checkout', 'paymentLinks', 'sessionLookup', 'connect', 'webhooks'],
  configured: (config) => Boolean(config.psp.stripeSecretKey && config.psp.stripeWebhookSecret),
  create(_env, config): PspAdapter {
    const stripe = stripeClient(config);
    const secret = config.psp.stripeWebhookSecret;
    const sessions = new StripeCheckoutAdapter(stripe, { webhookSecret: secret ?? '', timeoutMs: config.psp.timeoutMs });
    const always = {
      id: 'stripe',
      payments: new StripePayments(stripe),
      authorizations: new StripeAuthorizations(stripe),
      sessionLookup: sessions,
      connect: new StripeConnect(stripe),
    };
    // Without the webhook secret no outcome of a hosted session could arrive: checkout is not offered.
    if (!secret) return always;
    return {
      ...always,
      checkout: sessions,
      paymentLinks: sessions,
      webhooks: { receive: (request) => receiveStripeNotification(request, secret) },
    };
  },
} as const satisfies PspDescriptor<'stripe'>;

const clients = new WeakMap<Config, Stripe>();

/** The one Stripe client of a configuration (building one is not free): every Stripe capability shares it. */
export function stripeClient(config: Config): Stripe {
  let client = clients.get(config);
  if (!client) {
    const { psp } = config;
    client = createStripe({
      secretKey: psp.stripeSecretKey,
      baseUrl: psp.sandboxUrl ? `${psp.sandboxUrl.replace(/\/$/, '')}/stripe` : undefined,
      timeoutMs: psp.timeoutMs,
    });
    clients.set(config, client);
  }
  return client;
}
