import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * QPay merchant API v2 (CONTRACTS.md §7), token part: POST /v2/auth/token with Basic client
 * credentials, POST /v2/auth/refresh with the refresh token as Bearer. `expires_in` is an absolute Unix
 * time as live QPay answers (setting `expiresInStyle: epoch`), or a lifetime in seconds
 * (`duration`) to test clients that read it either way. Lifetime: knob `tokenTtlSeconds`.
 */
type Grant = { accessToken: string; refreshToken: string; clientId: string; expiresAt: number; refreshExpiresAt: number };

function error(status: number, code: string): SandboxResponse {
  return { status, body: { error: code, message: code } };
}

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

type Store = { grants: Map<string, Grant>; refreshes: Map<string, Grant> };

function issue(store: Store, clientId: string, ctx: SandboxContext): SandboxResponse {
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

/** For later QPay endpoints: the Bearer access token must be one we issued and still valid. */
function authorized(store: Store, req: SandboxRequest, now: number): Grant | null {
  const grant = store.grants.get(bearer(req.headers.authorization) ?? '');
  return grant && grant.expiresAt > now ? grant : null;
}

export function createQpayProvider(): SandboxProvider & { authorized(req: SandboxRequest, now: number): Grant | null } {
  const store: Store = { grants: new Map(), refreshes: new Map() };
  return {
    name: 'qpay',
    authorized: (req, now) => authorized(store, req, now),
    settings: { expiresInStyle: ['epoch', 'duration'] },
    async handle(req, ctx) {
      if (req.method === 'POST' && req.path === '/v2/auth/token') {
        const clientId = basicClient(req.headers.authorization);
        return clientId ? issue(store, clientId, ctx) : error(401, 'AUTHENTICATION_FAILED');
      }
      if (req.method === 'POST' && req.path === '/v2/auth/refresh') {
        const grant = store.refreshes.get(bearer(req.headers.authorization) ?? '');
        if (!grant || grant.refreshExpiresAt <= ctx.now()) return error(401, 'INVALID_REFRESH_TOKEN');
        store.refreshes.delete(grant.refreshToken);
        return issue(store, grant.clientId, ctx);
      }
      return error(404, 'NOT_FOUND');
    },
    reset() {
      store.grants.clear();
      store.refreshes.clear();
    },
  };
}
