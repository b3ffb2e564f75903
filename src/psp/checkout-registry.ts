import type { Bindings, Config } from '../env';
import { tokenBrokerStub } from '../lib/stubs';
import { AdyenCheckoutAdapter } from './adyen/client';
import type { CheckoutAdapter, CheckoutProvider } from './checkout';
import { MercadoPagoCheckoutAdapter } from './mercadopago/client';
import { PaypalCheckoutAdapter } from './paypal/client';
import { QpayCheckoutAdapter } from './qpay/client';
import { SquareCheckoutAdapter } from './square/client';
import { StripeCheckoutAdapter } from './stripe/checkout';
import { createStripe } from './stripe/client';
import { TilopayCheckoutAdapter } from './tilopay/client';
import { type TokenCredentials, TokenRequestError, type TokenSource } from './tokens';

/**
 * Provider id → checkout adapter, or null when the provider's credentials are not configured (the
 * caller answers PSP_NOT_CONFIGURED). OAuth providers get their tokens from TokenBrokerDO, one object
 * per (provider, client id), so every isolate and object shares one cached token.
 */
const cache = new WeakMap<Config, Map<CheckoutProvider, CheckoutAdapter | null>>();

export function checkoutAdapter(env: Bindings, config: Config, provider: CheckoutProvider): CheckoutAdapter | null {
  let byProvider = cache.get(config);
  if (!byProvider) {
    byProvider = new Map();
    cache.set(config, byProvider);
  }
  if (!byProvider.has(provider)) byProvider.set(provider, createCheckoutAdapter(env, config, provider));
  return byProvider.get(provider) ?? null;
}

/** A TokenSource over the broker object; the broker reports failures as values (errors lose their class over RPC). */
export function brokeredTokens(env: Bindings, credentials: TokenCredentials): TokenSource {
  const broker = () => tokenBrokerStub(env, credentials.provider, credentials.clientId);
  return {
    async token(timeoutMs) {
      // The broker's fetch gets no more than what is left of the caller's operation.
      const bounded = timeoutMs === undefined ? credentials : { ...credentials, timeoutMs: Math.min(timeoutMs, credentials.timeoutMs) };
      const result = await broker().tryToken(bounded);
      if (!result.ok) throw new TokenRequestError(result.status, `${credentials.provider} token request failed`);
      return result.accessToken;
    },
    async invalidate(accessToken) {
      await broker().invalidate(accessToken);
    },
  };
}

function createCheckoutAdapter(env: Bindings, config: Config, provider: CheckoutProvider): CheckoutAdapter | null {
  const { psp } = config;
  const timeoutMs = psp.timeoutMs;
  const p = psp.providers;
  switch (provider) {
    case 'stripe':
      if (!psp.stripeWebhookSecret) return null;
      return new StripeCheckoutAdapter(
        createStripe({
          secretKey: psp.stripeSecretKey,
          baseUrl: psp.sandboxUrl ? `${psp.sandboxUrl.replace(/\/$/, '')}/stripe` : undefined,
          timeoutMs,
        }),
        { webhookSecret: psp.stripeWebhookSecret, timeoutMs },
      );
    case 'adyen':
      return p.adyen ? new AdyenCheckoutAdapter({ ...p.adyen, timeoutMs }) : null;
    case 'square':
      return p.square ? new SquareCheckoutAdapter({ ...p.square, timeoutMs }) : null;
    case 'mercadopago':
      return p.mercadopago ? new MercadoPagoCheckoutAdapter({ ...p.mercadopago, timeoutMs }) : null;
    case 'paypal':
      return p.paypal
        ? new PaypalCheckoutAdapter(
            { apiUrl: p.paypal.apiUrl, webhookId: p.paypal.webhookId, timeoutMs },
            brokeredTokens(env, {
              provider: 'paypal',
              baseUrl: p.paypal.apiUrl,
              clientId: p.paypal.clientId,
              clientSecret: p.paypal.clientSecret,
              timeoutMs,
            }),
          )
        : null;
    case 'tilopay':
      return p.tilopay
        ? new TilopayCheckoutAdapter(
            { ...p.tilopay, timeoutMs },
            brokeredTokens(env, {
              provider: 'tilopay',
              baseUrl: p.tilopay.apiUrl,
              clientId: p.tilopay.apiUser,
              clientSecret: p.tilopay.apiPassword,
              timeoutMs,
            }),
          )
        : null;
    case 'qpay':
      return p.qpay ? qpayAdapter(env, config) : null;
  }
}

/** The QPay adapter with its concrete type (the invoice routes use its invoice() read). */
export function qpayAdapter(env: Bindings, config: Config): QpayCheckoutAdapter | null {
  const q = config.psp.providers.qpay;
  if (!q) return null;
  return new QpayCheckoutAdapter(
    { baseUrl: q.baseUrl, invoiceCode: q.invoiceCode, timeoutMs: config.psp.timeoutMs },
    brokeredTokens(env, {
      provider: 'qpay',
      baseUrl: q.baseUrl,
      clientId: q.clientId,
      clientSecret: q.clientSecret,
      timeoutMs: config.psp.timeoutMs,
    }),
  );
}
