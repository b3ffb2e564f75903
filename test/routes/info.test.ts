import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { type Bindings, parseConfig } from '../../src/env';
import { deploymentFeatures } from '../../src/lib/features';
import type { CheckoutProvider } from '../../src/psp/checkout';
import { PSP_PROVIDERS as CHECKOUT_PROVIDERS, checkoutAdapter } from '../../src/psp/registry';
import { call, callWithEnv, json } from '../helpers/app';

type Info = { features: Record<string, unknown> & { providers: Record<CheckoutProvider, boolean> } };

/** One credential each provider cannot do without; blanking it leaves the provider unconfigured. */
const CREDENTIAL: Record<CheckoutProvider, keyof Bindings> = {
  stripe: 'STRIPE_WEBHOOK_SECRET',
  adyen: 'ADYEN_HMAC_KEY',
  square: 'SQUARE_ACCESS_TOKEN',
  mercadopago: 'MERCADOPAGO_WEBHOOK_SECRET',
  paypal: 'PAYPAL_CLIENT_SECRET',
  tilopay: 'TILOPAY_API_PASSWORD',
  qpay: 'QPAY_INVOICE_CODE',
};

describe('GET /info features', () => {
  it('reports every provider and notifications as available when their credentials are configured', async () => {
    const res = await call('/info');
    expect(res.status).toBe(200);
    const { features } = await json<Info>(res);
    expect(features).toMatchObject({ stripe: true, square: true, notifications: true, webhooks: true });
    expect(features.providers).toEqual(Object.fromEntries(CHECKOUT_PROVIDERS.map((p) => [p, true])));
  });

  it('reports a provider and notifications as unavailable when their credentials are missing', async () => {
    const res = await callWithEnv(
      { SQUARE_ACCESS_TOKEN: '', ADYEN_API_KEY: '', EMAIL_API_TOKEN: '', SMS_ACCOUNT_SID: '' } as Partial<Bindings>,
      '/info',
    );
    const { features } = await json<Info>(res);
    expect(features).toMatchObject({ stripe: true, square: false, notifications: false });
    expect(features.providers).toMatchObject({ square: false, adyen: false, stripe: true, qpay: true });
  });

  it('keeps notifications true while one channel (SMS) is configured', async () => {
    const { features } = await json<Info>(await callWithEnv({ EMAIL_API_TOKEN: '' } as Partial<Bindings>, '/info'));
    expect(features.notifications).toBe(true);
  });

  it.each(CHECKOUT_PROVIDERS)('says %s is available exactly when the checkout registry has an adapter for it', (provider) => {
    for (const bindings of [env as Bindings, { ...env, [CREDENTIAL[provider]]: '' } as Bindings]) {
      const config = parseConfig(bindings);
      const hasAdapter = checkoutAdapter(bindings, config, provider) !== null;
      expect(deploymentFeatures(config).providers[provider]).toBe(hasAdapter);
    }
    expect(deploymentFeatures(parseConfig({ ...env, [CREDENTIAL[provider]]: '' } as Bindings)).providers[provider]).toBe(false);
  });
});
