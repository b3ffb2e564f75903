import { z } from 'zod';
import type { SubjectKind, VelocityDecision } from '../../src/domain/velocity';

/**
 * The risk objects' contract. One RiskDO per risk subject of a tenant (a user, an IP address, a card
 * fingerprint, a device fingerprint) holds that subject's purchase history, links and known-scalper flags;
 * one ScalperRegistryDO per tenant holds the known-scalper list.
 */

export type RiskProbe = { tenantId: string; kind: SubjectKind; value: string; transactionId: string; actor: string };

/** What a subject knows, read in the same step that holds the attempt. */
export type RiskReading = {
  kind: SubjectKind;
  /** This attempt against the subject's limits; when ok, the attempt is counted until released. */
  velocity: VelocityDecision;
  /** Whether this call counted the attempt (false for a retry of a transaction counted before, or a refusal). */
  countedNow: boolean;
  /** Purchases counted before this attempt. */
  purchasesLastHour: number;
  purchasesLastDay: number;
  /** Distinct users linked to the subject in the last 30 days, this one included. */
  distinctActors: number;
  /** When the subject was first seen; null for a new one. */
  firstSeenAt: number | null;
  scalper: { id: string; reason: string } | null;
};

export type ScalperInput = { tenantId: string; userId?: string; deviceFingerprint?: string; reason: string; addedBy: string };

export const KnownScalper = z.object({
  id: z.uuid(),
  tenantId: z.string().min(1),
  userId: z.string().nullable(),
  deviceFingerprint: z.string().nullable(),
  reason: z.string(),
  confidenceScore: z.number().min(0).max(1),
  active: z.boolean(),
  addedBy: z.string().nullable(),
  addedAt: z.iso.datetime(),
  removedAt: z.iso.datetime().nullable(),
});
export type KnownScalper = z.infer<typeof KnownScalper>;
