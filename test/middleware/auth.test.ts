import { env } from 'cloudflare:workers';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/env';
import { type ErrorBody, InvalidTokenError } from '../../src/lib/errors';
import { CLOCK_TOLERANCE_SECONDS, verifyAccessToken } from '../../src/middleware/auth';
import { call, callWithEnv, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const inTenMinutes = () => Math.floor(Date.now() / 1000) + 600;

async function statsWith(headers: Record<string, string>) {
  const res = await call('/admin/stats', { headers });
  return { status: res.status, body: await json<ErrorBody>(res), res };
}

describe('JWT authentication', () => {
  it('401 AUTH_REQUIRED without a token, with a WWW-Authenticate challenge', async () => {
    const { status, body, res } = await statsWith({});
    expect(status).toBe(401);
    expect(body.code).toBe('AUTH_REQUIRED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('401 INVALID_TOKEN for a non-Bearer scheme', async () => {
    const { status, body } = await statsWith({ Authorization: 'Basic YWRtaW46YWRtaW4=' });
    expect([status, body.code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('rejects alg "none"', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'a', tenant_id: 't1', role: 'admin', iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, exp: inTenMinutes() })}.`;
    const { status, body } = await statsWith(bearer(token));
    expect([status, body.code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('rejects HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(inject('esPublicPem'));
    const token = await new SignJWT({ tenant_id: 't1', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('attacker')
      .setIssuer(env.JWT_ISSUER)
      .setAudience(env.JWT_AUDIENCE)
      .setExpirationTime('10m')
      .sign(secret);
    const { status, body } = await statsWith(bearer(token));
    expect([status, body.code]).toEqual([401, 'INVALID_TOKEN']);
  });

  it('401 TOKEN_EXPIRED for an expired token', async () => {
    const token = await signToken({ role: 'admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    const { status, body } = await statsWith(bearer(token));
    expect([status, body.code]).toEqual([401, 'TOKEN_EXPIRED']);
  });

  it('rejects a wrong issuer, a wrong audience and a token not yet valid', async () => {
    for (const options of [
      { issuer: 'https://evil.example' },
      { audience: 'someone-else' },
      { notBefore: Math.floor(Date.now() / 1000) + 600 },
    ]) {
      const { status, body } = await statsWith(bearer(await signToken({ role: 'admin' }, options)));
      expect([status, body.code]).toEqual([401, 'INVALID_TOKEN']);
    }
  });

  it('rejects a forged signature and a token signed by another key', async () => {
    const good = await signToken({ role: 'user' });
    const [header, , signature] = good.split('.');
    const forged = `${header}.${b64url({ sub: 'x', tenant_id: 't1', role: 'admin', iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, exp: inTenMinutes() })}.${signature}`;
    expect((await statsWith(bearer(forged))).body.code).toBe('INVALID_TOKEN');
    const otherKey = await signToken({ role: 'admin' }, { alg: 'RS256' }); // JWT_PUBLIC_KEY is the ES256 key
    expect((await statsWith(bearer(otherKey))).body.code).toBe('INVALID_TOKEN');
  });

  it('rejects tokens whose claims do not fit (missing tenant_id, unknown role)', async () => {
    for (const claims of [{ role: 'admin', tenant_id: '' }, { role: 'root' }]) {
      const { status, body } = await statsWith(bearer(await signToken(claims)));
      expect([status, body.code]).toEqual([401, 'INVALID_TOKEN']);
    }
  });

  it('accepts RS256 with an RSA public key PEM', async () => {
    const token = await signToken({ role: 'admin', tenant_id: 'rs-tenant' }, { alg: 'RS256' });
    const res = await callWithEnv({ JWT_PUBLIC_KEY: inject('rsPublicPem') }, '/admin/stats', { headers: bearer(token) });
    expect(res.status).toBe(200);
  });

  it('accepts ES256 and RS256 through a JWKS URL', async () => {
    const jwks = { JWT_PUBLIC_KEY: '', JWT_JWKS_URL: `${inject('sandboxUrl')}/__sandbox/jwks.json` };
    for (const alg of ['ES256', 'RS256'] as const) {
      const res = await callWithEnv(jwks, '/admin/stats', { headers: bearer(await signToken({ role: 'admin' }, { alg })) });
      expect(res.status).toBe(200);
    }
    const unknownKid = await signToken({ role: 'admin' }, { kid: 'not-in-the-set' });
    expect((await callWithEnv(jwks, '/admin/stats', { headers: bearer(unknownKid) })).status).toBe(401);
  });

  it('answers 503 AUTH_UNAVAILABLE, not 401, when the JWKS cannot be fetched', async () => {
    const down = { JWT_PUBLIC_KEY: '', JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json' };
    const res = await callWithEnv(down, '/admin/stats', { headers: bearer(await signToken({ role: 'admin' })) });
    expect(res.status).toBe(503);
    expect((await json<ErrorBody>(res)).code).toBe('AUTH_UNAVAILABLE');
  });
});

describe('role guards', () => {
  it('403 FORBIDDEN for roles other than admin on admin routes', async () => {
    for (const role of ['user', 'merchant', 'venue_manager']) {
      const { status, body } = await statsWith(bearer(await signToken({ role, sub: `r-${role}` })));
      expect([status, body.code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('200 for an admin', async () => {
    const res = await call('/admin/stats', { headers: bearer(await signToken({ role: 'admin', sub: 'guard-admin' })) });
    expect(res.status).toBe(200);
  });
});

describe('token lifetime (JWT_MAX_TTL_SECONDS, default 86400) and issue time', () => {
  // A fixed verification time: every check below is against this instant, never the real clock.
  const NOW = Date.UTC(2030, 0, 15, 12, 0, 0) / 1000;
  const DAY = 86_400;
  const jwtConfig = (maxTtlSeconds = DAY) => ({ ...parseConfig(env).jwt, maxTtlSeconds });

  /** Signs with exactly the given iat/exp (either may be left out), with the test key JWT_PUBLIC_KEY verifies. */
  async function tokenWith(times: { iat?: number; exp?: number }): Promise<string> {
    const key = await importJWK(JSON.parse(inject('esPrivateJwk')), 'ES256');
    const claims: JWTPayload = { tenant_id: 't1', role: 'admin', venues: [], ...times };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-es', typ: 'JWT' })
      .setSubject('lifetime-1')
      .setIssuer(env.JWT_ISSUER)
      .setAudience(env.JWT_AUDIENCE)
      .sign(key);
  }

  async function outcome(times: { iat?: number; exp?: number }, maxTtlSeconds = DAY): Promise<string> {
    try {
      await verifyAccessToken(await tokenWith(times), jwtConfig(maxTtlSeconds), new Date(NOW * 1000));
      return 'accepted';
    } catch (err) {
      return err instanceof InvalidTokenError ? err.code : `unexpected ${String(err)}`;
    }
  }

  it('accepts a lifetime up to the maximum, refuses one second more', async () => {
    expect(await outcome({ iat: NOW, exp: NOW + 600 })).toBe('accepted');
    expect(await outcome({ iat: NOW, exp: NOW + DAY })).toBe('accepted');
    expect(await outcome({ iat: NOW, exp: NOW + DAY + 1 })).toBe('INVALID_TOKEN');
    // Issued long ago with a long life and not expired yet: the lifetime counts, not the time left.
    expect(await outcome({ iat: NOW - DAY + 60, exp: NOW + 3600 })).toBe('INVALID_TOKEN');
  });

  it('refuses an iat in the future beyond the clock tolerance, whatever the lifetime', async () => {
    expect(await outcome({ iat: NOW + CLOCK_TOLERANCE_SECONDS, exp: NOW + 600 })).toBe('accepted');
    expect(await outcome({ iat: NOW + CLOCK_TOLERANCE_SECONDS + 1, exp: NOW + 600 })).toBe('INVALID_TOKEN');
    expect(await outcome({ iat: NOW + 3600, exp: NOW + 3600 + 600 })).toBe('INVALID_TOKEN');
  });

  it('without iat, refuses a token that expires further than the maximum from now', async () => {
    expect(await outcome({ exp: NOW + DAY })).toBe('accepted');
    expect(await outcome({ exp: NOW + DAY + 1 })).toBe('INVALID_TOKEN');
  });

  it('follows a configured maximum', async () => {
    expect(await outcome({ iat: NOW, exp: NOW + 3600 }, 3600)).toBe('accepted');
    expect(await outcome({ iat: NOW, exp: NOW + 3601 }, 3600)).toBe('INVALID_TOKEN');
  });

  it('through the API: 401 INVALID_TOKEN for a 30-day token, a future iat, and a token over JWT_MAX_TTL_SECONDS', async () => {
    const thirtyDays = await signToken({ role: 'admin' }, { expiresIn: '30d' });
    expect((await statsWith(bearer(thirtyDays))).body.code).toBe('INVALID_TOKEN');
    const now = Math.floor(Date.now() / 1000);
    const fromTomorrow = await tokenWith({ iat: now + DAY, exp: now + DAY + 600 });
    expect((await statsWith(bearer(fromTomorrow))).body.code).toBe('INVALID_TOKEN');
    // The variable is read: with a one-hour maximum a two-hour token is refused and a ten-minute one accepted.
    const twoHours = await signToken({ role: 'admin' }, { expiresIn: '2h' });
    expect((await statsWith(bearer(twoHours))).status).toBe(200);
    const hourMax = { JWT_MAX_TTL_SECONDS: '3600' };
    const refused = await callWithEnv(hourMax, '/admin/stats', { headers: bearer(twoHours) });
    expect([refused.status, (await json<ErrorBody>(refused)).code]).toEqual([401, 'INVALID_TOKEN']);
    const tenMinutes = await signToken({ role: 'admin' });
    expect((await callWithEnv(hourMax, '/admin/stats', { headers: bearer(tenMinutes) })).status).toBe(200);
  });
});
