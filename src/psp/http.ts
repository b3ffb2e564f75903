import { TokenRequestError, type TokenSource } from './tokens';
import type { PspFailure, PspResult } from './types';

/**
 * One HTTP call to a provider with a per-call timeout, typed failures and retries only where they are
 * safe: reads, and writes the provider deduplicates (an idempotency key in a header or the body).
 * Adapters build the request from their transformers; nothing here knows a wire format.
 */
export type PspHttpRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON body (sets content-type). */
  json?: unknown;
  /** A body already encoded (e.g. form), sent as is with the given headers. */
  body?: string;
  timeoutMs: number;
  /** True for reads and idempotent writes: transient failures (network, timeout, 409, 429, 5xx) are retried. */
  retry: boolean;
  /** Provider error body → its code and a short message; the message must not echo credentials. */
  describeError?: (status: number, body: unknown) => { code?: string; message?: string };
};

export type PspHttpResponse = { status: number; body: unknown; headers: Headers };

export type PspHttpOptions = { attempts?: number; sleep?: (ms: number) => Promise<void> };

const BACKOFF_MS = [200, 600];
const MAX_RETRY_AFTER_MS = 2_000;

function failureFor(status: number, code: string | undefined, message: string): PspFailure {
  if (status === 401 || status === 403) return { kind: 'authentication', retryable: false, status, code, message };
  if (status === 409) return { kind: 'conflict', retryable: true, status, code, message };
  if (status === 429) return { kind: 'rate_limited', retryable: true, status, code, message };
  if (status >= 500) return { kind: 'unavailable', retryable: true, status, code, message };
  return { kind: 'invalid_request', retryable: false, status, code, message };
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

type Attempt = PspResult<PspHttpResponse> & { retryAfterMs?: number };

async function attempt(req: PspHttpRequest): Promise<Attempt> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body = req.body;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return {
      ok: false,
      failure: timedOut
        ? { kind: 'timeout', retryable: true, message: `no answer within ${req.timeoutMs} ms` }
        : { kind: 'unavailable', retryable: true, message: `network error: ${err instanceof Error ? err.message : String(err)}` },
    };
  }
  let parsed: unknown;
  try {
    parsed = await readBody(res);
  } catch (err) {
    return { ok: false, failure: { kind: 'unavailable', retryable: true, status: res.status, message: `body not read: ${String(err)}` } };
  }
  if (res.ok) return { ok: true, value: { status: res.status, body: parsed, headers: res.headers } };
  const described = req.describeError?.(res.status, parsed) ?? {};
  const failure = failureFor(res.status, described.code, described.message ?? `provider answered ${res.status}`);
  const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(retryAfter) && retryAfter >= 0
    ? { ok: false, failure, retryAfterMs: Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS) }
    : { ok: false, failure };
}

export async function pspRequest(req: PspHttpRequest, options: PspHttpOptions = {}): Promise<PspResult<PspHttpResponse>> {
  const attempts = req.retry ? (options.attempts ?? 3) : 1;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let result = await attempt(req);
  for (let n = 1; n < attempts && !result.ok && result.failure.retryable; n++) {
    await sleep(result.retryAfterMs ?? BACKOFF_MS[n - 1] ?? 1000);
    result = await attempt(req);
  }
  const { retryAfterMs: _, ...plain } = result;
  return plain as PspResult<PspHttpResponse>;
}

/**
 * Runs `call` with a brokered bearer token. A 401 means the provider no longer accepts the token:
 * it is invalidated once and the call retried once with a fresh one (TokenBrokerDO single-flights it).
 */
export async function withBearerToken<T>(tokens: TokenSource, call: (accessToken: string) => Promise<PspResult<T>>): Promise<PspResult<T>> {
  const first = await tokenOrFailure(tokens);
  if (!first.ok) return first;
  const result = await call(first.value);
  if (result.ok || result.failure.kind !== 'authentication' || result.failure.status !== 401) return result;
  await tokens.invalidate(first.value);
  const second = await tokenOrFailure(tokens);
  return second.ok ? call(second.value) : second;
}

async function tokenOrFailure(tokens: TokenSource): Promise<PspResult<string>> {
  try {
    return { ok: true, value: await tokens.token() };
  } catch (err) {
    if (err instanceof TokenRequestError) {
      const status = err.status ?? 0;
      return {
        ok: false,
        failure:
          status === 401 || status === 403
            ? { kind: 'authentication', retryable: false, status, message: 'provider refused the client credentials' }
            : { kind: 'unavailable', retryable: true, ...(status ? { status } : {}), message: 'token request failed' },
      };
    }
    throw err;
  }
}
