import { exponentialBackoff } from '../src/domain/backoff';
import type { OutboxMessage } from '../src/queues/messages';

/**
 * Transactional outbox for a Durable Object. The object calls `append` inside
 * the same `ctx.storage.transactionSync` that changes its state, then re-arms its alarm (OutboxObject);
 * the alarm calls `flush`, which sends due rows to the `outbox` queue and marks them sent. A failed send leaves
 * the rows in place with exponential backoff (1 s doubling to 5 min), so nothing is lost while a
 * queue is unavailable. Delivery is at-least-once; consumers dedupe on `eventId`.
 *
 * A send is not the end of a row: the consumer confirms each event once it is in Postgres (applied,
 * already applied, or dead-lettered), and a row still unconfirmed after a while is sent again
 * (2 min doubling to 1 h). A queue that loses accepted messages (the local runtime's queues live in
 * memory and vanish on restart) therefore delays events but never drops them.
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

/** Added after the first steps shipped; tracked apart so the owning objects' step numbers stay as they are. */
export const OUTBOX_UPGRADE_STEPS = [
  'ALTER TABLE outbox ADD COLUMN confirmed_at INTEGER',
  'ALTER TABLE outbox ADD COLUMN sends INTEGER NOT NULL DEFAULT 0',
  'CREATE INDEX outbox_unconfirmed ON outbox (confirmed_at, next_attempt_at)',
] as const;

/**
 * A row never sent waits this long for others before its flush: what one request and its follow-ups append
 * (a payment's creation and outcome, the PSP's notifications a few milliseconds later) leaves in one
 * flush, one queue batch, one Postgres transaction and one confirmation instead of one each.
 */
export const OUTBOX_COALESCE_MS = 250;
export const OUTBOX_MAX_BACKOFF_MS = 300_000;
export const OUTBOX_REDELIVER_AFTER_MS = 120_000;
export const OUTBOX_MAX_REDELIVER_MS = 3_600_000;
const BATCH_ROWS = 100; // Queues: at most 100 messages per sendBatch
const BATCH_BYTES = 200_000; // and 256 KB per batch; keep a margin for metadata
const KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

export type OutboxEventInput = { type: string; payload: unknown; tenantId?: string };
export type OutboxStatus = {
  /** Rows not yet accepted by the queue. */
  pending: number;
  oldestPendingAt: number | null;
  lastSentAt: number | null;
  failingAttempts: number;
  /** Rows the queue accepted that no consumer has confirmed yet. */
  unconfirmed: number;
  oldestUnconfirmedAt: number | null;
};

type Row = {
  seq: number;
  event_id: string;
  type: string;
  payload: string;
  tenant_id: string | null;
  occurred_at: number;
  attempts: number;
  sends: number;
};

export function outboxBackoffMs(attempts: number): number {
  return exponentialBackoff(attempts, 1000, OUTBOX_MAX_BACKOFF_MS);
}

