import { calculateJwkThumbprint, exportJWK, importJWK, importPKCS8, type JWK, jwtVerify, SignJWT } from 'jose';

/**
 * NoTap verification tokens: ES256 JWTs signed with VERIFICATION_SIGNING_KEY (PKCS#8 PEM), whose public
 * half is published at GET /.well-known/jwks.json (kid = the key's RFC 7638 thumbprint). A merchant checks
 * `aud` (its tenant id), `sub` (the user uuid), `sid` (the verification session) and `amr` (the factors
 * passed — names only, never values) before it lets the payment proceed.
 */
export const VERIFICATION_TOKEN_TTL_SECONDS = 300;
export const VERIFICATION_TOKEN_ALG = 'ES256';

/** The public half as published: an EC P-256 key. */
export type PublicJwk = { kty: string; crv: string; x: string; y: string; kid: string; alg: string; use: string };

type SigningKey = { privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: PublicJwk };

// Importing a PEM costs more than signing: one import per key and isolate. Only imported keys are kept,
// never a pending import: workerd drops the continuations of a request that waits on another request's
// promise once that request has ended, so concurrent first requests each import.
const keys = new Map<string, SigningKey>();

async function signingKey(pem: string): Promise<SigningKey> {
  const held = keys.get(pem);
  if (held) return held;
  const privateKey = await importPKCS8(pem, VERIFICATION_TOKEN_ALG, { extractable: true });
  const { kty = 'EC', crv = 'P-256', x = '', y = '' } = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty, crv, x, y } satisfies JWK);
  const publicKey = (await importJWK({ kty, crv, x, y }, VERIFICATION_TOKEN_ALG)) as CryptoKey;
  const key: SigningKey = { privateKey, publicKey, publicJwk: { kty, crv, x, y, kid, alg: VERIFICATION_TOKEN_ALG, use: 'sig' } };
  keys.set(pem, key);
  return key;
}

export type VerificationClaims = {
  issuer: string;
  /** The merchant: the caller's tenant id. */
  audience: string;
  /** The user's canonical uuid. */
  subject: string;
  sessionId: string;
  /** Factor names passed, in canonical order. */
  amr: string[];
};

export async function signVerificationToken(
  pem: string,
  claims: VerificationClaims,
  nowMs: number,
): Promise<{ token: string; expiresAt: number }> {
  const { privateKey, publicJwk } = await signingKey(pem);
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + VERIFICATION_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ sid: claims.sessionId, amr: claims.amr })
    .setProtectedHeader({ alg: VERIFICATION_TOKEN_ALG, kid: publicJwk.kid, typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject(claims.subject)
    .setJti(crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(privateKey);
  return { token, expiresAt: exp * 1000 };
}

/** The public JWK set: the verification key's public half only. */
export async function verificationJwks(pem: string): Promise<{ keys: PublicJwk[] }> {
  return { keys: [(await signingKey(pem)).publicJwk] };
}

/**
 * Whether `token` is a verification token we issued, unexpired, for this merchant (tenant) and user: the
 * proof a buyer brings after a step-up challenge. The key is the one published at /.well-known/jwks.json.
 */
export async function verifyVerificationToken(
  pem: string,
  token: string,
  expected: { tenantId: string; userId: string },
  nowMs: number,
): Promise<boolean> {
  if (token.length > 4096) return false;
  try {
    const { publicKey } = await signingKey(pem);
    await jwtVerify(token, publicKey, {
      algorithms: [VERIFICATION_TOKEN_ALG],
      audience: expected.tenantId,
      subject: expected.userId,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'sid'],
    });
    return true;
  } catch {
    return false;
  }
}
