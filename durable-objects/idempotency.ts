import type { IdempotencyRecord } from '../src/domain/idempotency';

/** The table IdempotencyStore keeps its records in; each object that takes Idempotency-Keys creates it. */
export const IDEMPOTENCY_TABLE_STEP = `CREATE TABLE idempotency (
     scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
     status INTEGER, body TEXT, expires_at INTEGER NOT NULL
   )`;

/** A finished request's stored answer: its status and the text kept to replay it. */
export type StoredAnswer = { status: number; body: string };
export type StoredIdempotencyRecord = IdempotencyRecord & { body: string | null };

/**
 * An object's idempotency records, one per scope: the request's fingerprint, whether
 * it is still running (with a lease) or finished, and the finished answer. The decision itself is
 * domain/idempotency.ts's; this only keeps the records, in the `idempotency` table the owning object's schema creates.
 */
export class IdempotencyStore {
  constructor(private readonly sql: SqlStorage) {}

  read(scope: string): StoredIdempotencyRecord | null {
    const r = this.sql
      .exec<{ fingerprint: string; state: 'in_progress' | 'completed'; status: number | null; body: string | null; expires_at: number }>(
        'SELECT fingerprint, state, status, body, expires_at FROM idempotency WHERE scope = ?',
        scope,
      )
      .toArray()[0];
    return r ? { fingerprint: r.fingerprint, state: r.state, status: r.status ?? undefined, expiresAt: r.expires_at, body: r.body } : null;
  }

  /** Holds the scope for a running request until `leaseUntil`, when a retry may take over. */
  begin(scope: string, fingerprint: string, leaseUntil: number): void {
    this.write(scope, fingerprint, 'in_progress', leaseUntil, null);
  }

  complete(scope: string, fingerprint: string, keepUntil: number, answer: StoredAnswer): void {
    this.write(scope, fingerprint, 'completed', keepUntil, answer);
  }

  forget(scope: string): void {
    this.sql.exec('DELETE FROM idempotency WHERE scope = ?', scope);
  }

  private write(scope: string, fingerprint: string, state: 'in_progress' | 'completed', expiresAt: number, answer: StoredAnswer | null) {
    this.sql.exec(
      `INSERT INTO idempotency (scope, fingerprint, state, status, body, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, state = excluded.state, status = excluded.status, body = excluded.body, expires_at = excluded.expires_at`,
      scope,
      fingerprint,
      state,
      answer?.status ?? null,
      answer?.body ?? null,
      expiresAt,
    );
  }
}
