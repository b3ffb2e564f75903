import type { Bindings, Config } from '../env';
import type { Capability, PspAdapter } from './adapter';

/** How a provider's notifications reach us: the route(s) it posts to and the header carrying its signature. */
export type WebhookRoute = {
  method: 'get' | 'post';
  path: string;
  summary: string;
  /** How the provider wants to be answered: JSON ack, a literal text body, or a redirect of the payer. */
  ack: { kind: 'json' } | { kind: 'text'; body: string } | { kind: 'redirect' };
};

/**
 * Everything the rest of the service knows about a provider. The registry is a list of these; schemas,
 * /info, webhook routes and currency checks read them instead of naming providers.
 */
export type PspDescriptor<Id extends string = string, Currency extends string = string> = {
  readonly id: Id;
  /** As the provider writes its name (messages). */
  readonly name: string;
  /** The environment variables it needs (all of them) to be offered. */
  readonly configKeys: readonly string[];
  /** The checkout currencies (ISO 4217) it takes from API callers. */
  readonly currencies: readonly Currency[];
  readonly webhook: {
    /** Header the signature arrives in; null when the provider does not sign (the adapter asks it instead). */
    readonly signatureHeader: string | null;
    /** Routes at /v1/webhooks/<id>; providers whose endpoint the payment flow shares have theirs elsewhere (empty). */
    readonly routes: readonly WebhookRoute[];
    /** A lower body limit than the app-wide one, where the endpoint is unauthenticated until the provider confirms. */
    readonly maxBodyBytes?: number;
    /** Unsigned notifications naming no session of ours are not kept (anyone could add rows). */
    readonly keepsUnmatched: boolean;
  };
  readonly capabilities: readonly Capability[];
  /** Whether the deployment offers it for checkout (its credentials are set): what /info reports. */
  configured(config: Config): boolean;
  /** The adapter for a configuration; null when its credentials are absent. */
  create(env: Bindings, config: Config): PspAdapter | null;
};
