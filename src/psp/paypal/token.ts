import { tokenExpiresAt } from '../../domain/token-expiry';
import { basicAuthorization } from '../../lib/crypto';
import { type TokenCredentials, type TokenGrant, TokenRequestError } from '../tokens';
import { PaypalTokenResponse } from './wire';

/**
 * PayPal OAuth 2.0 client credentials: POST /v1/oauth2/token with
 * `Authorization: Basic base64(client_id:client_secret)` and the form `grant_type=client_credentials`.
 * `expires_in` is a lifetime in seconds (~32400). There is no refresh grant: the broker asks again.
 */
export async function requestPaypalToken(c: TokenCredentials, now: () => number = Date.now): Promise<TokenGrant> {
  let res: Response;
  try {
    res = await fetch(`${c.baseUrl.replace(/\/$/, '')}/v1/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuthorization(c.clientId, c.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(c.timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new TokenRequestError(null, timedOut ? `PayPal token request timed out after ${c.timeoutMs} ms` : 'PayPal token request failed');
  }
  // The body of a refused token call is never copied into the error: it may echo the client id.
  if (!res.ok) throw new TokenRequestError(res.status, `PayPal token request answered ${res.status}`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new TokenRequestError(null, 'PayPal token response is not JSON');
  }
  const body = PaypalTokenResponse.safeParse(json);
  if (!body.success) throw new TokenRequestError(null, 'PayPal token response without a usable access_token/expires_in');
  const { access_token: accessToken, expires_in: expiresIn } = body.data;
  return { accessToken, expiresAt: tokenExpiresAt(expiresIn, now()), refreshToken: null, refreshExpiresAt: null };
}
