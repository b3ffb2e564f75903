import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { verifyHmacSha256Hex } from '../lib/crypto';
import { InvalidTokenError } from '../lib/errors';
import { replayGuardFor } from '../lib/stubs';

export const INTERNAL_SKEW_SECONDS = 300;

/** The string both sides of internal service authentication sign. `path` includes any query string. */
export function internalSigningPayload(service: string, timestamp: string, method: string, path: string, rawBody: string): string {
  return `${service}\n${timestamp}\n${method.toUpperCase()}\n${path}\n${rawBody}`;
}

/**
 * Service-to-service authentication: allow-listed caller, timestamp within ±300 s, HMAC-SHA256 over the
 * raw body compared in constant time, and each signature usable once (ReplayGuardDO remembers it until
 * the timestamp leaves the window). Every failure is 401 INVALID_TOKEN; the message says which check.
 */
export function requireInternalService(now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { secret, allowedServices } = c.get('config').internal;
    const service = c.req.header('x-internal-service');
    const timestamp = c.req.header('x-internal-timestamp');
    const signature = c.req.header('x-internal-signature');
    if (!service || !timestamp || !signature) throw new InvalidTokenError('Internal service authentication required');
    if (!allowedServices.includes(service)) throw new InvalidTokenError('Unknown internal service');
    if (!/^\d{1,12}$/.test(timestamp)) throw new InvalidTokenError('Invalid internal timestamp');
    const ts = Number(timestamp);
    if (Math.abs(Math.floor(now() / 1000) - ts) > INTERNAL_SKEW_SECONDS) {
      throw new InvalidTokenError('Internal timestamp outside the allowed window');
    }
    const url = new URL(c.req.url);
    const payload = internalSigningPayload(service, timestamp, c.req.method, url.pathname + url.search, await c.req.text());
    if (!(await verifyHmacSha256Hex(secret, payload, signature))) throw new InvalidTokenError('Invalid internal signature');
    const sig = signature.toLowerCase();
    const fresh = await replayGuardFor(c.env, sig).claim(sig, (ts + INTERNAL_SKEW_SECONDS + 1) * 1000);
    if (!fresh) throw new InvalidTokenError('Replayed internal request');
    await next();
  };
}
