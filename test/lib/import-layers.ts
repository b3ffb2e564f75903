import path from 'node:path';
import type { SourceFile } from './source-files';

/**
 * The layer rules, checked over import specifiers (the same rules biome.json's noRestrictedImports states,
 * here resolved against the file's own path so a relative import cannot slip past):
 * - src/domain imports no I/O: no storage, objects, providers, services, queues, routes, stubs, platform packages;
 * - durable-objects does not import src/routes (the edge renders HTTP);
 * - an object's class file (durable-objects/*DO.ts) is imported only by src/index.ts and src/lib/stubs.ts.
 */
export type Violation = { file: string; specifier: string; rule: 'domain-pure' | 'objects-no-routes' | 'object-class' };

const DOMAIN_FORBIDDEN_DIRS = ['src/db', 'durable-objects', 'src/psp', 'src/services', 'src/queues', 'src/routes'];
const DOMAIN_FORBIDDEN_FILES = ['src/lib/stubs'];
const DOMAIN_FORBIDDEN_PACKAGES = [/^cloudflare:/, /^drizzle-orm(\/|$)/, /^@neondatabase\//, /^stripe(\/|$)/, /^hono(\/|$)/, /^@hono\//];
const CLASS_IMPORTERS = new Set(['src/index.ts', 'src/lib/stubs.ts']);

const IMPORT_FROM = /^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module specifiers a file imports or re-exports from. */
export function specifiers(text: string): string[] {
  return [...text.matchAll(IMPORT_FROM), ...text.matchAll(BARE_IMPORT), ...text.matchAll(DYNAMIC_IMPORT)].map((m) => m[1] as string);
}

/** A relative specifier as a repo-relative path without extension; a package name as it is. */
export function resolveSpecifier(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.ts$/, '');
}

const under = (target: string, dir: string) => target === dir || target.startsWith(`${dir}/`);

export function isObjectClassFile(target: string): boolean {
  return /^durable-objects\/[A-Za-z]+DO$/.test(target);
}

export function checkLayers(files: readonly SourceFile[]): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    for (const specifier of specifiers(file.text)) {
      const target = resolveSpecifier(file.path, specifier);
      if (under(file.path, 'src/domain')) {
        const forbidden =
          DOMAIN_FORBIDDEN_DIRS.some((dir) => under(target, dir)) ||
          DOMAIN_FORBIDDEN_FILES.includes(target) ||
          DOMAIN_FORBIDDEN_PACKAGES.some((p) => p.test(target));
        if (forbidden) out.push({ file: file.path, specifier, rule: 'domain-pure' });
      }
      if (under(file.path, 'durable-objects') && under(target, 'src/routes'))
        out.push({ file: file.path, specifier, rule: 'objects-no-routes' });
      if (isObjectClassFile(target) && !CLASS_IMPORTERS.has(file.path)) out.push({ file: file.path, specifier, rule: 'object-class' });
    }
  }
  return out;
}
