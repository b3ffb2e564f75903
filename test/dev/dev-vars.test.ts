import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDevVars, writeDevVars } from '../../dev/dev-vars.ts';

describe('.dev.vars', () => {
  it('reads back exactly what the dev stack wrote: PEM newlines, quotes and backslashes included', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dev-vars-'));
    try {
      const vars = {
        JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n',
        ODD: 'a "quoted" \\n that is not a newline \\ and a backslash',
        POLYGON_MINTER_KEY: `0x${'ab'.repeat(32)}`,
        EMPTY: '',
      };
      writeDevVars(dir, vars);
      expect(readDevVars(dir)).toEqual(vars);
      expect(readFileSync(path.join(dir, '.dev.vars'), 'utf8')).toContain('JWT_PUBLIC_KEY="-----BEGIN PUBLIC KEY-----\\nMFkw');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
