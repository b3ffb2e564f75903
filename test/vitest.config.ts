import path from 'node:path';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const root = path.resolve(import.meta.dirname, '..');

/**
 * Three projects: "unit" runs pure code in Node (domain, lib, dev tooling); "workers" runs inside
 * workerd through @cloudflare/vitest-plugin with wrangler.toml's bindings, against the real
 * Postgres, proxy and sandbox that test/setup/global.node.ts starts; "browser" drives Chromium in
 * Node against the whole local stack (dev/stack.ts) it starts and stops itself.
 */
export default defineConfig({
  root,
  test: {
    projects: [
      {
        root,
        test: {
          name: 'unit',
          environment: 'node',
          // Pure Node modules: one worker may run many files (spawning one per file costs about 0.6 s each).
          isolate: false,
          include: ['test/domain/**/*.test.ts', 'test/lib/**/*.test.ts', 'test/dev/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        root,
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/browser/**/*.test.ts'],
          // Starting wrangler dev and Chromium takes a while on a loaded machine; each flow waits for webhooks.
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        root,
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: path.join(root, 'wrangler.toml') },
            miniflare: {
              bindings: {
                DATABASE_URL: inject('databaseUrl'),
                NEON_WS_PROXY: inject('wsProxy'),
                PSP_SANDBOX_URL: inject('sandboxUrl'),
                JWT_PUBLIC_KEY: inject('esPublicPem'),
                JWT_JWKS_URL: '',
                INTERNAL_SERVICE_SECRET: 'test-internal-secret-0123456789abcdef',
                QUEUE_TOKEN_SECRET: 'test-queue-token-secret-0123456789abcdef',
                // wrangler.toml's values, stated here so a .dev.vars a local stack wrote cannot change what the tests check.
                VELOCITY_LIMITS: '',
                FRAUD_THRESHOLDS: '0.4,0.6,0.85',
                PRECHARGE_RISK_CHECKS: 'on',
                PAYMENT_ID_KEY: 'test-payment-id-key-0123456789abcdefghij',
                STRIPE_SECRET_KEY: 'sk_test_sandbox',
                PSP_TIMEOUT_MS: '5000',
                STRIPE_WEBHOOK_SECRET: 'whsec_test',
                STRIPE_PLATFORM_ACCOUNT_ID: 'acct_1EdgepayPlatform0',
                SQUARE_ACCESS_TOKEN: 'EAAAsandbox-test',
                SQUARE_WEBHOOK_SIGNATURE_KEY: 'sq_sig_key_test',
                SQUARE_WEBHOOK_NOTIFICATION_URL: 'http://edgepay.test/api/v1/webhooks/square',
                PUBLIC_BASE_URL: 'http://edgepay.test',
                // The sandbox's credentials and signing secrets (dev/sandbox/types.ts SANDBOX_DEFAULTS).
                ADYEN_API_KEY: 'AQE_sandbox_edgepay_api_key',
                ADYEN_HMAC_KEY: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
                MERCADOPAGO_ACCESS_TOKEN: 'APP_USR-sandbox-edgepay',
                MERCADOPAGO_WEBHOOK_SECRET: 'mp_secret_test',
                PAYPAL_CLIENT_ID: 'edgepay-paypal-client',
                PAYPAL_CLIENT_SECRET: 'edgepay-paypal-secret-do-not-log',
                PAYPAL_WEBHOOK_ID: '8PT597110X687430LKGECATA',
                TILOPAY_API_KEY: '0000-0000-0000-0000-0000',
                TILOPAY_API_USER: 'tilopay_user',
                TILOPAY_API_PASSWORD: 'tilopay_password',
                QPAY_CLIENT_ID: 'TEST_MERCHANT',
                QPAY_CLIENT_SECRET: 'qpay-secret-do-not-log',
                QPAY_INVOICE_CODE: 'TEST_INVOICE',
                FACTOR_PEPPER: 'test-factor-pepper-0123456789abcdefghij',
                VERIFICATION_SIGNING_KEY: inject('verificationKeyPem'),
                EMAIL_API_TOKEN: 'postmark-server-token-test',
                EMAIL_FROM: 'recovery@edgepay.test',
                SMS_ACCOUNT_SID: 'ACtest0000000000000000000000000000',
                SMS_AUTH_TOKEN: 'twilio-auth-token-test',
                SMS_FROM: '+15005550006',
                LOG_LEVEL: 'warn',
                CUSTODY_SEED: 'test-custody-seed-0123456789abcdefghijklmnop',
                // 1099-DA: base64 of 32 bytes, the key tax profiles' TINs are encrypted with.
                TAX_TIN_KEY: 'ZWRnZXBheS10ZXN0LXRpbi1rZXktMDEyMzQ1Njc4OSE=',
                // The local chains' URLs, contract and minter keys (test/setup/global.node.ts starts them).
                ...(JSON.parse(inject('chainVars')) as Record<string, string>),
                CHAIN_COIN_PRICES: 'polygon=25,solana=15000',
                // Short, so a test sees the fee market move within seconds; the cache itself is tested apart.
                GAS_QUOTE_TTL_SECONDS: '1',
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['routes', 'durable-objects', 'queues', 'cron', 'db', 'middleware'].map((dir) => `test/${dir}/**/*.test.ts`),
          globalSetup: [path.join(root, 'test/setup/global.node.ts')],
          setupFiles: [path.join(root, 'test/setup/secure-context.ts')],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
