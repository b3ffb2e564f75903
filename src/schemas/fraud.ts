import { z } from '@hono/zod-openapi';
import { FRAUD_DECISIONS, FRAUD_REVIEW_OUTCOMES } from '../db/risk-schema';
import { EntityId } from './catalog';

export const FraudChecksQuery = z.object({
  decision: z.enum(FRAUD_DECISIONS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const FraudCheck = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    userId: z.string(),
    eventId: z.string(),
    deviceFingerprint: z.string().nullable(),
    ipAddress: z.string().nullable(),
    score: z.number(),
    signals: z.unknown().openapi({ description: 'Fraud signals with weights, velocity per subject, the bot verdict' }),
    decision: z.enum(FRAUD_DECISIONS),
    refusedBy: z.string().nullable(),
    outcome: z.enum(FRAUD_REVIEW_OUTCOMES).nullable(),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    timestamp: z.string(),
  })
  .openapi('FraudCheck');

export const FraudChecksResponse = z.object({ checks: z.array(FraudCheck) }).openapi('FraudChecks');
/**
 * Ids are UUIDs. The path takes any id of UUID characters so that a malformed one is a 404 like an unknown
 * one, answered after the body's media type is checked as on every route.
 */
const RecordId = z.string().regex(/^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,99}$/, 'an id');
export const FraudCheckIdParam = z.object({ id: RecordId });
export const ResolveFraudCheckBody = z.object({ outcome: z.enum(FRAUD_REVIEW_OUTCOMES) }).openapi('ResolveFraudCheck');

export const AddScalperBody = z
  .object({
    userId: EntityId.optional(),
    deviceFingerprint: z.string().min(1).max(256).optional(),
    reason: z.string().min(1).max(500),
  })
  .refine((b) => b.userId !== undefined || b.deviceFingerprint !== undefined, {
    message: 'name a userId or a deviceFingerprint',
    path: ['userId'],
  })
  .openapi('AddKnownScalper');

export const KnownScalperView = z
  .object({
    id: z.string(),
    userId: z.string().nullable(),
    deviceFingerprint: z.string().nullable(),
    reason: z.string(),
    active: z.boolean(),
    addedAt: z.string(),
    removedAt: z.string().nullable(),
  })
  .openapi('KnownScalper');
export const ScalperIdParam = z.object({ id: RecordId });
