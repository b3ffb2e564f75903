import type { Bindings, Config } from '../env';
import { type Capability, hasCapability, type PaymentsCapability, type PspAdapter, type WithCapability } from './adapter';
import { descriptor as adyen } from './adyen';
import type { PspDescriptor } from './descriptor';
import { descriptor as mercadopago } from './mercadopago';
import { descriptor as paypal } from './paypal';
import { descriptor as qpay } from './qpay';
import { descriptor as square } from './square';
import { descriptor as stripe } from './stripe';
import { descriptor as tilopay } from './tilopay';
import type { PspId } from './types';

/**
 * Every provider, one line each: adding one is its folder (with `descriptor` in its index.ts) and a line here.
 * The order is the one the API documents and the database checks list.
 */
export const PSP_DESCRIPTORS = [stripe, adyen, square, mercadopago, paypal, tilopay, qpay] as const;

export type ProviderId = (typeof PSP_DESCRIPTORS)[number]['id'];
/** Every currency some provider takes for checkout. */
export type CheckoutCurrency = (typeof PSP_DESCRIPTORS)[number]['currencies'][number];

/** The provider ids, for enums (request schemas, database checks, /info). */
export const PSP_PROVIDERS = PSP_DESCRIPTORS.map((d) => d.id) as [ProviderId, ...ProviderId[]];

const byId: ReadonlyMap<string, PspDescriptor> = new Map(PSP_DESCRIPTORS.map((d) => [d.id, d]));

export function pspDescriptor(id: ProviderId): PspDescriptor {
  const found = byId.get(id);
  if (!found) throw new Error(`no PSP descriptor for ${id}`);
  return found;
}

export function isProviderId(value: string): value is ProviderId {
  return byId.has(value);
}

// Adapters hold no per-request state; one per configuration serves the isolate (a Stripe client is not free to build).
const cache = new WeakMap<Config, Map<ProviderId, PspAdapter | null>>();

/**
 * Provider id → adapter, built once per configuration; null when its credentials are absent (the caller answers
 * PSP_NOT_CONFIGURED). In local development and tests PSP_SANDBOX_URL points every adapter at the emulator.
 */
export function pspAdapter(env: Bindings, config: Config, id: ProviderId): PspAdapter | null {
  let adapters = cache.get(config);
  if (!adapters) {
    adapters = new Map();
    cache.set(config, adapters);
  }
  if (!adapters.has(id)) adapters.set(id, pspDescriptor(id).create(env, config));
  return adapters.get(id) ?? null;
}

/** The adapter when it is configured and has the capability, typed with it; null otherwise. */
export function pspWith<C extends Capability>(env: Bindings, config: Config, id: ProviderId, capability: C): WithCapability<C> | null {
  const adapter = pspAdapter(env, config, id);
  return hasCapability(adapter, capability) ? adapter : null;
}

/** The checkout capability of a provider, or null when it is not offered (PSP_NOT_CONFIGURED). */
export function checkoutAdapter(env: Bindings, config: Config, id: ProviderId) {
  return pspAdapter(env, config, id)?.checkout ?? null;
}

/**
 * A capability a provider does not have, asked for anyway (e.g. a ticket payment with a checkout-only
 * provider): a programming or data error, never a provider failure.
 */
export class PspCapabilityError extends Error {
  constructor(
    readonly provider: string,
    readonly capability: Capability,
  ) {
    super(`PSP ${provider} has no ${capability} capability (or is not configured)`);
    this.name = 'PspCapabilityError';
  }
}

/** The capability, or PspCapabilityError: for callers that were handed the provider by stored state. */
export function requireCapability<C extends Capability>(
  env: Bindings,
  config: Config,
  id: ProviderId,
  capability: C,
): NonNullable<PspAdapter[C]> {
  const value = pspAdapter(env, config, id)?.[capability];
  if (value === undefined) throw new PspCapabilityError(id, capability);
  return value;
}

/** The ticket-payment capability of the provider a payment names; PspCapabilityError when it has none. */
export function ticketPayments(env: Bindings, config: Config, id: PspId): PaymentsCapability {
  return requireCapability(env, config, id, 'payments');
}
