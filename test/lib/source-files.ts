/// <reference types="node" />
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository root, and its TypeScript sources as repo-relative paths with their text. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

export type SourceFile = { path: string; text: string };

export function sourceFiles(dir: string): SourceFile[] {
  const walk = (abs: string): string[] =>
    readdirSync(abs).flatMap((name) => {
      const full = path.join(abs, name);
      if (name === 'node_modules') return [];
      if (statSync(full).isDirectory()) return walk(full);
      return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
    });
  return walk(path.join(ROOT, dir)).map((full) => ({
    path: path.relative(ROOT, full).split(path.sep).join('/'),
    text: readFileSync(full, 'utf8'),
  }));
}
