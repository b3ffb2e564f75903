import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { hmacSha256Hex } from '../../src/lib/crypto';
import type { ErrorBody } from '../../src/lib/errors';
import { internalSigningPayload, requireInternalService } from '../../src/middleware/internal-hmac';
import { callWithEnv, json } from '../helpers/app';

// The real middleware on a route of the real app; the internal routes that use it arrive with their features.
const app = createApp();
app.post('/internal/echo', requireInternalService(), async (c) => c.json({ received: await c.req.json() }));
// The same middleware with its clock pinned, so the edges of the ±300 s window are exact, not a race with the second hand.
const PINNED_MS = Math.floor(Date.now() / 1000) * 1000;
app.post(
  '/internal/echo-pinned',
  requireInternalService(() => PINNED_MS),
  async (c) => c.json({ received: await c.req.json() }),
);

type SignOptions = { service?: string; timestamp?: number; secret?: string; path?: string; body?: string };

async function signedHeaders(body: string, options: SignOptions = {}) {
  const service = options.service ?? 'ticket-service';
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = await hmacSha256Hex(
    options.secret ?? env.INTERNAL_SERVICE_SECRET,
    internalSigningPayload(service, timestamp, 'POST', options.path ?? '/internal/echo', options.body ?? body),
  );
  return {
    'content-type': 'application/json',
    'x-internal-service': service,
    'x-internal-timestamp': timestamp,
    'x-internal-signature': signature,
  };
}

function post(headers: Record<string, string>, body: string, path = '/internal/echo') {
  return callWithEnv({}, path, { method: 'POST', headers, body }, app);
}

async function rejected(headers: Record<string, string>, body: string, path?: string) {
  const res = await post(headers, body, path);
  const err = await json<ErrorBody>(res);
  expect([res.status, err.code]).toEqual([401, 'INVALID_TOKEN']);
  return err.error;
}

describe('internal HMAC authentication', () => {
  it('accepts a correctly signed request and leaves the body readable', async () => {
    const body = JSON.stringify({ orderId: 'o-1', nonce: crypto.randomUUID() });
    const res = await post(await signedHeaders(body), body);
    expect(res.status).toBe(200);
    expect((await json<{ received: { orderId: string } }>(res)).received.orderId).toBe('o-1');
  });

  it('rejects the same signed request a second time (replay)', async () => {
    const body = JSON.stringify({ nonce: crypto.randomUUID() });
    const headers = await signedHeaders(body);
    expect((await post(headers, body)).status).toBe(200);
    expect(await rejected(headers, body)).toBe('Replayed internal request');
  });

  it('accepts timestamps up to 300 s either side of its clock and rejects 301 s', async () => {
    const path = '/internal/echo-pinned';
    const now = PINNED_MS / 1000;
    for (const timestamp of [now - 300, now + 300]) {
      const body = JSON.stringify({ nonce: crypto.randomUUID() });
      expect((await post(await signedHeaders(body, { timestamp, path }), body, path)).status).toBe(200);
    }
    for (const timestamp of [now - 301, now + 301]) {
      const body = JSON.stringify({ nonce: crypto.randomUUID() });
      expect(await rejected(await signedHeaders(body, { timestamp, path }), body, path)).toMatch(/window/);
    }
  });

  it('rejects a body, path, secret or service that does not match the signature', async () => {
    const body = JSON.stringify({ amount: 100 });
    expect(await rejected(await signedHeaders(body, { body: JSON.stringify({ amount: 1 }) }), body)).toBe('Invalid internal signature');
    expect(await rejected(await signedHeaders(body, { path: '/internal/other' }), body)).toBe('Invalid internal signature');
    expect(await rejected(await signedHeaders(body, { secret: 'x'.repeat(40) }), body)).toBe('Invalid internal signature');
    const headers = { ...(await signedHeaders(body)), 'x-internal-service': 'order-service' };
    expect(await rejected(headers, body)).toBe('Invalid internal signature');
  });

  it('rejects unknown services, missing headers and malformed values', async () => {
    const body = '{}';
    expect(await rejected(await signedHeaders(body, { service: 'evil-service' }), body)).toBe('Unknown internal service');
    expect(await rejected({ 'content-type': 'application/json' }, body)).toBe('Internal service authentication required');
    const headers = await signedHeaders(body);
    expect(await rejected({ ...headers, 'x-internal-timestamp': '12ab' }, body)).toBe('Invalid internal timestamp');
    expect(await rejected({ ...headers, 'x-internal-signature': 'zz'.repeat(32) }, body)).toBe('Invalid internal signature');
    expect(await rejected({ ...headers, 'x-internal-signature': headers['x-internal-signature'].slice(0, 62) }, body)).toBe(
      'Invalid internal signature',
    );
  });
});
