/** The fields Postgres fills with identifiers and codes, never with row values (unlike message, detail, where). */
export const DATABASE_ERROR_FIELDS = ['code', 'severity', 'routine', 'schema', 'table', 'column', 'constraint', 'dataType'] as const;
const SQLSTATE = /^[0-9A-Z]{5}$/;

export type DatabaseError = Error & { code: string } & Partial<Record<(typeof DATABASE_ERROR_FIELDS)[number], unknown>>;

/** An error Postgres sent (through the Neon driver): a SQLSTATE `code` plus the server's severity or routine. */
export function isDatabaseError(err: unknown): err is DatabaseError {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; severity?: unknown; routine?: unknown };
  return typeof e.code === 'string' && SQLSTATE.test(e.code) && (typeof e.severity === 'string' || typeof e.routine === 'string');
}
