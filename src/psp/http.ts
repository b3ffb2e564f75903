import { TokenRequestError, type TokenSource } from './tokens';
import type { PspFailure, PspResult } from './types';

/**
 * One HTTP call to a provider with typed failures and retries only where they are safe: reads, and
 * writes the provider deduplicates (an idempotency key in a header or the body). Adapters build the
 * request from their transformers; nothing here knows a wire format.
 *
 * PSP_TIMEOUT_MS bounds a whole operation, not each attempt: one Deadline is taken when the operation
 * starts and every step of it (token fetch, attempts, the waits between them, the token retry after a
 * 401) gets only the time that is left, so a provider that never answers costs the caller the timeout
 * once rather than once per attempt.
 */

/** Below this much time left a retry is not started: it could not finish, and the caller is waiting. */
export const MIN_ATTEMPT_MS = 500;

export class Deadline {
  private constructor(
    /** Epoch ms at which the operation must have its answer. */
    readonly at: number,
    private readonly now: () => number,
  ) {}

  static after(ms: number, now: () => number = Date.now): Deadline {
    return new Deadline(now() + ms, now);
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.at - this.now());
  }

  /** Whether another attempt still fits after waiting `waitMs`. */
  allows(waitMs: number): boolean {
    return this.remaining() - waitMs >= MIN_ATTEMPT_MS;
  }
}

export type PspHttpCall = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** JSON body (sets content-type). */
  json?: unknown;
  /** A body already encoded (e.g. form), sent as is with the given headers. */
  body?: string;
  /** True for reads and idempotent writes: transient failures (network, timeout, 409, 429, 5xx) are retried. */
  retry: boolean;
  /** Provider error body → its code and a short message; the message must not echo credentials. */
  describeError?: (status: number, body: unknown) => { code?: string; message?: string };
};

/**
 * `deadline`: the operation this request belongs to (shared with its token fetch and other calls);
 * `timeoutMs`: a request that is an operation of its own, bounded from now, retries included.
 */
export type PspHttpRequest = PspHttpCall & ({ deadline: Deadline } | { timeoutMs: number });

export type PspHttpResponse = { status: number; body: unknown; headers: Headers };

/** Seams for tests: the attempt count, the clock, the wait between attempts, fetch and the per-attempt timeout signal. */
export type PspHttpOptions = {
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  fetch?: typeof fetch;
  timeoutSignal?: (ms: number) => AbortSignal;
};

const BACKOFF_MS = [200, 600];
const MAX_RETRY_AFTER_MS = 2_000;
const DEFAULT_ATTEMPTS = 3;

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The failure of an operation whose time ran out before a step could start. */
export function deadlinePassed(): PspFailure {
  return { kind: 'timeout', retryable: true, message: 'the PSP timeout passed before the provider answered' };
}

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

/** One try: its result, and how long the provider asked us to wait before the next (Retry-After). */
export type Attempt<T> = PspResult<T> & { retryAfterMs?: number };

/**
 * Runs `once` until it succeeds, fails for good, `attempts` are used, or the deadline leaves no room for
 * another try (after the backoff) — each try gets the time that is left as its timeout. The shared retry
 * policy of pspRequest and the Stripe SDK calls.
 */
export async function retryWithin<T>(
  deadline: Deadline,
  attempts: number,
  once: (timeoutMs: number) => Promise<Attempt<T>>,
  sleep: (ms: number) => Promise<void> = realSleep,
): Promise<PspResult<T>> {
  if (deadline.remaining() <= 0) return { ok: false, failure: deadlinePassed() };
  let result = await once(deadline.remaining());
  for (let n = 1; n < attempts && !result.ok && result.failure.retryable; n++) {
    const wait = result.retryAfterMs ?? BACKOFF_MS[n - 1] ?? 1000;
    if (!deadline.allows(wait)) break;
    await sleep(wait);
    result = await once(deadline.remaining());
  }
  const { retryAfterMs: _, ...plain } = result;
  return plain as PspResult<T>;
}

async function attempt(req: PspHttpCall, timeoutMs: number, options: PspHttpOptions): Promise<Attempt<PspHttpResponse>> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body = req.body;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  }
  const doFetch = options.fetch ?? fetch;
  const signal = (options.timeoutSignal ?? ((ms: number) => AbortSignal.timeout(ms)))(timeoutMs);
  let res: Response;
  try {
    res = await doFetch(req.url, { method: req.method, headers, body, signal });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return {
      ok: false,
      failure: timedOut
        ? { kind: 'timeout', retryable: true, message: `no answer within ${timeoutMs} ms` }
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
  const deadline = 'deadline' in req ? req.deadline : Deadline.after(req.timeoutMs, options.now);
  const attempts = req.retry ? (options.attempts ?? DEFAULT_ATTEMPTS) : 1;
  return retryWithin(deadline, attempts, (timeoutMs) => attempt(req, timeoutMs, options), options.sleep);
}

/**
 * Runs `call` with a brokered bearer token, within the operation's deadline (the token fetch counts).
 * A 401 means the provider no longer accepts the token: it is invalidated once and the call retried once
 * with a fresh one (TokenBrokerDO single-flights it), if the deadline still leaves room for it.
 */
export async function withBearerToken<T>(
  tokens: TokenSource,
  deadline: Deadline,
  call: (accessToken: string) => Promise<PspResult<T>>,
): Promise<PspResult<T>> {
  const first = await tokenOrFailure(tokens, deadline);
  if (!first.ok) return first;
  const result = await call(first.value);
  if (result.ok || result.failure.kind !== 'authentication' || result.failure.status !== 401) return result;
  await tokens.invalidate(first.value);
  if (!deadline.allows(0)) return result;
  const second = await tokenOrFailure(tokens, deadline);
  return second.ok ? call(second.value) : second;
}

async function tokenOrFailure(tokens: TokenSource, deadline: Deadline): Promise<PspResult<string>> {
  const left = deadline.remaining();
  if (left <= 0) return { ok: false, failure: deadlinePassed() };
  try {
    return { ok: true, value: await tokens.token(left) };
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
