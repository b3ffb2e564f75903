import { afterEach, describe, expect, it, vi } from 'vitest';
import { callWithEnv } from '../helpers/app';

// The test environment logs at warn; these tests look at the info lines operators see in `wrangler tail`.
const call = (path: string, init?: RequestInit) => callWithEnv({ LOG_LEVEL: 'info' }, path, init);

import { bearer, signToken } from '../helpers/tokens';

function captured(spy: { mock: { calls: unknown[][] } }) {
  return spy.mock.calls.map(([line]) => String(line));
}

describe('request log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line per request with requestId, method, path, status, ms and tenant', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    const token = await signToken({ role: 'admin', tenant_id: 'tenant-log', sub: 'log-admin' });
    const res = await call('/admin/stats?secret=abc', { headers: bearer(token) });
    const lines = captured(info).filter((l) => l.includes('"msg":"request"'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: 'info', method: 'GET', path: '/admin/stats', status: res.status, tenant: 'tenant-log' });
    expect(entry.requestId).toBe(res.headers.get('x-request-id'));
    expect(typeof entry.ms).toBe('number');
    const all = captured(info).join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain('secret=abc');
  });

  it('logs a 4xx at info level, with tenant null when there is no token', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    await call('/missing');
    const entry = JSON.parse(captured(info).find((l) => l.includes('"msg":"request"')) as string);
    expect(entry).toMatchObject({ level: 'info', status: 404, tenant: null });
  });
});
