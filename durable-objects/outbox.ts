import type { OutboxMessage } from '../src/queues/messages';

/**
 * Transactional outbox for a Durable Object (ARCHITECTURE.md rule 3). The object calls `append` inside
 * the same `ctx.storage.transactionSync` that changes its state, then re-arms its alarm (OutboxObject);
 * the alarm calls `flush`, which sends due rows to the `outbox` queue and marks them sent. A failed send leaves
 * the rows in place with exponential backoff (1 s doubling to 5 min), so nothing is lost while a
 * queue is unavailable. Delivery is at-least-once; consumers dedupe on `eventId`.
 */
export const OUTBOX_SCHEMA_STEPS = [
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL,
     payload TEXT NOT NULL,
     tenant_id TEXT,
     occurred_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     sent_at INTEGER,
     last_error TEXT
   )`,
  'CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at)',
] as const;

export const OUTBOX_MAX_BACKOFF_MS = 300_000;
const BATCH_ROWS = 100; // Queues: at most 100 messages per sendBatch
const BATCH_BYTES = 200_000; // and 256 KB per batch; keep a margin for metadata
const KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

export type OutboxEventInput = { type: string; payload: unknown; tenantId?: string };
export type OutboxStatus = { pending: number; oldestPendingAt: number | null; lastSentAt: number | null; failingAttempts: number };

type Row = {
  seq: number;
  event_id: string;
  type: string;
  payload: string;
  tenant_id: string | null;
  occurred_at: number;
  attempts: number;
};

export function outboxBackoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), OUTBOX_MAX_BACKOFF_MS);
}

export class Outbox {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly source: { object: string; id: string },
  ) {}

  /** Call inside `transactionSync`, next to the state change the event describes. Returns the event id. */
  append(event: OutboxEventInput, now: number): string {
    const eventId = crypto.randomUUID();
    const payload = JSON.stringify(event.payload ?? null);
    if (payload.length > 100_000) throw new Error(`outbox event ${event.type} is larger than a queue message allows`);
    this.storage.sql.exec(
      'INSERT INTO outbox (event_id, type, payload, tenant_id, occurred_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)',
      eventId,
      event.type,
      payload,
      event.tenantId ?? null,
      now,
      now,
    );
    return eventId;
  }

  /** Earliest time a pending row is due, or null when everything is sent. */
  nextDueAt(): number | null {
    const row = this.storage.sql
      .exec<{ due: number | null }>('SELECT MIN(next_attempt_at) AS due FROM outbox WHERE sent_at IS NULL')
      .toArray()[0];
    return row?.due ?? null;
  }

  status(): OutboxStatus {
    const row = this.storage.sql
      .exec<{ pending: number; oldest: number | null; failing: number | null }>(
        'SELECT COUNT(*) AS pending, MIN(occurred_at) AS oldest, MAX(attempts) AS failing FROM outbox WHERE sent_at IS NULL',
      )
      .toArray()[0];
    const sent = this.storage.sql.exec<{ last: number | null }>('SELECT MAX(sent_at) AS last FROM outbox').toArray()[0];
    return {
      pending: row?.pending ?? 0,
      oldestPendingAt: row?.oldest ?? null,
      lastSentAt: sent?.last ?? null,
      failingAttempts: row?.failing ?? 0,
    };
  }

  /**
   * Sends every due row (in batches) and marks it sent. Returns when the next flush is due, or null.
   * The caller's alarm() should arm the alarm for that time (together with its own deadlines).
   */
  async flush(queue: Queue, now: number): Promise<number | null> {
    for (;;) {
      const rows = this.storage.sql
        .exec<Row>(
          'SELECT seq, event_id, type, payload, tenant_id, occurred_at, attempts FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY seq LIMIT ?',
          now,
          BATCH_ROWS,
        )
        .toArray();
      if (rows.length === 0) break;
      const batch = takeBatch(rows);
      const seqs = batch.map((r) => r.seq);
      const marks = seqs.map(() => '?').join(',');
      try {
        await queue.sendBatch(batch.map((r) => ({ body: this.toMessage(r), contentType: 'json' as const })));
      } catch (err) {
        const attempts = Math.max(...batch.map((r) => r.attempts)) + 1;
        this.storage.sql.exec(
          `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq IN (${marks})`,
          now + outboxBackoffMs(attempts),
          String(err instanceof Error ? err.message : err).slice(0, 500),
          ...seqs,
        );
        break;
      }
      this.storage.sql.exec(`UPDATE outbox SET sent_at = ?, last_error = NULL WHERE seq IN (${marks})`, now, ...seqs);
    }
    this.storage.sql.exec('DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?', now - KEEP_SENT_MS);
    return this.nextDueAt();
  }

  private toMessage(row: Row): OutboxMessage {
    return {
      v: 1,
      eventId: row.event_id,
      type: row.type,
      source: this.source,
      ...(row.tenant_id ? { tenantId: row.tenant_id } : {}),
      occurredAt: new Date(row.occurred_at).toISOString(),
      payload: JSON.parse(row.payload),
    };
  }
}

function takeBatch(rows: Row[]): Row[] {
  const out: Row[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = row.payload.length + 300;
    if (out.length > 0 && bytes + size > BATCH_BYTES) break;
    out.push(row);
    bytes += size;
  }
  return out;
}
