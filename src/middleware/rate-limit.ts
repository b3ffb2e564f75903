import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { RateLimitError } from '../lib/errors';

/** Per-user limit (tenant + subject) with the Workers Rate Limiting binding; must follow requireAuth. */
export function userRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { tenantId, sub } = c.var.principal;
    const { success } = await c.env.RATE_LIMIT_USER.limit({ key: `${tenantId}:${sub}` });
    // The binding's window is 60 s and it does not say when it resets; 60 is the honest upper bound.
    if (!success) throw new RateLimitError(60);
    await next();
  };
}

/**
 * Per-client-IP budget for rejected tokens (RATE_LIMIT_IP, 100 per 60 s): a client sending forged or
 * garbage tokens gets 429 instead of unlimited signature verifications. Valid traffic never touches it.
 */
export async function limitInvalidTokens(c: Context<AppEnv>): Promise<void> {
  const ip = c.req.header('cf-connecting-ip') ?? 'unknown';
  const { success } = await c.env.RATE_LIMIT_IP.limit({ key: `invalid-token:${ip}` });
  if (!success) throw new RateLimitError(60);
}
