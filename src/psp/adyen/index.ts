import { checkoutOnly, type PspAdapter } from '../adapter';
import type { PspDescriptor } from '../descriptor';
import { AdyenCheckoutAdapter } from './client';

/** Adyen Hosted Checkout: sessions and refunds; outcomes arrive only in standard notifications (HMAC per item). */
export const descriptor = {
  id: 'adyen',
  name: 'Adyen',
  configKeys: ['ADYEN_API_KEY', 'ADYEN_HMAC_KEY'],
  currencies: ['USD', 'EUR', 'BRL', 'CRC', 'MXN', 'ARS'],
  webhook: {
    // The signature travels in each item's additionalData.hmacSignature, not in a header.
    signatureHeader: null,
    routes: [
      {
        method: 'post',
        path: '/v1/webhooks/adyen',
        summary: 'Adyen standard notifications (HMAC per item); answered [accepted]',
        ack: { kind: 'text', body: '[accepted]' },
      },
    ],
    keepsUnmatched: true,
  },
  capabilities: ['checkout', 'webhooks'],
  configured: (config) => config.psp.providers.adyen !== undefined,
  create(_env, config): PspAdapter | null {
    const p = config.psp.providers.adyen;
    return p ? checkoutOnly(new AdyenCheckoutAdapter({ ...p, timeoutMs: config.psp.timeoutMs })) : null;
  },
} as const satisfies PspDescriptor<'adyen'>;
