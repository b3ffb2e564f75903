import { z } from '@hono/zod-openapi';
import { CHECKOUT_PROVIDERS, type CheckoutProvider } from '../domain/checkout';

export const ComponentStatus = z.enum(['healthy', 'degraded', 'unhealthy']);

export const HealthResponse = z
  .object({
    status: ComponentStatus,
    service: z.string(),
    version: z.string(),
    timestamp: z.string(),
    components: z.object({
      database: z.object({
        status: ComponentStatus,
        latencyMs: z.number().nullable(),
        checkedAt: z.string().openapi({ description: 'When the probe ran; /health reuses one for up to 5 s' }),
        message: z.string().optional(),
      }),
      objects: z.object({ status: ComponentStatus, latencyMs: z.number().nullable(), message: z.string().optional() }),
      queues: z.object({
        status: ComponentStatus,
        pendingEvents: z.number().int().nullable().openapi({ description: 'Heartbeat outbox rows the queue has not accepted yet' }),
        oldestPendingSeconds: z.number().nullable(),
        unconfirmedEvents: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'Heartbeat events the queue accepted that no consumer has confirmed in Postgres yet' }),
        oldestUnconfirmedSeconds: z.number().nullable(),
        lastDeliveredAt: z.string().nullable(),
        retrying: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'Queue messages in consumer retries now (null: database unreachable)' }),
        oldestRetryingSeconds: z.number().nullable(),
        deadLetters: z.number().int().nullable().openapi({ description: 'Dead letters not yet re-enqueued' }),
        message: z.string().optional(),
      }),
    }),
  })
  .openapi('Health');
export type HealthResponse = z.infer<typeof HealthResponse>;

export const DbHealthResponse = z
  .object({
    status: ComponentStatus,
    latencyMs: z.number().nullable(),
    checkedAt: z.string(),
    timestamp: z.string(),
    message: z.string().optional(),
  })
  .openapi('DatabaseHealth');

export const InfoResponse = z
  .object({
    service: z.string(),
    version: z.string(),
    processor: z.string(),
    features: z.object({
      stripe: z.boolean(),
      square: z.boolean(),
      webhooks: z.boolean(),
      reconciliation: z.boolean(),
      nftIntegration: z.boolean(),
      notifications: z.boolean(),
      fraudDetection: z.boolean(),
      transactionalOutbox: z.boolean(),
      deadLetterRequeue: z.boolean(),
      queueDashboard: z.string().nullable(),
      providers: z
        .object(Object.fromEntries(CHECKOUT_PROVIDERS.map((p) => [p, z.boolean()])) as Record<CheckoutProvider, z.ZodBoolean>)
        .openapi({ description: 'Checkout providers whose credentials are configured' }),
    }),
    status: z.literal('running'),
  })
  .openapi('Info');
