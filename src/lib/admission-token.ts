import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/**
 * Waiting-room admission tokens: HS256 JWTs signed with QUEUE_TOKEN_SECRET. The signature proves the
 * room issued it; whether it is still usable (not spent, not revoked) is the room coordinator's to say,
 * by its `jti`.
 */
export const ADMISSION_TOKEN_ALG = 'HS256';
export const ADMISSION_SCOPE = 'purchase';

export type AdmissionClaims = { sub: string; tenantId: string; eventId: string; queueId: string; jti: string; exp: number };

const encoder = new TextEncoder();
const secrets = new Map<string, Uint8Array>();
function key(secret: string): Uint8Array {
  let bytes = secrets.get(secret);
  if (!bytes) {
    bytes = encoder.encode(secret);
    secrets.set(secret, bytes);
  }
  return bytes;
}

export async function signAdmissionToken(secret: string, claims: AdmissionClaims, nowMs: number): Promise<string> {
  return new SignJWT({ tenant_id: claims.tenantId, eventId: claims.eventId, queueId: claims.queueId, scope: ADMISSION_SCOPE })
    .setProtectedHeader({ alg: ADMISSION_TOKEN_ALG, typ: 'JWT' })
    .setSubject(claims.sub)
    .setJti(claims.jti)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(claims.exp)
    .sign(key(secret));
}

/** Why a token was refused; for logs and tests only: the buyer gets one message whatever the reason. */
export type AdmissionRefusal = 'legacy_format' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_scope' | 'wrong_event' | 'wrong_user';

export type AdmissionCheck = { ok: true; claims: AdmissionClaims } | { ok: false; reason: AdmissionRefusal };

/** The seed's predictable tokens (`access_<event>_<queue>`) are refused outright, whatever follows. */
const LEGACY = /^access_/;

/** Checks signature, expiry and that the token was issued for this purchase's tenant, event and user. */
export async function verifyAdmissionToken(
  secret: string,
  token: string,
  expected: { tenantId: string; eventId: string; userId: string },
  nowMs: number,
): Promise<AdmissionCheck> {
  if (LEGACY.test(token)) return { ok: false, reason: 'legacy_format' };
  if (token.length > 4096 || token.split('.').length !== 3) return { ok: false, reason: 'malformed' };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key(secret), {
      algorithms: [ADMISSION_TOKEN_ALG],
      currentDate: new Date(nowMs),
      requiredClaims: ['sub', 'jti', 'exp'],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    return { ok: false, reason: 'malformed' };
  }
  const { sub, jti, exp, tenant_id: tenantId, eventId, queueId, scope } = payload;
  if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') return { ok: false, reason: 'malformed' };
  if (typeof tenantId !== 'string' || typeof eventId !== 'string' || typeof queueId !== 'string') return { ok: false, reason: 'malformed' };
  if (scope !== ADMISSION_SCOPE) return { ok: false, reason: 'wrong_scope' };
  if (tenantId !== expected.tenantId || eventId !== expected.eventId) return { ok: false, reason: 'wrong_event' };
  if (sub !== expected.userId) return { ok: false, reason: 'wrong_user' };
  return { ok: true, claims: { sub, tenantId, eventId, queueId, jti, exp } };
}
