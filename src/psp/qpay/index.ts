import { checkoutOnly, type PspAdapter } from '../adapter';
import { brokeredTokens } from '../brokered-tokens';
import type { PspDescriptor } from '../descriptor';
import { QpayCheckoutAdapter } from './client';

/** QPay v2 invoices (MNT only); its callback is unsigned, so it is trusted only after /v2/payment/check. */
export const descriptor = {
  id: 'qpay',
  name: 'QPay',
  configKeys: ['QPAY_CLIENT_ID', 'QPAY_CLIENT_SECRET', 'QPAY_INVOICE_CODE'],
  currencies: ['MNT'],
  webhook: {
    signatureHeader: null,
    routes: [
      {
        method: 'get',
        path: '/v1/webhooks/qpay',
        summary: 'QPay’s unsigned payment callback (GET); trusted only after /v2/payment/check',
        ack: { kind: 'text', body: 'SUCCESS' },
      },
      {
        method: 'post',
        path: '/v1/webhooks/qpay',
        summary: 'QPay’s unsigned payment callback (POST); trusted only after /v2/payment/check',
        ack: { kind: 'text', body: 'SUCCESS' },
      },
    ],
    // Unsigned: anyone can name any session id, so one naming none of ours would let anyone add inbox rows.
    keepsUnmatched: false,
  },
  capabilities: ['checkout', 'invoices', 'webhooks'],
  configured: (config) => config.psp.providers.qpay !== undefined,
  create(env, config): PspAdapter | null {
    const q = config.psp.providers.qpay;
    if (!q) return null;
    const timeoutMs = config.psp.timeoutMs;
    const tokens = brokeredTokens(env, {
      provider: 'qpay',
      baseUrl: q.baseUrl,
      clientId: q.clientId,
      clientSecret: q.clientSecret,
      timeoutMs,
    });
    const adapter = new QpayCheckoutAdapter({ baseUrl: q.baseUrl, invoiceCode: q.invoiceCode, timeoutMs }, tokens);
    return checkoutOnly(adapter, { invoices: adapter });
  },
} as const satisfies PspDescriptor<'qpay'>;
