import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createApp } from '../../src/app';
import type { Bindings } from '../../src/env';

export const BASE = 'http://edgepay.test';

/** A request through the deployed entry point (the Worker's default export). */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

/** The app with an altered environment (e.g. an unreachable database), waiting for its waitUntil work. */
export async function callWithEnv(overrides: Partial<Bindings>, path: string, init?: RequestInit, app = createApp()): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides } as Bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A postgres URL on a port nothing listens on: a real, immediate connection failure. */
export const UNREACHABLE_DATABASE_URL = 'postgres://postgres:x@127.0.0.1:1/postgres';

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
