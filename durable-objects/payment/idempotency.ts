import { decideIdempotency, type IdempotencyRecord, responseRetentionMs } from '../../src/domain/idempotency';
import { AppError } from '../../src/lib/errors';
import { errorResponse, type ObjectResponse, type Reply } from './replies';

/** How long an in-progress request holds its key before a retry may take over (the PSP call is bounded by PSP_TIMEOUT_MS). */
const LEASE_MS = 90_000;

type StoredRecord = IdempotencyRecord & { body: string | null };

function readRecord(sql: SqlStorage, scope: string): StoredRecord | null {
  const r = sql
    .exec<{ fingerprint: string; state: 'in_progress' | 'completed'; status: number | null; body: string | null; expires_at: number }>(
      'SELECT fingerprint, state, status, body, expires_at FROM idempotency WHERE scope = ?',
      scope,
    )
    .toArray()[0];
  return r ? { fingerprint: r.fingerprint, state: r.state, status: r.status ?? undefined, expiresAt: r.expires_at, body: r.body } : null;
}

function writeRecord(
  sql: SqlStorage,
  scope: string,
  fingerprint: string,
  state: 'in_progress' | 'completed',
  expiresAt: number,
  response?: { status: number; body: string },
) {
  sql.exec(
    `INSERT INTO idempotency (scope, fingerprint, state, status, body, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, state = excluded.state, status = excluded.status, body = excluded.body, expires_at = excluded.expires_at`,
    scope,
    fingerprint,
    state,
    response?.status ?? null,
    response?.body ?? null,
    expiresAt,
  );
}

/** API.md "Idempotency": replay, 409 while running, 422 for another body; 2xx kept 24 h, 4xx 1 h, 5xx not kept. */
export async function idempotent(
  sql: SqlStorage,
  scope: string,
  input: { fingerprint: string; path: string; requestId: string },
  run: () => Promise<Reply>,
): Promise<ObjectResponse> {
  const now = Date.now();
  const record = readRecord(sql, scope);
  const decision = decideIdempotency(record, input.fingerprint, now);
  if (decision === 'replay' && record?.status !== undefined && record.body !== null)
    return { status: record.status, body: record.body, replayed: true };
  if (decision === 'reused')
    return errorResponse(
      input,
      new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body'),
    );
  if (decision === 'in_progress')
    return errorResponse(input, new AppError('DUPLICATE_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed'));
  writeRecord(sql, scope, input.fingerprint, 'in_progress', now + LEASE_MS);
  let response: Reply;
  try {
    response = await run();
  } catch (err) {
    sql.exec('DELETE FROM idempotency WHERE scope = ?', scope);
    throw err;
  }
  const body = JSON.stringify(response.body);
  const retention = responseRetentionMs(response.status);
  if (retention > 0) writeRecord(sql, scope, input.fingerprint, 'completed', Date.now() + retention, { status: response.status, body });
  else sql.exec('DELETE FROM idempotency WHERE scope = ?', scope);
  return { status: response.status, body, replayed: false };
}
