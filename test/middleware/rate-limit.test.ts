import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

/**
 * The Rate Limiting binding counts in fixed windows, so a burst can straddle a window edge. These tests
 * send until the first 429 (at most two windows' worth) and check that at least `limit` went through first.
 */
async function untilLimited(limit: number, send: () => Promise<Response>) {
  const allowed: Response[] = [];
  for (let i = 0; i < 2 * limit + 1; i++) {
    const res = await send();
    if (res.status === 429) return { allowed, limited: res };
    allowed.push(res);
  }
  return { allowed, limited: null };
}

describe('per-user rate limit (RATE_LIMIT_USER: 60 per 60 s)', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a user passes the limit, and not other users', async () => {
    const heavy = bearer(await signToken({ role: 'admin', sub: `heavy-${crypto.randomUUID()}` }));
    const { allowed, limited } = await untilLimited(60, () => call('/admin/dead-letters?limit=1', { headers: heavy }));
    expect(limited).not.toBeNull();
    expect(allowed.length).toBeGreaterThanOrEqual(60);
    expect(allowed.every((r) => r.status === 200)).toBe(true);
    expect(limited?.headers.get('retry-after')).toBe('60');
    expect((await json<ErrorBody>(limited as Response)).code).toBe('RATE_LIMIT_EXCEEDED');

    const other = bearer(await signToken({ role: 'admin', sub: `light-${crypto.randomUUID()}` }));
    expect((await call('/admin/dead-letters?limit=1', { headers: other })).status).toBe(200);
  });
});

describe('per-IP budget for invalid tokens (RATE_LIMIT_IP: 100 per 60 s)', () => {
  it('answers 429 after 100 rejected tokens from one IP; other IPs are unaffected', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const garbage = { Authorization: 'Bearer not.a.jwt', 'cf-connecting-ip': ip };
    const { allowed, limited } = await untilLimited(100, () => call('/admin/stats', { headers: garbage }));
    expect(limited).not.toBeNull();
    expect(allowed.length).toBeGreaterThanOrEqual(100);
    expect(allowed.every((r) => r.status === 401)).toBe(true);
    expect((await json<ErrorBody>(limited as Response)).code).toBe('RATE_LIMIT_EXCEEDED');
    const elsewhere = await call('/admin/stats', { headers: { ...garbage, 'cf-connecting-ip': '203.0.113.7' } });
    expect((await json<ErrorBody>(elsewhere)).code).toBe('INVALID_TOKEN');
  });
});
