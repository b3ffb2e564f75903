import { describe, expect, it } from 'vitest';
import { Deadline, MIN_ATTEMPT_MS, type PspHttpOptions, pspRequest, withBearerToken } from '../../../src/psp/http.ts';
import type { TokenSource } from '../../../src/psp/tokens.ts';

/**
 * pspRequest's retries against one deadline, on a simulated clock: fetch, the wait between attempts and
 * the per-attempt timeout are injected, and every step moves the clock by the time it would take.
 */
type Step = { ms: number; answer: number | 'timeout'; retryAfter?: string };

function simulated(steps: Step[]) {
  let clock = 1_000_000;
  const timeouts: number[] = [];
  const started: number[] = [];
  let next = 0;
  const options: PspHttpOptions = {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    timeoutSignal: (ms) => {
      timeouts.push(ms);
      return new AbortController().signal;
    },
    fetch: (async () => {
      const step = steps[Math.min(next++, steps.length - 1)] as Step;
      started.push(clock);
      const limit = timeouts[timeouts.length - 1] as number;
      // A provider slower than the attempt's timeout is cut off at the timeout, as AbortSignal.timeout would.
      if (step.answer === 'timeout' || step.ms >= limit) {
        clock += limit;
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }
      clock += step.ms;
      return new Response(JSON.stringify({}), {
        status: step.answer,
        headers: step.retryAfter ? { 'retry-after': step.retryAfter } : {},
      });
    }) as typeof fetch,
  };
  return {
    options,
    timeouts,
    started,
    elapsed: (from: number) => clock - from,
    get now() {
      return clock;
    },
  };
}

const GET = { method: 'GET' as const, url: 'https://psp.example/v1/thing', retry: true };

describe('pspRequest: one deadline for the operation', () => {
  it('a provider that never answers costs the timeout once: no retry after the first attempt used it all', async () => {
    const sim = simulated([{ ms: 0, answer: 'timeout' }]);
    const t0 = sim.now;
    const res = await pspRequest({ ...GET, timeoutMs: 5000 }, sim.options);
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    expect(sim.timeouts).toEqual([5000]);
    expect(sim.elapsed(t0)).toBe(5000);
  });

  it('quick transient failures are retried with backoff, each attempt given only the time left', async () => {
    const sim = simulated([
      { ms: 100, answer: 503 },
      { ms: 100, answer: 503 },
      { ms: 100, answer: 200 },
    ]);
    const t0 = sim.now;
    const res = await pspRequest({ ...GET, timeoutMs: 5000 }, sim.options);
    expect(res.ok).toBe(true);
    // 5000; then 5000 − 100 − 200 backoff; then 4700 − 100 − 600 backoff.
    expect(sim.timeouts).toEqual([5000, 4700, 4000]);
    expect(sim.elapsed(t0)).toBe(1100);
  });

  it('a slow failure leaves a shorter retry; the retry that times out ends the operation at the deadline', async () => {
    const sim = simulated([
      { ms: 4000, answer: 502 },
      { ms: 0, answer: 'timeout' },
    ]);
    const t0 = sim.now;
    const res = await pspRequest({ ...GET, timeoutMs: 5000 }, sim.options);
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(sim.timeouts).toEqual([5000, 800]);
    expect(sim.elapsed(t0)).toBe(5000);
  });

  it('no retry starts when the wait (Retry-After) would leave less than the minimum attempt time', async () => {
    const sim = simulated([{ ms: 2700, answer: 429, retryAfter: '2' }]);
    const t0 = sim.now;
    const res = await pspRequest({ ...GET, timeoutMs: 5000 }, sim.options);
    expect(res).toMatchObject({ ok: false, failure: { kind: 'rate_limited', status: 429 } });
    // 2300 ms left, 2000 ms to wait: 300 ms would remain, below MIN_ATTEMPT_MS.
    expect(5000 - 2700 - 2000).toBeLessThan(MIN_ATTEMPT_MS);
    expect(sim.timeouts).toEqual([5000]);
    expect(sim.elapsed(t0)).toBe(2700);
  });

  it('a request joining an operation uses its deadline, and one whose deadline has passed is not sent', async () => {
    const sim = simulated([{ ms: 10, answer: 200 }]);
    const deadline = Deadline.after(1200, sim.options.now);
    await sim.options.sleep?.(1000);
    expect((await pspRequest({ ...GET, deadline }, sim.options)).ok).toBe(true);
    expect(sim.timeouts).toEqual([200]);
    await sim.options.sleep?.(500);
    const late = await pspRequest({ ...GET, deadline }, sim.options);
    expect(late).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
    expect(sim.started).toHaveLength(1);
  });

  it('writes that are not idempotent are tried once', async () => {
    const sim = simulated([{ ms: 100, answer: 503 }]);
    const res = await pspRequest({ ...GET, method: 'POST', retry: false, timeoutMs: 5000 }, sim.options);
    expect(res).toMatchObject({ ok: false, failure: { kind: 'unavailable', status: 503 } });
    expect(sim.started).toHaveLength(1);
  });
});

describe('withBearerToken: the token fetch and the 401 retry are inside the deadline', () => {
  function tokens(sim: ReturnType<typeof simulated>, fetchMs: number) {
    const asked: (number | undefined)[] = [];
    const invalidated: string[] = [];
    let n = 0;
    const source: TokenSource = {
      async token(timeoutMs) {
        asked.push(timeoutMs);
        await sim.options.sleep?.(fetchMs);
        return `tok-${++n}`;
      },
      async invalidate(token) {
        invalidated.push(token);
      },
    };
    return { source, asked, invalidated };
  }

  it('the call after a slow token fetch gets only what is left', async () => {
    const sim = simulated([{ ms: 0, answer: 'timeout' }]);
    const t = tokens(sim, 3000);
    const deadline = Deadline.after(5000, sim.options.now);
    const t0 = sim.now;
    const res = await withBearerToken(t.source, deadline, () => pspRequest({ ...GET, deadline }, sim.options));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(t.asked).toEqual([5000]);
    expect(sim.timeouts).toEqual([2000]);
    expect(sim.elapsed(t0)).toBe(5000);
  });

  it('a 401 late in the operation is returned, without a second token fetch that could not finish', async () => {
    const sim = simulated([{ ms: 4700, answer: 401 }]);
    const t = tokens(sim, 0);
    const deadline = Deadline.after(5000, sim.options.now);
    const res = await withBearerToken(t.source, deadline, () => pspRequest({ ...GET, deadline }, sim.options));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'authentication', status: 401 } });
    expect(t.invalidated).toEqual(['tok-1']);
    expect(t.asked).toHaveLength(1);
  });

  it('a 401 early in the operation gets a fresh token and one more call with the time left', async () => {
    const sim = simulated([
      { ms: 100, answer: 401 },
      { ms: 100, answer: 200 },
    ]);
    const t = tokens(sim, 50);
    const deadline = Deadline.after(5000, sim.options.now);
    const res = await withBearerToken(t.source, deadline, () => pspRequest({ ...GET, deadline }, sim.options));
    expect(res.ok).toBe(true);
    expect(t.asked).toEqual([5000, 4850]);
    expect(sim.timeouts).toEqual([4950, 4800]);
  });
});
