import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../lib/errors';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** `Idempotency-Key: <UUID v4>` on every POST that moves money. */
export function requireIdempotencyKey(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header('Idempotency-Key');
    if (!key) throw new AppError('IDEMPOTENCY_KEY_MISSING', 'Idempotency-Key header is required');
    if (!UUID_V4.test(key)) throw new AppError('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be a UUID v4');
    c.set('idempotencyKey', key.toLowerCase());
    await next();
  };
}
