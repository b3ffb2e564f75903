import type { AutocannonResult } from './autocannon.ts';

export type Row = {
  route: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
};

export function toRow(route: string, r: AutocannonResult): Row {
  return {
    route,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    total: r.requests.total,
  };
}

const HEADERS = ['route', 'requests/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'total requests'];

/** A plain-text table: first column left-aligned, numbers right-aligned. */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.route,
    r.rps.toFixed(1),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.non2xx),
    String(r.errors),
    String(r.total),
  ]);
  return formatColumns(HEADERS, cells);
}

/** Any table of strings: a header line, a rule, then the rows; the first column left-aligned, the others right-aligned. */
export function formatColumns(headers: string[], cells: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: string[]) =>
    widths
      .map((w, i) => (i === 0 ? (values[i] ?? '').padEnd(w) : (values[i] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** A two-column table of named results; values are left-aligned (they are often words, not numbers). */
export function formatKeyValue(title: string, pairs: Array<[string, string]>): string {
  const width = Math.max(title.length, ...pairs.map(([k]) => k.length));
  const valueWidth = Math.max(5, ...pairs.map(([, v]) => v.length));
  return [
    `${title.padEnd(width)}  value`,
    `${'-'.repeat(width)}  ${'-'.repeat(valueWidth)}`,
    ...pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
  ].join('\n');
}
