import { z } from 'zod';

/** Every body the `outbox` queue carries. `v` versions the envelope; `eventId` is the dedup key. */
export const OutboxMessage = z.object({
  v: z.literal(1),
  eventId: z.string().min(1).max(100),
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, 'dotted event name'),
  source: z.object({ object: z.string().min(1), id: z.string().min(1) }),
  tenantId: z.string().min(1).optional(),
  occurredAt: z.iso.datetime(),
  payload: z.unknown(),
});
export type OutboxMessage = z.infer<typeof OutboxMessage>;

export const HeartbeatPayload = z.object({ seq: z.number().int().positive(), beatAt: z.iso.datetime() });
