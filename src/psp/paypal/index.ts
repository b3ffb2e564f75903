import { checkoutOnly, type PspAdapter } from '../adapter';
import { brokeredTokens } from '../brokered-tokens';
import type { PspDescriptor } from '../descriptor';
import { PaypalCheckoutAdapter } from './client';

/** PayPal Orders v2: the payer approves, we capture; webhooks confirmed with verify-webhook-signature. */
export const descriptor = {
  id: 'paypal',
  name: 'PayPal',
  configKeys: ['PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID'],
  currencies: ['USD', 'EUR', 'BRL', 'CRC', 'MXN', 'ARS'],
  webhook: {
    signatureHeader: 'paypal-transmission-sig',
    routes: [
      {
        method: 'post',
        path: '/v1/webhooks/paypal',
        summary: 'PayPal webhooks (at most 32 KB), verified with verify-webhook-signature when they name a session of ours',
        ack: { kind: 'json' },
      },
    ],
    // PayPal's events are a few KB; the endpoint is unauthenticated until PayPal has verified the event.
    maxBodyBytes: 32 * 1024,
    keepsUnmatched: true,
  },
  capabilities: ['checkout', 'webhooks'],
  configured: (config) => config.psp.providers.paypal !== undefined,
  create(env, config): PspAdapter | null {
    const p = config.psp.providers.paypal;
    if (!p) return null;
    const timeoutMs = config.psp.timeoutMs;
    const tokens = brokeredTokens(env, {
      provider: 'paypal',
      baseUrl: p.apiUrl,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      timeoutMs,
    });
    return checkoutOnly(new PaypalCheckoutAdapter({ apiUrl: p.apiUrl, webhookId: p.webhookId, timeoutMs }, tokens));
  },
} as const satisfies PspDescriptor<'paypal'>;
