import type { OutboxMessage } from '../../src/queues/messages';
import { rows, sql } from './db';

/** A heartbeat event as HeartbeatDO's outbox would send it, from a source of the test's own. */
export function heartbeatEvent(source: string, seq = 1, overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  return {
    v: 1,
    eventId: crypto.randomUUID(),
    type: 'system.heartbeat',
    source: { object: 'HeartbeatDO', id: source },
    occurredAt: new Date().toISOString(),
    payload: { seq, beatAt: new Date().toISOString() },
    ...overrides,
  };
}

export async function heartbeatRow(source: string) {
  const [row] = await rows<{ last_seq: string; beats_recorded: string }>(
    sql`SELECT last_seq, beats_recorded FROM pipeline_heartbeats WHERE source = ${`HeartbeatDO:${source}`}`,
  );
  return row ? { lastSeq: Number(row.last_seq), beatsRecorded: Number(row.beats_recorded) } : undefined;
}

export async function processedCount(eventId: string): Promise<number> {
  const [row] = await rows<{ n: string }>(sql`SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ${eventId}`);
  return Number(row?.n ?? 0);
}