/** How long after its `sends`-th send an unconfirmed row is sent again. */
export function outboxRedeliverAfterMs(sends: number): number {
  return exponentialBackoff(sends, OUTBOX_REDELIVER_AFTER_MS, OUTBOX_MAX_REDELIVER_MS);
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

  /**
   * When the next flush should run (first send, retry or redelivery), or null when every row is confirmed. A
   * row never sent is due at once but flushed OUTBOX_COALESCE_MS later, with whatever joined it by then.
   */
  nextDueAt(): number | null {
    const row = this.storage.sql
      .exec<{ due: number | null }>(
        'SELECT MIN(CASE WHEN sends = 0 AND attempts = 0 THEN next_attempt_at + ? ELSE next_attempt_at END) AS due FROM outbox WHERE confirmed_at IS NULL',
        OUTBOX_COALESCE_MS,
      )
      .toArray()[0];
    return row?.due ?? null;
  }

  /** The consumer's word that these events are in Postgres; they are never sent again. Returns how many were open. */
  confirm(eventIds: readonly string[], now: number): number {
    let confirmed = 0;
    for (const ids of chunks(eventIds)) {
      // Counted by RETURNING: rowsWritten also counts the index entries an update rewrites.
      confirmed += this.storage.sql
        .exec(`UPDATE outbox SET confirmed_at = ? WHERE confirmed_at IS NULL AND event_id IN (${marks(ids)}) RETURNING seq`, now, ...ids)
        .toArray().length;
    }
    return confirmed;
  }

  status(): OutboxStatus {
    const row = this.storage.sql
      .exec<{ pending: number; oldest: number | null; failing: number | null }>(
        'SELECT COUNT(*) AS pending, MIN(occurred_at) AS oldest, MAX(attempts) AS failing FROM outbox WHERE sent_at IS NULL',
      )
      .toArray()[0];
    const open = this.storage.sql
      .exec<{ unconfirmed: number; oldest: number | null }>(
        'SELECT COUNT(*) AS unconfirmed, MIN(occurred_at) AS oldest FROM outbox WHERE sent_at IS NOT NULL AND confirmed_at IS NULL',
      )
      .toArray()[0];
    const sent = this.storage.sql.exec<{ last: number | null }>('SELECT MAX(sent_at) AS last FROM outbox').toArray()[0];
    return {
      pending: row?.pending ?? 0,
      oldestPendingAt: row?.oldest ?? null,
      lastSentAt: sent?.last ?? null,
      failingAttempts: row?.failing ?? 0,
      unconfirmed: open?.unconfirmed ?? 0,
      oldestUnconfirmedAt: open?.oldest ?? null,
    };
  }

  /**
   * Sends every due row (in batches): new ones, ones the queue refused, and ones sent but unconfirmed
   * for too long. Returns when the next flush is due, or null. The caller's alarm() should arm the alarm
   * for that time (together with its own deadlines).
   */
  async flush(queue: Queue, now: number): Promise<number | null> {
    let after = 0;
    for (;;) {
      const rows = this.storage.sql
        .exec<Row>(
          'SELECT seq, event_id, type, payload, tenant_id, occurred_at, attempts, sends FROM outbox WHERE confirmed_at IS NULL AND next_attempt_at <= ? AND seq > ? ORDER BY seq LIMIT ?',
          now,
          after,
          BATCH_ROWS,
        )
        .toArray();
      if (rows.length === 0) break;
      const batch = takeBatch(rows);
      after = batch.at(-1)?.seq ?? after;
      try {
        await queue.sendBatch(batch.map((r) => ({ body: this.toMessage(r), contentType: 'json' as const })));
      } catch (err) {
        const attempts = Math.max(...batch.map((r) => r.attempts)) + 1;
        for (const seqs of chunks(batch.map((r) => r.seq))) {
          this.storage.sql.exec(
            `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq IN (${marks(seqs)})`,
            now + outboxBackoffMs(attempts),
            String(err instanceof Error ? err.message : err).slice(0, 500),
            ...seqs,
          );
        }
        break;
      }
      // Rows confirmed while the send was in flight keep their confirmation; the rest wait for theirs.
      // One statement per redelivery delay (rows sent as often share it: usually the whole batch).
      const bySends = new Map<number, number[]>();
      for (const row of batch) {
        const seqs = bySends.get(row.sends) ?? [];
        seqs.push(row.seq);
        bySends.set(row.sends, seqs);
      }
      for (const [sends, sent] of bySends) {
        for (const seqs of chunks(sent)) {
          this.storage.sql.exec(
            `UPDATE outbox SET sent_at = ?, sends = sends + 1, next_attempt_at = ?, attempts = 0, last_error = NULL WHERE seq IN (${marks(seqs)})`,
            now,
            now + outboxRedeliverAfterMs(sends + 1),
            ...seqs,
          );
        }
      }
      if (batch.length === rows.length && rows.length < BATCH_ROWS) break; // nothing more is due
    }
    this.storage.sql.exec('DELETE FROM outbox WHERE confirmed_at IS NOT NULL AND confirmed_at < ?', now - KEEP_SENT_MS);
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

/** A Durable Object's SQL statement binds at most 100 parameters: ids go in slices that leave room for the others. */
const MAX_IDS_PER_STATEMENT = 90;

/** `?, ?, ?` for an IN list of these values. */
const marks = (values: readonly unknown[]) => values.map(() => '?').join(',');

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_IDS_PER_STATEMENT) out.push(items.slice(i, i + MAX_IDS_PER_STATEMENT));
  return out;
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
