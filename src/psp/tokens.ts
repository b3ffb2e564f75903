/**
 * OAuth client-credential tokens (QPay, PayPal, Tilopay). Each provider's token.ts turns its token call
 * into a TokenGrant; TokenBrokerDO caches grants per (provider, client id) and hands adapters a
 * TokenSource. Tokens and secrets never appear in errors or logs.
 */
export type TokenGrant = { accessToken: string; expiresAt: number; refreshToken: string | null; refreshExpiresAt: number | null };

export type TokenProvider = 'qpay' | 'paypal' | 'tilopay';

/** Client credentials for one provider: QPay client id/secret, PayPal client id/secret, Tilopay API user/password. */
export type TokenCredentials = { provider: TokenProvider; baseUrl: string; clientId: string; clientSecret: string; timeoutMs: number };

export class TokenRequestError extends Error {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

/** What an adapter sees of the broker: a usable token, and a way to report one the provider refused. */
export interface TokenSource {
  /** `timeoutMs`: what is left of the caller's operation; the source gives up (TokenRequestError) when it passes. */
  token(timeoutMs?: number): Promise<string>;
  invalidate(accessToken: string): Promise<void>;
}
