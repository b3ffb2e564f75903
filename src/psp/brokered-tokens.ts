import type { BrokeredToken } from '../../durable-objects/tokens/types';
import { isTokenUsable } from '../domain/token-expiry';
import type { Bindings } from '../env';
import { tokenBrokerStub } from '../lib/stubs';
import { type TokenCredentials, TokenRequestError, type TokenSource } from './tokens';

/**
 * Tokens this isolate got from a broker, by provider and client id, kept until the broker's own refresh margin.
 * A token create then costs no object call: under a burst of invoice creations the one broker object would
 * otherwise answer every one of them. Only settled values are kept here, never a pending call: workerd drops
 * the continuations of a request that waits on another request's promise once that request has ended.
 */
const held = new Map<string, BrokeredToken>();

/**
 * A TokenSource over TokenBrokerDO, one object per (provider, client id), so every isolate and object shares
 * one cached token. The broker reports failures as values (errors lose their class over RPC).
 */
export function brokeredTokens(env: Bindings, credentials: TokenCredentials): TokenSource {
  const broker = () => tokenBrokerStub(env, credentials.provider, credentials.clientId);
  const key = `${credentials.provider}\n${credentials.clientId}`;
  return {
    async token(timeoutMs) {
      const mine = held.get(key);
      if (mine && isTokenUsable(mine.expiresAt, Date.now())) return mine.accessToken;
      // The broker's fetch gets no more than what is left of the caller's operation.
      const bounded = timeoutMs === undefined ? credentials : { ...credentials, timeoutMs: Math.min(timeoutMs, credentials.timeoutMs) };
      const result = await broker().tryToken(bounded);
      if (!result.ok) throw new TokenRequestError(result.status, `${credentials.provider} token request failed`);
      held.set(key, { accessToken: result.accessToken, expiresAt: result.expiresAt });
      return result.accessToken;
    },
    async invalidate(accessToken) {
      // A 401 for an older token leaves a newer one in place, here as in the broker.
      if (held.get(key)?.accessToken === accessToken) held.delete(key);
      await broker().invalidate(accessToken);
    },
  };
}
