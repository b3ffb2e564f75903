import { createAdyenProvider } from './adyen.ts';
import { createEmailProvider } from './email.ts';
import { createMercadoPagoProvider } from './mercadopago.ts';
import { createPaypalProvider } from './paypal.ts';
import { createQpayProvider } from './qpay.ts';
import { createSmsProvider } from './sms.ts';
import { createSquareProvider } from './square.ts';
import { createStripeProvider } from './stripe.ts';
import { createTilopayProvider } from './tilopay.ts';
import type { SandboxProvider } from './types.ts';

/** Emulated providers by id (the same lowercase ids as src/psp); a request for one not listed gets 404 with the list. */
export const PROVIDERS: SandboxProvider[] = [
  createStripeProvider(),
  createAdyenProvider(),
  createSquareProvider(),
  createMercadoPagoProvider(),
  createPaypalProvider(),
  createTilopayProvider(),
  createQpayProvider(),
  // Recovery notifications: Postmark-style email and Twilio-style SMS.
  createEmailProvider(),
  createSmsProvider(),
];
