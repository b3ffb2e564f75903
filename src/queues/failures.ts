import { isDatabaseError } from '../lib/database-error';

/**
 * Which consumer failures can never succeed on retry. Postgres refuses a value for good with a data
 * exception (SQLSTATE class 22: text with U+0000, a number out of range, an invalid date…) or a NOT NULL
 * or CHECK violation; a payload that fails its schema fails the same way every time. Retrying those
 * for hours only hides them, so they are dead-lettered at once. Everything else (connection loss,
 * serialization failures, a foreign key whose parent has not arrived yet, an unknown event type from a
 * newer producer) is retried.
 */
const PERMANENT_SQLSTATES = new Set(['23502', '23514']);

export type FailureSummary = { permanent: boolean; code: string };

/** Classifies an error by its cause chain; `code` names the SQLSTATE or error class, never a message. */
export function summarizeFailure(err: unknown): FailureSummary {
  let current: unknown = err;
  for (let depth = 0; current && depth < 8; depth++) {
    const state = isDatabaseError(current) ? current.code : null;
    if (state) return { permanent: state.startsWith('22') || PERMANENT_SQLSTATES.has(state), code: `SQLSTATE ${state}` };
    if (current instanceof Error && current.name === 'ZodError') return { permanent: true, code: 'invalid payload' };
    current = (current as { cause?: unknown }).cause;
  }
  return { permanent: false, code: err instanceof Error ? err.name : typeof err };
}
