import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { ValidationError } from './errors';

type Issue = { path: PropertyKey[]; message: string };

export function fieldErrors(issues: readonly Issue[]) {
  return issues.map((i) => ({ field: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/**
 * Every sub-app comes from here: `defaultHook` is per OpenAPIHono instance and not inherited, so a
 * router made any other way would answer zod failures in its own format instead of 422 VALIDATION_ERROR.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new ValidationError(fieldErrors(result.error.issues));
    },
  });
}
