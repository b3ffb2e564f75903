import type { HostedPage } from './pages.ts';

/**
 * A provider emulated by the sandbox. Each lives in its own file beside this one and is registered in
 * providers.ts; the server routes `/<provider>/…` to it and records every exchange.
 */
export type SandboxRequest = {
  method: string;
  path: string; // below the provider prefix, e.g. "/v1/checkout/sessions"
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: string;
  body: unknown; // parsed JSON or form, else the raw text
};

export type SandboxResponse = { status: number; body: unknown; headers?: Record<string, string> };

/** Webhook signing material shared with the app (the dev stack passes its .dev.vars values). */
export type SandboxSecrets = {
  /** Stripe endpoint secret (`whsec_…`); the Stripe emulator signs with 'whsec_test' when absent. */
  stripeWebhookSecret?: string;
  /** The Stripe endpoint's `enabled_events`: types outside it are not posted to the app. Default: every type ('*'). */
  stripeEnabledEvents?: readonly string[];
  /** Square subscription signature key; the Square emulator signs with 'sq_sig_key_test' when absent. */
  squareSignatureKey?: string;
  /** Square notification URL, part of the signed message; default `${appUrl}/api/v1/webhooks/square`. */
  squareNotificationUrl?: string;
  /** Adyen HMAC key as hex (Customer Area form); default SANDBOX_DEFAULTS.adyenHmacKey. */
  adyenHmacKey?: string;
  /** MercadoPago webhook secret signature; default 'mp_secret_test'. */
  mercadopagoWebhookSecret?: string;
  /** The webhook id PayPal's verify-webhook-signature expects; default '8PT597110X687430LKGECATA'. */
  paypalWebhookId?: string;
  /** Tilopay API user and password: half of the OrderHash key; defaults 'tilopay_user' / 'tilopay_password'. */
  tilopayApiUser?: string;
  tilopayApiPassword?: string;
};

/** Signing material the emulators use when SandboxSecrets leaves a value out (tests bind the same values). */
export const SANDBOX_DEFAULTS = {
  adyenHmacKey: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056',
  mercadopagoWebhookSecret: 'mp_secret_test',
  paypalWebhookId: '8PT597110X687430LKGECATA',
  tilopayApiUser: 'tilopay_user',
  tilopayApiPassword: 'tilopay_password',
} as const;

/** A webhook a provider sends to the app. `body` is the exact raw string that was signed. */
export type OutgoingWebhook = {
  provider: string;
  /** POST unless the provider calls back with GET (QPay's callback, Tilopay's redirect). */
  method?: 'GET' | 'POST';
  type: string;
  eventId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /**
   * A redirect the payer's browser carries (Tilopay's return): on a hosted page the browser is sent to `url` and
   * the sandbox records it without calling it; from POST /__sandbox/complete the sandbox calls it as before.
   */
  viaBrowser?: true;
};

export type SandboxContext = {
  /** Base URL of the app under test, for signed webhooks and callbacks. */
  appUrl: string;
  /** Base URL of this sandbox, for redirect/checkout URLs the provider would return. */
  sandboxUrl: string;
  now(): number;
  secrets: SandboxSecrets;
  /** Lifetime in seconds of OAuth tokens this provider issues (knob `tokenTtlSeconds`, default one day). */
  tokenTtlSeconds(): number;
  /** A provider-specific setting (SandboxProvider.settings) as configured, else its default (first value). */
  setting(name: string): string | undefined;
  /** Records the webhook (GET /__sandbox/webhooks) and, in 'auto' mode, POSTs it after the current response. */
  emitWebhook(webhook: OutgoingWebhook): void;
  /** For providers with deferLatency: waits the configured latencyMs. A no-op otherwise. */
  latency(): Promise<void>;
};

export type SandboxProvider = {
  name: string;
  handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse>;
  /** The customer pays session `sessionId`; the provider then notifies the app. Null if unknown. */
  complete?(sessionId: string, ctx: SandboxContext): Promise<{ notified: boolean; status?: number } | null>;
  /** Failure body in the provider's own error format, for injected failures. */
  errorBody?(status: number, message: string): unknown;
  reset?(): void;
  /**
   * When true the server does not wait latencyMs before handle(); the provider awaits ctx.latency() itself,
   * e.g. after reserving an idempotency key, so that a request counts as in flight during the delay.
   */
  deferLatency?: boolean;
  /**
   * The provider's hosted page at `path` (the whole request path, e.g. /stripe/checkout/cs_…: the URLs it hands out as
   * checkout_url, approval link or 3-D Secure redirect), or null when `path` is not one of its pages (see pages.ts).
   */
  page?(path: string, query: Record<string, string>, ctx: SandboxContext): HostedPage | null;
  /** Provider-specific string settings for /__sandbox/config `providers.<name>`: allowed values, default first. */
  settings?: Record<string, readonly string[]>;
};
