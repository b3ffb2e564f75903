import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';

describe('the generated OpenAPI document', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const doc = createApp().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'edgepay API', version: 'test' } });
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
