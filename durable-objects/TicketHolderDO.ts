import { DurableObject } from 'cloudflare:workers';
import { applySchema } from './sql';

const SCHEMA = [
  `CREATE TABLE holdings (
     ticket_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, added_at INTEGER NOT NULL, seq INTEGER NOT NULL UNIQUE
   )`,
] as const;

/**
 * One per (tenant, user): the ids of the tickets the user was given, newest first, so "my tickets" is one
 * object read and never a scan. It is an index only; each ticket's TicketDO says who owns it now.
 */
export class TicketHolderDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    applySchema(ctx.storage, SCHEMA);
  }

  /** Adds tickets (again is harmless). */
  add(tickets: { ticketId: string; eventId: string }[]): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      let seq = sql.exec<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM holdings').one().seq ?? 0;
      const now = Date.now();
      for (const t of tickets) {
        const added = sql
          .exec(
            'INSERT INTO holdings (ticket_id, event_id, added_at, seq) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1',
            t.ticketId,
            t.eventId,
            now,
            seq + 1,
          )
          .toArray();
        if (added.length) seq++;
      }
    });
  }

  /** A page of ticket ids, newest first; `before` is the cursor a previous page returned. */
  list(input: { limit: number; before?: number; eventId?: string }): { ticketIds: string[]; next: number | null } {
    const rows = this.ctx.storage.sql
      .exec<{ ticket_id: string; seq: number }>(
        `SELECT ticket_id, seq FROM holdings WHERE seq < ? AND (? IS NULL OR event_id = ?) ORDER BY seq DESC LIMIT ?`,
        input.before ?? Number.MAX_SAFE_INTEGER,
        input.eventId ?? null,
        input.eventId ?? null,
        input.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, input.limit);
    return { ticketIds: page.map((r) => r.ticket_id), next: rows.length > input.limit ? (page.at(-1)?.seq ?? null) : null };
  }
}
