import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
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
