import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Bindings, type Config, parseConfig } from '../../../src/env.ts';
import { type Capability, hasCapability } from '../../../src/psp/adapter.ts';
import type { CheckoutInput } from '../../../src/psp/checkout.ts';
import {
  checkoutAdapter,
  PSP_DESCRIPTORS,
  PSP_PROVIDERS,
  PspCapabilityError,
  pspAdapter,
  pspWith,
  requireCapability,
} from '../../../src/psp/registry.ts';

/** The registry of descriptors, and every provider's answer to a 2xx body of another shape. */
const FULL = {
  SERVICE_NAME: 'edgepay',
  SERVICE_VERSION: '0.0.0',
  JWT_ISSUER: 'https://auth.edgepay.test',
  MAX_BODY_BYTES: '1048576',
  PLATFORM_TENANT_ID: 'platform',
  FACTOR_PEPPER: 'registry-factor-pepper-0123456789abcdefgh',
  VERIFICATION_SIGNING_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  STRIPE_SECRET_KEY: 'sk_test_registry',
  STRIPE_WEBHOOK_SECRET: 'whsec_registry',
  PSP_SANDBOX_URL: 'http://127.0.0.1:9',
  PSP_TIMEOUT_MS: '2000',
  PAYMENT_ID_KEY: 'registry-payment-id-key-0123456789abcdef',
  INTERNAL_SERVICE_SECRET: 'registry-internal-secret-0123456789abcdef',
  QUEUE_TOKEN_SECRET: 'registry-queue-token-secret-0123456789abc',
  JWT_PUBLIC_KEY: 'unused',
  SQUARE_ACCESS_TOKEN: 'EAAAregistry',
  SQUARE_WEBHOOK_SIGNATURE_KEY: 'sq_sig',
  SQUARE_WEBHOOK_NOTIFICATION_URL: 'https://edgepay.test/api/v1/webhooks/square',
  ADYEN_API_KEY: 'adyen-key',
  ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
  MERCADOPAGO_ACCESS_TOKEN: 'APP_USR-registry',
  MERCADOPAGO_WEBHOOK_SECRET: 'mp-secret',
  PAYPAL_CLIENT_ID: 'pp-id',
  PAYPAL_CLIENT_SECRET: 'pp-secret',
  PAYPAL_WEBHOOK_ID: 'WH-1',
  TILOPAY_API_KEY: 'tp-key',
  TILOPAY_API_USER: 'tp-user',
  TILOPAY_API_PASSWORD: 'tp-password',
  QPAY_CLIENT_ID: 'qpay-id',
  QPAY_CLIENT_SECRET: 'qpay-secret',
  QPAY_INVOICE_CODE: 'EDGEPAY_INVOICE',
};

/** OAuth providers get their tokens from TokenBrokerDO: here a broker that always has one. */
const TOKEN_BROKERS = {
  idFromName: (name: string) => name,
  get: () => ({ tryToken: async () => ({ ok: true, accessToken: 'tok' }), invalidate: async () => {} }),
};

function configOf(vars: Record<string, string>): { env: Bindings; config: Config } {
  const env = { ...vars, TOKEN_BROKERS } as unknown as Bindings;
  return { env, config: parseConfig(env) };
}

describe('the registry', () => {
  it('lists every provider by its descriptor, each from its own folder', async () => {
    expect(PSP_PROVIDERS).toEqual(['stripe', 'adyen', 'square', 'mercadopago', 'paypal', 'tilopay', 'qpay']);
    for (const d of PSP_DESCRIPTORS) {
      const folder = (await import(`../../../src/psp/${d.id}/index.ts`)) as { descriptor: unknown };
      expect(folder.descriptor).toBe(d);
      expect(d.configKeys.length).toBeGreaterThan(0);
      expect(d.currencies.length).toBeGreaterThan(0);
      expect(d.capabilities).toContain('checkout');
      for (const route of d.webhook.routes) expect(route.path).toBe(`/v1/webhooks/${d.id}`);
    }
  });

  it('builds, with every credential set, adapters that have exactly the capabilities their descriptors list', () => {
    const { env, config } = configOf(FULL);
    const all: Capability[] = [
      'payments',
      'authorizations',
      'connect',
      'checkout',
      'paymentLinks',
      'sessionLookup',
      'invoices',
      'webhooks',
    ];
    for (const d of PSP_DESCRIPTORS) {
      const adapter = pspAdapter(env, config, d.id);
      expect(adapter?.id).toBe(d.id);
      expect(all.filter((c) => hasCapability(adapter, c))).toEqual(all.filter((c) => (d.capabilities as readonly string[]).includes(c)));
      expect(d.configured(config)).toBe(true);
      // One adapter per configuration.
      expect(pspAdapter(env, config, d.id)).toBe(adapter);
    }
  });

  it('returns null for a provider whose credentials are absent, and its descriptor says so', () => {
    for (const d of PSP_DESCRIPTORS) {
      const vars: Record<string, string> = { ...FULL };
      // The Stripe API key is required configuration; without its webhook secret checkout is not offered.
      for (const key of d.configKeys) if (key !== 'STRIPE_SECRET_KEY') delete vars[key];
      const { env, config } = configOf(vars);
      expect(checkoutAdapter(env, config, d.id)).toBeNull();
      expect(d.configured(config)).toBe(false);
    }
  });

  it('refuses a capability a provider lacks cleanly: null from pspWith, PspCapabilityError from requireCapability', () => {
    const { env, config } = configOf(FULL);
    expect(pspWith(env, config, 'adyen', 'paymentLinks')).toBeNull();
    expect(pspWith(env, config, 'stripe', 'invoices')).toBeNull();
    expect(() => requireCapability(env, config, 'square', 'payments')).toThrow(PspCapabilityError);
    expect(() => requireCapability(env, config, 'square', 'payments')).toThrow('PSP square has no payments capability');
    expect(pspWith(env, config, 'qpay', 'invoices')?.invoices).toBeDefined();
    expect(typeof requireCapability(env, config, 'stripe', 'payments').charge).toBe('function');
  });
});

const input: CheckoutInput = {
  sessionId: `cko${'a'.repeat(32)}`,
  tenantId: 't1',
  amount: 5000,
  currency: 'USD',
  merchantAccount: 'merchant-1',
  description: 'Registry test',
  metadata: {},
  successUrl: 'https://merchant.test/ok',
  cancelUrl: 'https://merchant.test/cancel',
  expiresAt: Date.now() + 3_600_000,
  notificationUrl: 'https://edgepay.test/v1/webhooks/x?session=1',
  idempotencyKey: 'registry-key-1',
  customerEmail: 'payer@example.test',
};

describe('a 2xx answer of another shape', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each(PSP_PROVIDERS)('%s: createSession answers the unexpected-response failure (not retryable), never throws', async (provider) => {
    const { env, config } = configOf(FULL);
    // Token endpoints answer a token; every API call answers a JSON body none of the providers documents.
    vi.stubGlobal('fetch', async (req: RequestInfo | URL) => {
      const url = String(req instanceof Request ? req.url : req);
      void url;
      return Response.json({ unexpected: [1, 2, 3] });
    });
    const adapter = pspAdapter(env, config, provider);
    const checkout = adapter?.checkout;
    expect(checkout).toBeDefined();
    const result = await checkout?.createSession({ ...input, currency: provider === 'qpay' ? 'MNT' : 'USD' });
    expect(result).toMatchObject({ ok: false, failure: { retryable: false, code: 'unexpected_response' } });
  });
});
