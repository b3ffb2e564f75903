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
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (values: string[]) =>
    values.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
