import { tokenExpiresAt } from '../../domain/token-expiry';
import { basicAuthorization } from '../../lib/crypto';
import { type TokenCredentials, type TokenGrant, TokenRequestError } from '../tokens';
import { QpayTokenResponse } from './wire';

/** QPay v2 auth wire calls. Only the broker calls these; tokens never leave it except to adapters. */
type QpayCredentials = Omit<TokenCredentials, 'provider'>;

/**
 * An answer without a usable access_token/expires_in (another shape, null, an array, a negative lifetime) is a
 * TokenRequestError like any failed token call, so the broker reports it as a value rather than crashing.
 */
function toGrant(body: unknown, now: number): TokenGrant {
  const parsed = QpayTokenResponse.safeParse(body);
  if (!parsed.success) throw new TokenRequestError(null, 'QPay token response without access_token/expires_in');
  const answer = parsed.data;
  return {
    accessToken: answer.access_token,
    expiresAt: tokenExpiresAt(answer.expires_in, now),
    refreshToken: answer.refresh_token ?? null,
    refreshExpiresAt: answer.refresh_expires_in === undefined ? null : tokenExpiresAt(answer.refresh_expires_in, now),
  };
}

async function post(url: string, authorization: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new TokenRequestError(null, `QPay token request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  // The body of a failed auth call may echo credentials in some proxies: never include it in the error.
  if (!res.ok) throw new TokenRequestError(res.status, `QPay token request answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new TokenRequestError(null, 'QPay token response is not JSON');
  }
}

export async function requestQpayToken(c: QpayCredentials, now: () => number = Date.now): Promise<TokenGrant> {
  return toGrant(await post(`${c.baseUrl}/auth/token`, basicAuthorization(c.clientId, c.clientSecret), c.timeoutMs), now());
}

export async function refreshQpayToken(c: QpayCredentials, refreshToken: string, now: () => number = Date.now): Promise<TokenGrant> {
  return toGrant(await post(`${c.baseUrl}/auth/refresh`, `Bearer ${refreshToken}`, c.timeoutMs), now());
}
