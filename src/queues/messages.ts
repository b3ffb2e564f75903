import { z } from 'zod';
import type { Tx } from '../db/repos/processed-events';
import type { Bindings } from '../env';
import { NOTIFICATION_CHANNELS } from '../notifications/types';

/**
 * Every body the `outbox` queue carries. `v` versions the envelope; `eventId` is the dedup key. The payload
 * is parsed by the handler of its type, with the schema its producer's types come from (durable-objects/…/types.ts).
 */
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

/**
 * Applies one event inside the transaction that also records its id. A payload its schema refuses throws a
 * ZodError, which the consumer treats as permanent (queues/failures.ts): the event is dead-lettered at once.
 */
export type OutboxHandler = (tx: Tx, event: OutboxMessage, env: Bindings) => Promise<void>;

/** Every body the `deliveries` queue carries: one recovery reminder on one channel (made by queues/recovery-handlers.ts). */
export const RecoveryDeliveryMessage = z.object({
  v: z.literal(1),
  type: z.literal('recovery.reminder'),
  /** `<deliveryId>:<channel>`: what outbox_dlq records as the event id. */
  eventId: z.string().min(1).max(120),
  tenantId: z.string().min(1),
  transactionId: z.uuid(),
  deliveryId: z.string().min(1).max(100),
  reminderSeq: z.number().int().positive(),
  channel: z.enum(NOTIFICATION_CHANNELS),
});
export type RecoveryDeliveryMessage = z.infer<typeof RecoveryDeliveryMessage>;

/**
 * Every body the `mint` and `mint-urgent` queues carry: one ticket to mint, to burn once its order was
 * refunded, or to transfer to the buyer of its resale (`jobId` is then the escrow). The TicketDO named holds
 * everything else; duplicates are harmless (it says what is left to do).
 */
export const MintMessage = z.object({
  v: z.literal(1),
  op: z.enum(['mint', 'burn', 'transfer']),
  tenantId: z.string().min(1),
  ticketId: z.string().regex(/^tkt_[0-9a-f]{26}$/),
  chain: z.enum(['polygon', 'solana']),
  jobId: z.string().min(1).max(100),
});
export type MintMessage = z.infer<typeof MintMessage>;
