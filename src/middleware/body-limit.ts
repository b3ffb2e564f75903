import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env';
import { PayloadTooLargeError } from '../lib/errors';

/** Rejects bodies over MAX_BODY_BYTES with 413, whether announced by Content-Length or streamed. */
export function bodyLimit(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const maxSize = c.get('config').maxBodyBytes;
    return honoBodyLimit({
      maxSize,
      onError: () => {
        throw new PayloadTooLargeError(maxSize);
      },
    })(c, next);
  };
}
