import type { Config } from '../env';
import { createStripe, StripeAdapter } from './stripe/client';
import type { PspAdapter, PspId } from './types';

/**
 * Provider id → adapter. In local development and tests PSP_SANDBOX_URL points every adapter at the
 * emulator (`<sandbox>/<provider>`); in production it is unset and adapters speak to the providers.
 */
export function pspAdapter(config: Config, id: PspId): PspAdapter {
  switch (id) {
    case 'stripe':
      return new StripeAdapter(
        createStripe({
          secretKey: config.psp.stripeSecretKey,
          baseUrl: config.psp.sandboxUrl ? `${config.psp.sandboxUrl.replace(/\/$/, '')}/stripe` : undefined,
          timeoutMs: config.psp.timeoutMs,
        }),
      );
    default:
      throw new Error(`no adapter for PSP ${id} yet`);
  }
}
