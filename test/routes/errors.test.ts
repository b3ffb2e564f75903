import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import type { ErrorBody } from '../../src/lib/errors';
import { call, callWithEnv, json } from '../helpers/app';
import { shopFixture } from '../helpers/payments';
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

describe('wrong method on an existing path', () => {
  it('answers 405 METHOD_NOT_ALLOWED with Allow listing the path’s methods', async () => {
    const res = await call('/health', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await json<ErrorBody>(res)).toMatchObject({
      code: 'METHOD_NOT_ALLOWED',
      path: '/health',
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('lists every method registered for a parameterised path', async () => {
    const res = await call('/v1/users/alice.notap.sol/factors', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('reads the methods from the app’s routes, so a route added later is listed too', async () => {
    const app = createApp();
    app.patch('/health', (c) => c.json({}));
    const res = await callWithEnv({}, '/health', { method: 'DELETE' }, app);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'PATCH']);
  });

  it('keeps 404 for a path no route has, whatever the method', async () => {
    const res = await call('/v1/nothing/here', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('allow')).toBeNull();
  });
});

describe('a body that is not JSON on a JSON route', () => {
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    it(`answers ${contentType} with 415 UNSUPPORTED_MEDIA_TYPE in the one envelope`, async () => {
      const res = await postRequeue('ids=1', { 'content-type': contentType });
      expect(res.status).toBe(415);
      expect(await json<ErrorBody>(res)).toEqual({
        error: expect.any(String),
        code: 'UNSUPPORTED_MEDIA_TYPE',
        timestamp: expect.stringMatching(ISO),
        path: '/admin/dead-letters/requeue',
        requestId: res.headers.get('x-request-id'),
      });
    });
  }
});

describe('responses the payment object renders', () => {
  const body = JSON.stringify({
    venueId: 'knox',
    eventId: 'no-such-show',
    tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
    paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
  });

  it('carry X-Request-Id, and a replayed error body names the replaying request', async () => {
    const { user } = await shopFixture();
    const headers = { ...(await user('buyer-rid')), 'Idempotency-Key': crypto.randomUUID() };
    const first = await call('/api/v1/payments/process', { method: 'POST', headers, body });
    expect(first.status).toBe(422);
    const firstId = first.headers.get('x-request-id');
    expect(firstId).toBeTruthy();
    expect((await json<ErrorBody>(first)).requestId).toBe(firstId);

    const replay = await call('/api/v1/payments/process', { method: 'POST', headers, body });
    expect(replay.status).toBe(422);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const replayId = replay.headers.get('x-request-id');
    expect(replayId).toBeTruthy();
    expect(replayId).not.toBe(firstId);
    expect((await json<ErrorBody>(replay)).requestId).toBe(replayId);
  });

  it('carry X-Request-Id on success and on a successful replay', async () => {
    const { user } = await shopFixture();
    const headers = { ...(await user('buyer-rid-ok')), 'Idempotency-Key': crypto.randomUUID() };
    const ok = JSON.stringify({ ...JSON.parse(body), eventId: 'show' });
    const first = await call('/api/v1/payments/process', { method: 'POST', headers, body: ok });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-request-id')).toBeTruthy();
    const replay = await call('/api/v1/payments/process', { method: 'POST', headers, body: ok });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('x-request-id')).toBeTruthy();
    expect(await replay.text()).toBe(await first.text());
  });
});
