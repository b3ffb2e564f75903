import type { MiddlewareHandler } from 'hono';
import { createRemoteJWKSet, importSPKI, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import type { AppEnv, Config, Principal, Role } from '../env';
import { ROLES } from '../env';
import { AppError, AuthRequiredError, ForbiddenError, InvalidTokenError, TokenExpiredError } from '../lib/errors';
import { limitInvalidTokens } from './rate-limit';

/** Only asymmetric algorithms: a token signed with HS256 using the public key as secret, or alg "none", never verifies. */
export const JWT_ALGORITHMS = ['RS256', 'ES256'] as const;

/** Clock skew accepted between the token's issuer and us, in seconds (exp, nbf, iat). */
export const CLOCK_TOLERANCE_SECONDS = 30;

const Claims = z.object({
  sub: z.string().min(1).max(200),
  tenant_id: z.string().min(1).max(200),
  role: z.enum(ROLES),
  venues: z.array(z.string().min(1).max(200)).max(1000).default([]),
});

// Imported keys and JWKS fetchers live for the isolate: importing a PEM costs more than verifying. Only
// imported keys are kept, never a pending import: workerd drops the continuations of a request that waits
// on another request's promise once that request has ended, so concurrent first requests each import.
const pemKeys = new Map<string, CryptoKey>();
const jwksSets = new Map<string, JWTVerifyGetKey>();

async function pemKey(pem: string, alg: string): Promise<CryptoKey> {
  const cacheKey = `${alg}\n${pem}`;
  const held = pemKeys.get(cacheKey);
  if (held) return held;
  // .dev.vars and dashboards often carry the PEM with literal "\n" sequences.
  const key = await importSPKI(pem.replace(/\\n/g, '\n'), alg);
  pemKeys.set(cacheKey, key);
  return key;
}

function keyResolver(jwt: Config['jwt']): JWTVerifyGetKey {
  if (jwt.jwksUrl) {
    let set = jwksSets.get(jwt.jwksUrl);
    if (!set) {
      set = createRemoteJWKSet(new URL(jwt.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
      jwksSets.set(jwt.jwksUrl, set);
    }
    return set;
  }
  const pem = jwt.publicKeyPem as string;
  return (header) => {
    if (!(JWT_ALGORITHMS as readonly string[]).includes(header.alg ?? '')) {
      throw new joseErrors.JOSEAlgNotAllowed('algorithm not allowed');
    }
    return pemKey(pem, header.alg as string);
  };
}

/**
 * A token is a bearer credential until it expires, so a long-lived one that leaks stays useful: refuse a
 * lifetime (exp − iat) beyond JWT_MAX_TTL_SECONDS, and an `iat` in the future (beyond the clock
 * tolerance), which would let a token claim a short lifetime it does not have. Without `iat` the lifetime
 * is unknown; what is left of it (exp − now) must then be within the maximum.
 */
function checkLifetime(payload: JWTPayload, maxTtlSeconds: number, nowSeconds: number): void {
  const exp = payload.exp as number; // required and checked to be a number by jwtVerify
  if (payload.iat === undefined) {
    if (exp - nowSeconds > maxTtlSeconds) throw new InvalidTokenError('Token expires too far in the future');
    return;
  }
  if (payload.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) throw new InvalidTokenError('Token is issued in the future');
  if (exp - payload.iat > maxTtlSeconds) throw new InvalidTokenError('Token lifetime exceeds the maximum');
}

/** `now` is the verification time (tests pass a fixed one); every time check uses it. */
export async function verifyAccessToken(token: string, jwt: Config['jwt'], now: Date = new Date()): Promise<Principal> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyResolver(jwt), {
      algorithms: [...JWT_ALGORITHMS],
      issuer: jwt.issuer,
      audience: jwt.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
      currentDate: now,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenExpiredError();
    // The key set could not be fetched: the token may be fine, so the client should retry, not re-login.
    if (jwt.jwksUrl && (err instanceof joseErrors.JWKSTimeout || !(err instanceof joseErrors.JOSEError))) {
      throw new AppError('AUTH_UNAVAILABLE', 'Token signing keys are unavailable', { cause: err });
    }
    throw new InvalidTokenError('Invalid token', err);
  }
  checkLifetime(payload, jwt.maxTtlSeconds, Math.floor(now.getTime() / 1000));
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new InvalidTokenError('Token claims are invalid');
  return { sub: claims.data.sub, tenantId: claims.data.tenant_id, role: claims.data.role, venues: claims.data.venues };
}

/** Requires `Authorization: Bearer <JWT>`; sets `principal`. */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    if (!header) throw new AuthRequiredError();
    try {
      const match = /^Bearer\s+([A-Za-z0-9_\-.=]+)$/i.exec(header.trim());
      if (!match?.[1]) throw new InvalidTokenError('Authorization header must be "Bearer <token>"');
      c.set('principal', await verifyAccessToken(match[1], c.get('config').jwt));
    } catch (err) {
      if (err instanceof InvalidTokenError) await limitInvalidTokens(c);
      throw err;
    }
    await next();
  };
}

/** Must follow requireAuth. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('principal').role)) throw new ForbiddenError();
    await next();
  };
}
