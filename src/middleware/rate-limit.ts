import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Role } from '../env';
import { RateLimitError } from '../lib/errors';

/*
 * Budgets by who calls (Workers Rate Limiting bindings in wrangler.toml, fixed windows of 10 or 60 s; the
 * binding does not say when its window resets, so Retry-After is the window's length, an honest upper bound):
 *   buyers (role user)                    RATE_LIMIT_USER        60 per 60 s per person (tenant + subject)
 *   merchants, venue managers, admins     RATE_LIMIT_TENANT      1000 per 10 s per tenant, shared by its back ends
 *   PSP notifications, unauthenticated    RATE_LIMIT_WEBHOOK_IP  600 per 10 s per client IP
 *   other requests without a token        RATE_LIMIT_PUBLIC_IP   300 per 60 s per client IP
 *   rejected tokens                       RATE_LIMIT_IP          100 per 60 s per client IP (limitInvalidTokens)
 */

/** Roles that act for their tenant (merchant back ends, dashboards): one budget per tenant, not per person. */
const TENANT_ROLES: readonly Role[] = ['merchant', 'venue_manager', 'admin'];

/**
 * The limit of an authenticated caller, by role; must follow requireAuth. A buyer is limited as a person.
 * A merchant's integration is limited as its tenant, with room for bursts: 100 requests per second on
 * average over the window, as much as Stripe itself accepts, so creating checkout sessions at 50/s is
 * never throttled while a runaway integration still is.
 */
export function userRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { tenantId, sub, role } = c.get('principal');
    if (TENANT_ROLES.includes(role)) {
      const { success } = await c.env.RATE_LIMIT_TENANT.limit({ key: `tenant:${tenantId}` });
      if (!success) throw new RateLimitError(10);
    } else {
      const { success } = await c.env.RATE_LIMIT_USER.limit({ key: `${tenantId}:${sub}` });
      if (!success) throw new RateLimitError(60);
    }
    await next();
  };
}

/** Where PSPs (and, for Tilopay's redirect, the payer's browser) reach us without a token; each is verified by signature or read-back. */
const WEBHOOK_PATHS = [/^\/api\/v1\/webhooks\//, /^\/v1\/webhooks\//, /^\/v1\/payments\/stripe\/webhooks$/];

/**
 * The client address Cloudflare saw, or null when the request did not come from the internet through it:
 * Cloudflare sets cf-connecting-ip on every such request (and replaces one a client sends), so no header
 * means a service binding or a test calling the Worker directly, and a loopback address means wrangler
 * dev on this machine (the local PSP sandbox delivering webhooks, benchmarks) — none has a client to budget.
 */
function internetClient(c: Context<AppEnv>): string | null {
  const ip = c.req.header('cf-connecting-ip')?.trim();
  if (!ip || ip === '::1' || ip.startsWith('127.')) return null;
  return ip;
}

/**
 * Per-IP budgets for requests that carry no token, so unauthenticated endpoints cannot be flooded or used
 * to make us call providers (PayPal's verify call, QPay's and Tilopay's read-backs, MercadoPago's payment
 * read happen per notification). Mounted once in the app, ahead of the routes.
 *
 * Webhooks: 600 per 10 s (60/s) from one address. PSPs deliver from pools of addresses and send a few
 * notifications per payment, so even a merchant paying out 50 checkouts a second produces ~150
 * notifications a second spread over a dozen or so addresses, about a fifth of this per address; one
 * address beyond it is a flood, and it is held to at most 60 provider calls a second.
 * Everything else without a token (health, docs, JWKS, the payer's return page, unknown paths, and
 * token-protected routes called without one): 300 per 60 s, well above a load balancer's polling.
 * Requests with a token are counted by userRateLimit (valid) or limitInvalidTokens (rejected), and
 * /internal/* by its HMAC check, so they pass here.
 */
export function unauthenticatedRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ip = internetClient(c);
    if (ip !== null) {
      const path = c.req.path;
      if (WEBHOOK_PATHS.some((p) => p.test(path))) {
        const { success } = await c.env.RATE_LIMIT_WEBHOOK_IP.limit({ key: `webhook:${ip}` });
        if (!success) throw new RateLimitError(10);
      } else if (!c.req.header('authorization') && !path.startsWith('/internal/')) {
        const { success } = await c.env.RATE_LIMIT_PUBLIC_IP.limit({ key: `public:${ip}` });
        if (!success) throw new RateLimitError(60);
      }
    }
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
