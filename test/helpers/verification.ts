import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { createApp } from '../../src/app';
import type { Bindings } from '../../src/env';
import { verificationStub } from '../../src/lib/stubs';
import { BASE } from './app';

/**
 * NoTap test helpers. Requests go through the Worker's entry point; with binding overrides (e.g. LOG_LEVEL)
 * through an app made by createApp() (same middleware, same error renderer), whose background work
 * (waitUntil) `settle()` waits for.
 */
const app = createApp();
const background: ExecutionContext[] = [];

/** Overrides (e.g. LOG_LEVEL) apply to the Worker's bindings only, not to the objects', and always go through the local app. */
export function callApp(path: string, init?: RequestInit, overrides?: Partial<Bindings>): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  if (!overrides) return exports.default.fetch(request);
  const ctx = createExecutionContext();
  background.push(ctx);
  return app.fetch(request, overrides ? { ...env, ...overrides } : env, ctx) as Promise<Response>;
}

/** Waits for work the requests left running (late PSP outcomes, database pools). */
export async function settle(): Promise<void> {
  await Promise.all(background.splice(0).map((ctx) => waitOnExecutionContext(ctx)));
}

export type Reply<T = Record<string, unknown>> = { status: number; body: T; headers: Headers };

/** Every response body the helpers received since the last `takeResponses()` (to look for leaked values). */
const responses: string[] = [];
export const takeResponses = () => responses.splice(0).join('\n');
let overrides: Partial<Bindings> | undefined;
/** Runs `fn` with the Worker's bindings overridden (e.g. LOG_LEVEL: 'debug' to see every log line). */
export async function withBindings<T>(o: Partial<Bindings>, fn: () => Promise<T>): Promise<T> {
  overrides = o;
  try {
    return await fn();
  } finally {
    overrides = undefined;
  }
}

export async function request<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Reply<T>> {
  const res = await callApp(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, overrides);
  const text = await res.text();
  responses.push(text);
  return { status: res.status, body: JSON.parse(text) as T, headers: res.headers };
}

export type InitiateBody = {
  success: boolean;
  session_id: string;
  uuid: string;
  required_factors: string[];
  enrolled_factors: string[];
  initial_required_count: number;
  transaction_amount: number;
  risk_level: string;
  expires_in: number;
  message: string;
  psp_ready?: boolean;
  psp_session?: { provider: string; session_id: string; checkout_url: string; status: string; expires_at: string | null };
  psp_error?: string;
  code?: string;
  errors?: { field: string; message: string }[];
};

export type VerifyBody = {
  success?: boolean;
  status?: string;
  passed_factors?: string[];
  remaining_factors?: string[];
  attempts_left?: { session: number; factors: Record<string, number> };
  verification_token?: string;
  token_expires_at?: string;
  checkout_url?: string | null;
  code?: string;
  errors?: { field: string; message: string }[];
};

/** Values a test user enrols; every one of them must stay out of storage, logs, Postgres and responses. */
export const VALUES = {
  PIN: '90817263',
  PATTERN: [6, 3, 0, 4, 8, 5, 2],
  EMOJI: ['🦊', '🚀', '🌵', '🍕'],
  COLOR: ['cyan', 'brown', 'pink'],
} as const;

/** Every form in which those values could leak: as sent, as JSON, and normalized. */
export const VALUE_FORMS = ['90817263', '6-3-0-4-8-5-2', '6,3,0,4,8,5,2', '🦊', '🌵', '12-17-20-21', 'cyan-brown-pink', '"cyan"'];

export async function enrol(headers: Record<string, string>, user: string, factors: (keyof typeof VALUES)[]): Promise<string> {
  let uuid = '';
  for (const factor of factors) {
    const r = await request<{ uuid: string }>('POST', `/v1/users/${user}/factors`, headers, { factor, value: VALUES[factor] });
    if (r.status !== 201 && r.status !== 200) throw new Error(`enrol ${factor}: ${r.status} ${JSON.stringify(r.body)}`);
    uuid = r.body.uuid;
  }
  return uuid;
}

export function initiate(headers: Record<string, string>, body: unknown): Promise<Reply<InitiateBody>> {
  return request<InitiateBody>('POST', '/v1/verification/initiate', headers, body);
}

export function verify(headers: Record<string, string>, sessionId: string, factor: string, value: unknown): Promise<Reply<VerifyBody>> {
  return request<VerifyBody>('POST', `/v1/verification/${sessionId}/verify`, headers, { factor, value });
}

/** A wrong value of the same shape as the enrolled one. */
export const WRONG: Record<keyof typeof VALUES, unknown> = {
  PIN: '11112222',
  PATTERN: [0, 1, 2, 5],
  EMOJI: ['🍎', '🍎', '🍎', '🍎'],
  COLOR: ['red', 'red', 'red'],
};

/** Moves a session's deadline into the past, as five minutes passing would (the object keeps its record as JSON). */
export async function rewindExpiry(sessionId: string): Promise<void> {
  await runInDurableObject(verificationStub(env, sessionId), async (_instance, state) => {
    const row = state.storage.sql.exec<{ data: string }>('SELECT data FROM session WHERE id = 1').one();
    const record = JSON.parse(row.data) as { expiresAt: number };
    record.expiresAt = Date.now() - 1000;
    state.storage.sql.exec('UPDATE session SET data = ? WHERE id = 1', JSON.stringify(record));
  });
}
