import type { Bindings } from '../env';
import { heartbeatStub } from '../lib/stubs';

/** Sends a beat through the whole write path (HeartbeatDO → outbox → queue → Postgres). */
export async function beatHeartbeat(env: Bindings): Promise<{ seq: number; eventId: string }> {
  const beat = await heartbeatStub(env).beat();
  return { seq: beat.seq, eventId: beat.eventId };
}
