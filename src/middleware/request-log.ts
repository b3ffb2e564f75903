import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../env';
import { loggerFor } from '../lib/logger';

/** What the log says for a request no route answered: the raw path can hold anything a client typed. */
export const UNMATCHED_ROUTE = '(unmatched)';

const notedRoutes = new WeakMap<Request, string>();

/** Lets a handler that answers outside the routing table (the 405 fallback) name the route pattern it found. */
export function noteRoutePattern(c: Context, pattern: string): void {
  notedRoutes.set(c.req.raw, pattern);
}

/**
 * The registered pattern (`/v1/users/:handle/factors`), never the request's own path: paths carry
 * handles, ids and whatever else a client puts there. Middleware is registered for every method
 * ('ALL'); the last route with a real method is the one the request was routed to.
 */
function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== 'ALL') return route.path;
  }
  return notedRoutes.get(c.req.raw) ?? UNMATCHED_ROUTE;
}

/**
 * One structured line per request: requestId, method, path (the route pattern, never the request's
 * path or query string), status, ms and tenant. Errors are rendered by onError before this line is written.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const logger = loggerFor(c.env, { requestId: c.get('requestId') });
    c.set('logger', logger);
    await next();
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      path: routePattern(c),
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      tenant: c.get('principal')?.tenantId ?? null,
    };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  };
}
