import { sql } from 'drizzle-orm';
import { pipelineHeartbeats } from '../schema';
import type { Tx } from './processed-events';

/** Counts a beat; not idempotent on purpose, so only the processed_events guard keeps it exactly-once. */
export async function recordHeartbeat(tx: Tx, source: string, seq: number, beatAt: Date): Promise<void> {
  await tx
    .insert(pipelineHeartbeats)
    .values({ source, lastSeq: seq, lastBeatAt: beatAt, beatsRecorded: 1 })
    .onConflictDoUpdate({
      target: pipelineHeartbeats.source,
      set: {
        lastSeq: sql`GREATEST(${pipelineHeartbeats.lastSeq}, excluded.last_seq)`,
        lastBeatAt: sql`GREATEST(${pipelineHeartbeats.lastBeatAt}, excluded.last_beat_at)`,
        beatsRecorded: sql`${pipelineHeartbeats.beatsRecorded} + 1`,
        updatedAt: sql`now()`,
      },
    });
}
