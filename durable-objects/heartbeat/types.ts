import { z } from 'zod';
import type { OutboxStatus } from '../outbox';

/** HeartbeatDO's contract, and the `system.heartbeat` payload the outbox consumer parses. */
export type HeartbeatBeat = { seq: number; eventId: string; beatAt: string };
export type HeartbeatStatus = { lastSeq: number; lastBeatAt: string | null; outbox: OutboxStatus };

export const HeartbeatPayload = z.object({ seq: z.number().int().positive(), beatAt: z.iso.datetime() });
export type HeartbeatPayload = z.infer<typeof HeartbeatPayload>;
