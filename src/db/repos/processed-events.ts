import { and, lt, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { processedEvents, webhookInbox } from '../schema';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type EventClaim = { eventId: string; type: string; source: string };

/** Claims event ids in one statement inside the caller's transaction; returns those not applied before. */
export async function claimEvents(tx: Tx, events: readonly EventClaim[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const rows = await tx
    .insert(processedEvents)
    .values(events.map((e) => ({ eventId: e.eventId, eventType: e.type, source: e.source })))
    .onConflictDoNothing()
    .returning({ eventId: processedEvents.eventId });
  return new Set(rows.map((r) => r.eventId));
}

/** Claims an event id inside the caller's transaction; false when it was applied before. */
export async function claimEvent(tx: Tx, event: EventClaim): Promise<boolean> {
  return (await claimEvents(tx, [event])).has(event.eventId);
}

/**
 * Daily cleanup: dedup records and processed webhooks older than `days`. Safe because no
 * queue keeps a message longer than 14 days, so an event this old cannot be delivered again.
 */
export async function deleteProcessedOlderThan(db: Db, days: number): Promise<{ events: number; webhooks: number }> {
  const cutoff = sql`now() - make_interval(days => ${days})`;
  const events = await db.delete(processedEvents).where(lt(processedEvents.processedAt, cutoff)).returning({ id: processedEvents.eventId });
  const webhooks = await db
    .delete(webhookInbox)
    .where(and(sql`${webhookInbox.status} = 'processed'`, lt(webhookInbox.processedAt, cutoff)))
    .returning({ id: webhookInbox.id });
  return { events: events.length, webhooks: webhooks.length };
}
