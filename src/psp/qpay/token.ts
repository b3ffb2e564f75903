import { tokenExpiresAt } from '../../domain/token-expiry';
import { basicAuthorization } from '../../lib/crypto';
import { type TokenCredentials, type TokenGrant, TokenRequestError } from '../tokens';

/** QPay v2 auth wire calls. Only the broker calls these; tokens never leave it except to adapters. */
export type QpayTokenResponse = {
  token_type: string;
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  refresh_expires_in?: number;
};

type QpayCredentials = Omit<TokenCredentials, 'provider'>;

function toGrant(body: QpayTokenResponse, now: number): TokenGrant {
  if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number')
    throw new TokenRequestError(null, 'QPay token response without access_token/expires_in');
  return {
    accessToken: body.access_token,
    expiresAt: tokenExpiresAt(body.expires_in, now),
    refreshToken: body.refresh_token ?? null,
    refreshExpiresAt: typeof body.refresh_expires_in === 'number' ? tokenExpiresAt(body.refresh_expires_in, now) : null,
  };
}

async function post(url: string, authorization: string, timeoutMs: number): Promise<QpayTokenResponse> {
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
  return (await res.json()) as QpayTokenResponse;
}

export async function requestQpayToken(c: QpayCredentials, now: () => number = Date.now): Promise<TokenGrant> {
  return toGrant(await post(`${c.baseUrl}/auth/token`, basicAuthorization(c.clientId, c.clientSecret), c.timeoutMs), now());
}

export async function refreshQpayToken(c: QpayCredentials, refreshToken: string, now: () => number = Date.now): Promise<TokenGrant> {
  return toGrant(await post(`${c.baseUrl}/auth/refresh`, `Bearer ${refreshToken}`, c.timeoutMs), now());
}
