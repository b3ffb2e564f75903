import { CHECKOUT_PROVIDERS, type CheckoutProvider } from '../domain/checkout';
import type { Config } from '../env';

/**
 * What this deployment can do (GET /info), read from what is configured rather than
 * written down: clients and operators use this map to decide what to call, so a provider whose
 * credentials are missing must read false here exactly when a session for it answers PSP_NOT_CONFIGURED.
 */
export const PRIMARY_PROCESSOR = 'stripe';

/** The checkout registry's rule: Stripe needs its webhook secret (the API key is required config); others need their whole credential set. */
export function isPspConfigured(config: Config, provider: CheckoutProvider): boolean {
  if (provider === 'stripe') return Boolean(config.psp.stripeSecretKey && config.psp.stripeWebhookSecret);
  return config.psp.providers[provider] !== undefined;
}

export function deploymentFeatures(config: Config) {
  const providers = Object.fromEntries(CHECKOUT_PROVIDERS.map((p) => [p, isPspConfigured(config, p)])) as Record<CheckoutProvider, boolean>;
  return {
    stripe: providers.stripe,
    square: providers.square,
    // Every configured provider comes with its notification verification (webhook secret, HMAC key, webhook id).
    webhooks: Object.values(providers).some(Boolean),
    reconciliation: true,
    nftIntegration: false,
    // Recovery reminders go out when either channel has credentials.
    notifications: config.notifications.email !== undefined || config.notifications.sms !== undefined,
    fraudDetection: false,
    transactionalOutbox: true,
    deadLetterRequeue: true,
    queueDashboard: null as string | null,
    providers,
  };
}
