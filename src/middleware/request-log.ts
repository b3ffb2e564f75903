import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { createLogger, parseLogLevel } from '../lib/logger';

/**
 * One structured line per request: requestId, method, path (never the query string, which may hold
 * tokens), status, ms and tenant. Errors are rendered by onError before this line is written.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const logger = createLogger(parseLogLevel(c.env.LOG_LEVEL), { requestId: c.var.requestId });
    c.set('logger', logger);
    await next();
    const status = c.res.status;
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      tenant: c.get('principal')?.tenantId ?? null,
    };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  };
}
