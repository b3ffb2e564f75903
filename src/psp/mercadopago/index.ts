import { checkoutOnly, type PspAdapter } from '../adapter';
import type { PspDescriptor } from '../descriptor';
import { MercadoPagoCheckoutAdapter } from './client';

/** MercadoPago Checkout Pro: preferences, payment read-back, refunds; notifications signed with x-signature. */
export const descriptor = {
  id: 'mercadopago',
  name: 'MercadoPago',
  configKeys: ['MERCADOPAGO_ACCESS_TOKEN', 'MERCADOPAGO_WEBHOOK_SECRET'],
  currencies: ['USD', 'EUR', 'BRL', 'CRC', 'MXN', 'ARS'],
  webhook: {
    signatureHeader: 'x-signature',
    routes: [
      {
        method: 'post',
        path: '/v1/webhooks/mercadopago',
        summary: 'MercadoPago notifications (x-signature), confirmed by reading the payment',
        ack: { kind: 'json' },
      },
    ],
    keepsUnmatched: true,
  },
  capabilities: ['checkout', 'webhooks'],
  configured: (config) => config.psp.providers.mercadopago !== undefined,
  create(_env, config): PspAdapter | null {
    const p = config.psp.providers.mercadopago;
    return p ? checkoutOnly(new MercadoPagoCheckoutAdapter({ ...p, timeoutMs: config.psp.timeoutMs })) : null;
  },
} as const satisfies PspDescriptor<'mercadopago'>;
