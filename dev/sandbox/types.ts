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
  /** Square subscription signature key; the Square emulator signs with 'sq_sig_key_test' when absent. */
  squareSignatureKey?: string;
  /** Square notification URL, part of the signed message; default `${appUrl}/api/v1/webhooks/square`. */
  squareNotificationUrl?: string;
};

/** A webhook a provider sends to the app. `body` is the exact raw string that was signed. */
export type OutgoingWebhook = {
  provider: string;
  type: string;
  eventId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
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
  /** Provider-specific string settings for /__sandbox/config `providers.<name>`: allowed values, default first. */
  settings?: Record<string, readonly string[]>;
};
