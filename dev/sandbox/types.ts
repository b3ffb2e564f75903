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

export type SandboxContext = {
  /** Base URL of the app under test, for signed webhooks and callbacks. */
  appUrl: string;
  /** Base URL of this sandbox, for redirect/checkout URLs the provider would return. */
  sandboxUrl: string;
  now(): number;
};

export type SandboxProvider = {
  name: string;
  handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse>;
  /** The customer pays session `sessionId`; the provider then notifies the app. Null if unknown. */
  complete?(sessionId: string, ctx: SandboxContext): Promise<{ notified: boolean; status?: number } | null>;
  /** Failure body in the provider's own error format, for injected failures. */
  errorBody?(status: number, message: string): unknown;
  reset?(): void;
};
