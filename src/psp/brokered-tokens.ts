import type { Bindings } from '../env';
import { tokenBrokerStub } from '../lib/stubs';
import { type TokenCredentials, TokenRequestError, type TokenSource } from './tokens';

/**
 * A TokenSource over TokenBrokerDO, one object per (provider, client id), so every isolate and object shares
 * one cached token. The broker reports failures as values (errors lose their class over RPC).
 */
export function brokeredTokens(env: Bindings, credentials: TokenCredentials): TokenSource {
  const broker = () => tokenBrokerStub(env, credentials.provider, credentials.clientId);
  return {
    async token(timeoutMs) {
      // The broker's fetch gets no more than what is left of the caller's operation.
      const bounded = timeoutMs === undefined ? credentials : { ...credentials, timeoutMs: Math.min(timeoutMs, credentials.timeoutMs) };
      const result = await broker().tryToken(bounded);
      if (!result.ok) throw new TokenRequestError(result.status, `${credentials.provider} token request failed`);
      return result.accessToken;
    },
    async invalidate(accessToken) {
      await broker().invalidate(accessToken);
    },
  };
}
