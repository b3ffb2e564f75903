import { z } from '@hono/zod-openapi';
import { EntityId } from './catalog';

export const WaitingRoomPlace = z
  .object({
    queueId: z.string(),
    position: z
      .number()
      .int()
      .openapi({ description: 'Your number in the line since the room opened: distinct per arrival, never changes' }),
    ahead: z.number().int().openapi({ description: 'People still waiting ahead of you' }),
    estimatedWaitSeconds: z.number().int().openapi({ description: "From the room's admissions over the last minute" }),
    status: z.enum(['waiting', 'admitted']),
    accessToken: z
      .string()
      .optional()
      .openapi({ description: 'When admitted: send as x-access-token with the purchase; spent by one completed payment' }),
    expiresAt: z.string().optional(),
  })
  .openapi('WaitingRoomPlace');

export const RevokeAdmissionBody = z.object({ userId: EntityId }).openapi('RevokeAdmissionRequest');
export const RevokeAdmissionResponse = z
  .object({ revoked: z.literal(true), userId: z.string(), tokensRevoked: z.number().int() })
  .openapi('RevokeAdmissionResponse');
