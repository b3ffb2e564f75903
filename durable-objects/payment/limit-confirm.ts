import type { Bindings } from '../../src/env';
import { eventStub, waitingRoomStub } from '../../src/lib/stubs';
import { OUTBOX_COALESCE_MS, outboxBackoffMs } from '../outbox';

/**
 * A paid order's purchase reservation is confirmed in its EventDO (and its waiting-room admission token
 * spent) after the reply, not before it: the
 * task is written in the same transaction that records the payment as PAID and runs from the object's
 * alarm (with the outbox's first flush of the payment), retried with backoff until the EventDO has it. Until then the reservation is
 * 'reserved', which the limits count exactly as they count a confirmed purchase; it expires only after
 * 30 minutes, far beyond the retries. A failed or declined payment still releases its reservation
 * before answering, so the freed tickets are available to the buyer's next attempt at once.
 */
export const LIMIT_CONFIRM_SCHEMA_STEP = `CREATE TABLE limit_confirm (
     id INTEGER PRIMARY KEY CHECK (id = 1), tenant_id TEXT NOT NULL, event_id TEXT NOT NULL,
     transaction_id TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL
   )`;

type Task = { tenant_id: string; event_id: string; transaction_id: string; admission_jti: string | null; attempts: number };

/** Call inside the transaction that makes the payment PAID. */
export function scheduleLimitConfirm(
  sql: SqlStorage,
  row: { tenant_id: string; event_id: string; transaction_id: string; admission_jti: string | null },
  now: number,
): void {
  sql.exec(
    `INSERT INTO limit_confirm (id, tenant_id, event_id, transaction_id, admission_jti, next_attempt_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    row.tenant_id,
    row.event_id,
    row.transaction_id,
    row.admission_jti,
    now + OUTBOX_COALESCE_MS,
  );
}

export function limitConfirmDueAt(sql: SqlStorage): number | null {
  return sql.exec<{ at: number }>('SELECT next_attempt_at AS at FROM limit_confirm WHERE id = 1').toArray()[0]?.at ?? null;
}

/**
 * Confirms the reservation if the task is due: a first attempt whenever the alarm runs (its time only places the
 * alarm), a retry once its backoff has passed. Done once the EventDO answered (confirmed now or before).
 */
export async function runLimitConfirm(sql: SqlStorage, env: Bindings, now: number): Promise<void> {
  const task = sql
    .exec<Task>(
      'SELECT tenant_id, event_id, transaction_id, admission_jti, attempts FROM limit_confirm WHERE id = 1 AND (attempts = 0 OR next_attempt_at <= ?)',
      now,
    )
    .toArray()[0];
  if (!task) return;
  try {
    await eventStub(env, task.tenant_id, task.event_id).confirm(task.transaction_id);
    // Held for this transaction since the pre-charge checks, so nobody else could use it meanwhile.
    if (task.admission_jti) {
      await waitingRoomStub(env, task.tenant_id, task.event_id).spendToken({ jti: task.admission_jti, transactionId: task.transaction_id });
    }
    sql.exec('DELETE FROM limit_confirm WHERE id = 1');
  } catch {
    sql.exec(
      'UPDATE limit_confirm SET attempts = attempts + 1, next_attempt_at = ? WHERE id = 1',
      Date.now() + outboxBackoffMs(task.attempts + 1),
    );
  }
}
