/// <reference types="node" />
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README's "Errors" table is the client's list of codes. This reads every code the source can put
 * in an error envelope and checks the table has it, with the status the source gives it, so a new
 * code cannot ship undocumented and a removed one cannot linger.
 */
const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

const CODE_LITERAL = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g;

/** code → statuses seen (empty when the status is not a literal next to the code). */
function emittedCodes(): Map<string, Set<number>> {
  const codes = new Map<string, Set<number>>();
  const add = (code: string, status?: number) => {
    if (code.length < 4) return;
    const statuses = codes.get(code) ?? new Set<number>();
    if (status !== undefined) statuses.add(status);
    codes.set(code, statuses);
  };
  for (const file of [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'durable-objects'))]) {
    const text = readFileSync(file, 'utf8');
    // Codes thrown or returned where they are used: new AppError('CODE', …), super('CODE', …), refusal: { code: 'CODE', … }.
    for (const m of text.matchAll(/(?:new\s+\w*Error|super)\(\s*([^,)]*)/g)) {
      for (const c of (m[1] ?? '').matchAll(CODE_LITERAL)) add(c[1] as string);
    }
    for (const m of text.matchAll(/refusal:\s*\{\s*code:\s*'([A-Z][A-Z0-9_]+)'/g)) add(m[1] as string);
    // The catalog (lib/error-catalog.ts): CODE: { status: 409, … }, the one status every use of the code gets.
    for (const m of text.matchAll(/^\s*([A-Z][A-Z0-9_]+): \{\s*status: (\d{3})\b/gm)) add(m[1] as string, Number(m[2]));
  }
  return codes;
}

/** code → the status cell of its row in README's "## Errors" table. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## Errors\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*([^|]+)\|/gm)) rows.set(m[1] as string, (m[2] as string).trim());
  return rows;
}

describe('README error table', () => {
  const emitted = emittedCodes();
  const table = readmeTable();

  it('finds the codes in the source (the scan itself works)', () => {
    for (const code of ['VALIDATION_ERROR', 'INSUFFICIENT_FACTORS', 'FACTOR_MISMATCH', 'PSP_NOT_CONFIGURED', 'PSP_REQUEST_REJECTED']) {
      expect(emitted.has(code), code).toBe(true);
    }
    for (const code of ['SESSION_EXPIRED', 'VERIFICATION_LOCKED', 'USER_LOCKED', 'FORBIDDEN', 'PURCHASE_LIMIT_EXCEEDED', 'BAD_REQUEST']) {
      expect(emitted.has(code), code).toBe(true);
    }
    expect(emitted.get('METHOD_NOT_ALLOWED')).toEqual(new Set([405]));
    expect(emitted.get('DATABASE_UNAVAILABLE')).toEqual(new Set([503]));
  });

  it('lists every code the API can emit, with each status the source gives it', () => {
    const missing = [...emitted.keys()].filter((code) => !table.has(code)).sort();
    expect(missing, 'codes missing from the README "Errors" table').toEqual([]);
    for (const [code, statuses] of emitted) {
      for (const status of statuses) expect(table.get(code), `${code} status`).toContain(String(status));
    }
  });

  it('lists no code the API cannot emit', () => {
    const stale = [...table.keys()].filter((code) => !emitted.has(code)).sort();
    expect(stale, 'codes in the README table that no source emits').toEqual([]);
  });
});
