import { createQpayProvider } from './qpay.ts';
import { createSquareProvider } from './square.ts';
import { createStripeProvider } from './stripe.ts';
import type { SandboxProvider } from './types.ts';

/**
 * Emulated providers by id (the same lowercase ids as src/psp). Each PSP adapter's issue adds its
 * emulator here; a request for a provider not listed gets 404 with the list of known ones.
 */
export const PROVIDERS: SandboxProvider[] = [createStripeProvider(), createSquareProvider(), createQpayProvider()];
