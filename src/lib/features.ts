import { configuredChains } from '../chains/registry';
import type { Config } from '../env';
import type { CheckoutProvider } from '../psp/checkout';
import { PSP_DESCRIPTORS, pspDescriptor } from '../psp/registry';

/**
 * What this deployment can do (GET /info), read from what is configured rather than
 * written down: clients and operators use this map to decide what to call, so a provider whose
 * credentials are missing must read false here exactly when a session for it answers PSP_NOT_CONFIGURED.
 */
export const PRIMARY_PROCESSOR = 'stripe';

/** Each provider's descriptor says: Stripe needs its webhook secret (the API key is required config); others their whole credential set. */
export function isPspConfigured(config: Config, provider: CheckoutProvider): boolean {
  return pspDescriptor(provider).configured(config);
}

export function deploymentFeatures(config: Config) {
  const providers = Object.fromEntries(PSP_DESCRIPTORS.map((d) => [d.id, d.configured(config)])) as Record<CheckoutProvider, boolean>;
  return {
    stripe: providers.stripe,
    square: providers.square,
    // Every configured provider comes with its notification verification (webhook secret, HMAC key, webhook id).
    webhooks: Object.values(providers).some(Boolean),
    reconciliation: true,
    // Paid tickets are minted when at least one chain has its RPC URL, keys and the custody seed.
    nftIntegration: configuredChains(config.chains).length > 0,
    // Recovery reminders go out when either channel has credentials.
    notifications: config.notifications.email !== undefined || config.notifications.sms !== undefined,
    // Bot, fraud and velocity checks in process, unless an operator turned them off (PRECHARGE_RISK_CHECKS=off).
    fraudDetection: config.riskChecks,
    transactionalOutbox: true,
    deadLetterRequeue: true,
    queueDashboard: null as string | null,
    providers,
  };
}
