import { tokenExpiresAt } from '../../domain/token-expiry';
import { type TokenCredentials, type TokenGrant, TokenRequestError } from '../tokens';
import { TilopayTokenAnswer } from './wire';

/**
 * Tilopay API token (Postman "Get Token Api"): POST /login with JSON `{ apiuser, password }`
 * (TokenCredentials.clientId = API user, clientSecret = API password) → `{ access_token, token_type: "bearer",
 * expires_in }`. expires_in is read as a lifetime (86400 seen only in a community mock — **unconfirmed**); when it
 * is missing we assume one hour (**unconfirmed**): a token refused earlier is replaced on its first 401 anyway.
 * Another shape of answer is a TokenRequestError (what a token source reports), never a TypeError.
 */

export const TILOPAY_DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export async function requestTilopayToken(c: TokenCredentials, now: () => number = Date.now): Promise<TokenGrant> {
  let res: Response;
  try {
    res = await fetch(`${c.baseUrl.replace(/\/$/, '')}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ apiuser: c.clientId, password: c.clientSecret }),
      signal: AbortSignal.timeout(c.timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new TokenRequestError(null, timedOut ? `Tilopay login timed out after ${c.timeoutMs} ms` : 'Tilopay login failed');
  }
  // Never the body: a refused login may echo the user.
  if (!res.ok) throw new TokenRequestError(res.status, `Tilopay login answered ${res.status}`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new TokenRequestError(null, 'Tilopay login response is not JSON');
  }
  const parsed = TilopayTokenAnswer.safeParse(json);
  if (!parsed.success) {
    const unreadableLifetime = parsed.error.issues.every((i) => i.path[0] === 'expires_in');
    throw new TokenRequestError(
      null,
      unreadableLifetime ? 'Tilopay login response with an unreadable expires_in' : 'Tilopay login response without access_token',
    );
  }
  const body = parsed.data;
  const lifetime = body.expires_in ?? TILOPAY_DEFAULT_TOKEN_LIFETIME_SECONDS;
  return { accessToken: body.access_token, expiresAt: tokenExpiresAt(lifetime, now()), refreshToken: null, refreshExpiresAt: null };
}
