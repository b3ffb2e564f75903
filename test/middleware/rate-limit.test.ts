import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

describe('per-user rate limit (RATE_LIMIT_USER: 60 per 60 s)', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a user passes the limit, and not other users', async () => {
    const heavy = bearer(await signToken({ role: 'admin', sub: `heavy-${crypto.randomUUID()}` }));
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await call('/admin/dead-letters?limit=1', { headers: heavy })).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    const res = await call('/admin/dead-letters?limit=1', { headers: heavy });
    expect(res.headers.get('retry-after')).toBe('60');
    expect((await json<ErrorBody>(res)).code).toBe('RATE_LIMIT_EXCEEDED');

    const other = bearer(await signToken({ role: 'admin', sub: `light-${crypto.randomUUID()}` }));
    expect((await call('/admin/dead-letters?limit=1', { headers: other })).status).toBe(200);
  });
});
