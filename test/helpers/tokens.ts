import { env } from 'cloudflare:workers';
import { importJWK, SignJWT } from 'jose';
import { inject } from 'vitest';

export type TokenClaims = { sub?: string; tenant_id?: string; role?: string; venues?: string[] };
export type TokenOptions = {
  alg?: 'ES256' | 'RS256';
  kid?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  notBefore?: number;
};

/** Signs a test JWT with the key pair the global setup made (ES256 by default; its public half is JWT_PUBLIC_KEY). */
export async function signToken(claims: TokenClaims = {}, options: TokenOptions = {}): Promise<string> {
  const alg = options.alg ?? 'ES256';
  const jwk = JSON.parse(inject(alg === 'ES256' ? 'esPrivateJwk' : 'rsPrivateJwk'));
  const key = await importJWK(jwk, alg);
  const payload = { tenant_id: 't1', role: 'user', venues: [], ...claims };
  const jwt = new SignJWT(payload)
    .setProtectedHeader({ alg, kid: options.kid ?? (alg === 'ES256' ? 'test-es' : 'test-rs'), typ: 'JWT' })
    .setSubject(claims.sub ?? 'user-1')
    .setIssuer(options.issuer ?? env.JWT_ISSUER)
    .setAudience(options.audience ?? env.JWT_AUDIENCE)
    .setIssuedAt();
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  jwt.setExpirationTime(options.expiresIn ?? '10m');
  return jwt.sign(key);
}

export function adminToken(tenant = 't1', sub = 'admin-1') {
  return signToken({ sub, tenant_id: tenant, role: 'admin' });
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
