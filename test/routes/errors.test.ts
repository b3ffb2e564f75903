import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import type { ErrorBody } from '../../src/lib/errors';
import { call, callWithEnv, json } from '../helpers/app';
import { adminToken, bearer } from '../helpers/tokens';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function postRequeue(body: BodyInit, headers: Record<string, string> = {}) {
  return call('/admin/dead-letters/requeue', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(await adminToken()), ...headers },
    body,
  });
}

describe('the one error format', () => {
  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await call('/api/v1/nothing-here', { method: 'DELETE' });
    expect(res.status).toBe(404);
    const body = await json<ErrorBody>(res);
    expect(body).toEqual({
      error: 'No route for DELETE /api/v1/nothing-here',
      code: 'NOT_FOUND',
      timestamp: expect.stringMatching(ISO),
      path: '/api/v1/nothing-here',
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await postRequeue('{"ids": [1,');
    expect(res.status).toBe(400);
    expect(await json<ErrorBody>(res)).toMatchObject({ code: 'MALFORMED_JSON', path: '/admin/dead-letters/requeue' });
  });

  it('answers a body that fails its schema with 422 and field paths', async () => {
    const res = await postRequeue(JSON.stringify({ ids: [3, -1, 'x'] }));
    expect(res.status).toBe(422);
    const body = await json<ErrorBody>(res);
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.errors?.map((e) => e.field)).toEqual(['ids.1', 'ids.2']);
  });

  it('answers a missing body with 422 naming the missing field', async () => {
    const res = await postRequeue(JSON.stringify({}));
    expect(res.status).toBe(422);
    expect((await json<ErrorBody>(res)).errors).toEqual([{ field: 'ids', message: expect.any(String) }]);
  });

  it('answers an invalid query parameter with 422', async () => {
    const res = await call('/admin/dead-letters?limit=100000', { headers: bearer(await adminToken()) });
    expect(res.status).toBe(422);
    expect((await json<ErrorBody>(res)).errors?.[0]?.field).toBe('limit');
  });
});

describe('body size limit', () => {
  const oversized = JSON.stringify({ ids: [1], pad: 'x'.repeat(1024 * 1024 + 10) });

  it('rejects a body whose Content-Length exceeds MAX_BODY_BYTES with 413', async () => {
    const res = await postRequeue(oversized);
    expect(res.status).toBe(413);
    expect(await json<ErrorBody>(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('rejects a streamed body without Content-Length once it passes the limit', async () => {
    const bytes = new TextEncoder().encode(oversized);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await postRequeue(stream as unknown as BodyInit);
    expect(res.status).toBe(413);
    expect(await json<ErrorBody>(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('unexpected failures', () => {
  it('answer 500 INTERNAL_ERROR without internals, and log the cause', async () => {
    const app = createApp();
    app.get('/explode', () => {
      throw new Error('postgres://admin:hunter2@db.internal failed');
    });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await callWithEnv({}, '/explode', undefined, app);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'Internal server error', code: 'INTERNAL_ERROR', path: '/explode' });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('stack');
    expect(errors.mock.calls.some(([line]) => String(line).includes('"msg":"request.error"'))).toBe(true);
    errors.mockRestore();
  });

  it('answer 500 when configuration is invalid, naming the variable in the log but never its value', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await callWithEnv({ INTERNAL_SERVICE_SECRET: 'too-short-secret' }, '/info');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('INTERNAL_SERVICE_SECRET');
    const logged = errors.mock.calls.map(([line]) => String(line)).join('\n');
    expect(logged).toContain('INTERNAL_SERVICE_SECRET: must be at least 32 characters');
    expect(logged).not.toContain('too-short-secret');
    errors.mockRestore();
  });
});
