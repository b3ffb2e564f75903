/**
 * The event ids an object has already acted on, so a redelivered event (a provider's retried webhook, a
 * queue's second delivery) changes nothing the second time. `claim` belongs inside the transaction that
 * applies the event, so the id and its effect commit together.
 */
export const DEDUP_TABLE_STEP = 'CREATE TABLE dedup_inbox (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)';

/**
 * Schema steps that move an object that kept its own table of seen ids onto `dedup_inbox`, ids included.
 * The old table stays (no longer written), so the release before this one still runs against this storage.
 */
export function adoptDedupTable(oldTable: string, receivedAtColumn = 'received_at'): string[] {
  return [
    DEDUP_TABLE_STEP,
    `INSERT OR IGNORE INTO dedup_inbox (event_id, received_at) SELECT event_id, ${receivedAtColumn} FROM ${oldTable}`,
  ];
}

export class DedupInbox {
  constructor(private readonly sql: SqlStorage) {}

  /** Records `eventId`; false when it was recorded before (a duplicate). */
  claim(eventId: string, now: number): boolean {
    const fresh = this.sql
      .exec('INSERT INTO dedup_inbox (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING event_id', eventId, now)
      .toArray();
    return fresh.length > 0;
  }
}
