import type { Config } from '../env';
import { createStripe, StripeAdapter } from './stripe/client';
import type { PspAdapter, PspId } from './types';

/**
 * Provider id → adapter. In local development and tests PSP_SANDBOX_URL points every adapter at the
 * emulator (`<sandbox>/<provider>`); in production it is unset and adapters speak to the providers.
 */
// Adapters hold no per-request state; one per configuration serves the isolate (building a Stripe client is not free).
const adapters = new WeakMap<Config, Map<PspId, PspAdapter>>();

export function pspAdapter(config: Config, id: PspId): PspAdapter {
  let byId = adapters.get(config);
  if (!byId) {
    byId = new Map();
    adapters.set(config, byId);
  }
  let adapter = byId.get(id);
  if (!adapter) {
    adapter = createAdapter(config, id);
    byId.set(id, adapter);
  }
  return adapter;
}

function createAdapter(config: Config, id: PspId): PspAdapter {
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
