import { checkoutOnly, type PspAdapter } from '../adapter';
import { brokeredTokens } from '../brokered-tokens';
import type { PspDescriptor } from '../descriptor';
import { TilopayCheckoutAdapter } from './client';

/** Tilopay hosted payment page: the payer's browser returns by GET, confirmed with /consult and the OrderHash. */
export const descriptor = {
  id: 'tilopay',
  name: 'Tilopay',
  configKeys: ['TILOPAY_API_KEY', 'TILOPAY_API_USER', 'TILOPAY_API_PASSWORD'],
  currencies: ['USD', 'EUR', 'BRL', 'CRC', 'MXN', 'ARS'],
  webhook: {
    // The redirect carries an OrderHash in its query, not a signature header.
    signatureHeader: null,
    routes: [
      {
        method: 'get',
        path: '/v1/webhooks/tilopay',
        summary: 'Tilopay’s redirect after payment: confirmed with /consult (and OrderHash), then the payer goes on to the merchant',
        ack: { kind: 'redirect' },
      },
    ],
    keepsUnmatched: true,
  },
  capabilities: ['checkout', 'webhooks'],
  configured: (config) => config.psp.providers.tilopay !== undefined,
  create(env, config): PspAdapter | null {
    const p = config.psp.providers.tilopay;
    if (!p) return null;
    const timeoutMs = config.psp.timeoutMs;
    const tokens = brokeredTokens(env, {
      provider: 'tilopay',
      baseUrl: p.apiUrl,
      clientId: p.apiUser,
      clientSecret: p.apiPassword,
      timeoutMs,
    });
    return checkoutOnly(new TilopayCheckoutAdapter({ ...p, timeoutMs }, tokens));
  },
} as const satisfies PspDescriptor<'tilopay'>;
