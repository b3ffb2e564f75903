import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxContext, SandboxRequest, SandboxResponse } from '../types.ts';
import { qpayError } from './errors.ts';

/**
 * QPay v2 auth: POST /v2/auth/token with Basic client credentials, POST /v2/auth/refresh
 * with the refresh token as Bearer. `expires_in` is an absolute Unix time as live QPay answers (setting
 * `expiresInStyle: epoch`), or a lifetime in seconds (`duration`) to test clients that read it either way.
 * Lifetime: knob `tokenTtlSeconds`.
 */
export type Grant = { accessToken: string; refreshToken: string; clientId: string; expiresAt: number; refreshExpiresAt: number };
export type AuthStore = { grants: Map<string, Grant>; refreshes: Map<string, Grant> };

export const emptyAuthStore = (): AuthStore => ({ grants: new Map(), refreshes: new Map() });

function basicClient(header: string | undefined): string | null {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && colon < decoded.length - 1 ? decoded.slice(0, colon) : null;
}

function bearer(header: string | undefined): string | null {
  return /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? null;
}

function issue(store: AuthStore, clientId: string, ctx: SandboxContext): SandboxResponse {
  const now = ctx.now();
  const ttl = ctx.tokenTtlSeconds();
  const grant: Grant = {
    accessToken: `qpay_at_${randomBytes(24).toString('base64url')}`,
    refreshToken: `qpay_rt_${randomBytes(24).toString('base64url')}`,
    clientId,
    expiresAt: now + ttl * 1000,
    refreshExpiresAt: now + 2 * ttl * 1000,
  };
  store.grants.set(grant.accessToken, grant);
  store.refreshes.set(grant.refreshToken, grant);
  const epoch = ctx.setting('expiresInStyle') === 'epoch';
  return {
    status: 200,
    body: {
      token_type: 'bearer',
      access_token: grant.accessToken,
      expires_in: epoch ? Math.floor(grant.expiresAt / 1000) : ttl,
      refresh_token: grant.refreshToken,
      refresh_expires_in: epoch ? Math.floor(grant.refreshExpiresAt / 1000) : 2 * ttl,
      scope: 'get_token',
      'not-before-policy': '0',
      session_state: randomUUID(),
    },
  };
}

/** The token endpoints; null when the request is for another endpoint. */
export function handleAuth(store: AuthStore, req: SandboxRequest, ctx: SandboxContext): SandboxResponse | null {
  if (req.method === 'POST' && req.path === '/v2/auth/token') {
    const clientId = basicClient(req.headers.authorization);
    return clientId ? issue(store, clientId, ctx) : qpayError(401, 'AUTHENTICATION_FAILED');
  }
  if (req.method === 'POST' && req.path === '/v2/auth/refresh') {
    const grant = store.refreshes.get(bearer(req.headers.authorization) ?? '');
    if (!grant || grant.refreshExpiresAt <= ctx.now()) return qpayError(401, 'INVALID_REFRESH_TOKEN');
    store.refreshes.delete(grant.refreshToken);
    return issue(store, grant.clientId, ctx);
  }
  return null;
}

/** Every other endpoint: the Bearer access token must be one we issued and still valid. */
export function authorized(store: AuthStore, req: SandboxRequest, now: number): Grant | null {
  const grant = store.grants.get(bearer(req.headers.authorization) ?? '');
  return grant && grant.expiresAt > now ? grant : null;
}
