import type { PspAdapter } from '../adapter';
import type { PspDescriptor } from '../descriptor';
import { SquareCheckoutAdapter } from './client';
import { receiveSquareNotification, SQUARE_SIGNATURE_HEADER } from './webhook';

/**
 * Square quick-pay payment links. Its notifications arrive at POST /api/v1/webhooks/square, shared with the
 * ticket-payment flow, so it has no /v1/webhooks route.
 */
export const descriptor = {
  id: 'square',
  name: 'Square',
  configKeys: ['SQUARE_ACCESS_TOKEN', 'SQUARE_WEBHOOK_SIGNATURE_KEY', 'SQUARE_WEBHOOK_NOTIFICATION_URL'],
  currencies: ['USD', 'EUR', 'BRL', 'CRC', 'MXN', 'ARS'],
  webhook: { signatureHeader: SQUARE_SIGNATURE_HEADER, routes: [], keepsUnmatched: true },
  capabilities: ['checkout', 'webhooks'],
  configured: (config) => config.psp.providers.square !== undefined,
  create(_env, config): PspAdapter | null {
    const p = config.psp.providers.square;
    if (!p) return null;
    return {
      id: 'square',
      checkout: new SquareCheckoutAdapter({ ...p, timeoutMs: config.psp.timeoutMs }),
      webhooks: { receive: (request) => receiveSquareNotification(request, p.signatureKey, p.notificationUrl) },
    };
  },
} as const satisfies PspDescriptor<'square'>;
