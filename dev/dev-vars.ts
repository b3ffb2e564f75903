import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `.dev.vars` at the repo root, wrangler's file of local secrets: `npm run dev` writes it on every start, and
 * tools that need the running stack's settings (the local chains' URLs and keys) read it back. One quoted
 * value per line, with backslash, newline and double quote escaped, as wrangler's dotenv parser reads them.
 */
export function writeDevVars(root: string, vars: Record<string, string>): void {
  const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`;
  writeFileSync(
    path.join(root, '.dev.vars'),
    `# Written by npm run dev; regenerated on every start.\n${Object.entries(vars)
      .map(([k, v]) => `${k}=${quoted(v)}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
}

export function readDevVars(root: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path.join(root, '.dev.vars'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)="(.*)"$/.exec(line);
    if (m) vars[m[1] as string] = (m[2] as string).replace(/\\(["n\\])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return vars;
}
