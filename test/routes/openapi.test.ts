import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { call, json } from '../helpers/app';

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>>; components: { securitySchemes: Record<string, unknown> } };

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 and lists every route the app serves', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json<Doc>(res);
    expect(doc.openapi).toBe('3.1.0');
    const served = createApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(new Set(documented)).toEqual(new Set(served));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearerAuth', 'internalHmac']);
  });
});

describe('GET /docs', () => {
  it('serves the Scalar reference pointed at /openapi.json, with its bundle from this Worker', async () => {
    const res = await call('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    expect(html).toContain('src="/docs/scalar.js"');
    expect(html).not.toContain('cdn.jsdelivr.net');
  });
});
