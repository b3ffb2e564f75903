import { z } from '@hono/zod-openapi';

export const AdminStatsResponse = z
  .object({
    last24Hours: z.object({
      total_payments: z.number().int(),
      successful: z.number().int(),
      failed: z.number().int(),
      pending: z.number().int(),
      total_revenue: z.number().int().openapi({ description: 'Minor units' }),
    }),
    timestamp: z.string(),
  })
  .openapi('AdminStats');

export const DeadLetterQueueName = z.enum(['outbox', 'mint', 'deliveries']);

export const DeadLetter = z
  .object({
    id: z.number().int(),
    queue: DeadLetterQueueName,
    messageId: z.string(),
    eventId: z.string().nullable(),
    eventType: z.string().nullable(),
    tenantId: z.string().nullable(),
    body: z.unknown(),
    attempts: z.number().int().nullable(),
    lastError: z.string().nullable(),
    movedToDlqAt: z.string(),
    requeuedAt: z.string().nullable(),
    requeueCount: z.number().int(),
  })
  .openapi('DeadLetter');

export const ListDeadLettersQuery = z.object({
  queue: DeadLetterQueueName.optional(),
  status: z.enum(['pending', 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ListDeadLettersResponse = z.object({ deadLetters: z.array(DeadLetter) }).openapi('DeadLetterList');

export const RequeueDeadLettersBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(100) }).openapi('RequeueDeadLetters');
export type RequeueDeadLettersBody = z.infer<typeof RequeueDeadLettersBody>;

export const RequeueDeadLettersResponse = z
  .object({ requeued: z.array(z.number().int()), notFound: z.array(z.number().int()) })
  .openapi('RequeueDeadLettersResult');
